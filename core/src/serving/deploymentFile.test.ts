import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeDeploymentDraft } from './deploymentFile';
import { readDeployments } from './deploymentSpec';

const folder = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-declare-'));

describe('writeDeploymentDraft', () => {
  it('makes sextant.yaml with a deployments section when there is none', () => {
    const file = path.join(folder(), 'sextant.yaml');
    const spec = writeDeploymentDraft(file, {
      name: 'iris-api',
      model: 'models:/iris@champion',
      runtime: 'onnx',
      replicas: 2,
    });
    assert.equal(spec.name, 'iris-api');
    assert.deepEqual(spec.replicas, { min: 2, max: 2 });
    assert.equal(spec.runtime, 'onnx');
    assert.deepEqual(
      readDeployments(file).map((s) => [s.name, s.model]),
      [['iris-api', 'models:/iris@champion']],
    );
  });

  it('keeps pipelines, comments and other deployments, and updates the one named', () => {
    const file = path.join(folder(), 'sextant.yaml');
    const before = `# the team's workspace
pipelines:
  train:
    steps: {}
deployments:
  other:
    model: models:/other/1 # pinned
  iris-api:
    model: models:/iris/1
    routes:
      variants:
        - { name: champion, weight: 100 }
`;
    fs.writeFileSync(file, before);
    writeDeploymentDraft(file, { name: 'iris-api', model: 'models:/iris@champion', replicas: 3 });
    const after = fs.readFileSync(file, 'utf8');
    assert.match(after, /^# the team's workspace\npipelines:\n {2}train:/);
    assert.match(after, /model: models:\/other\/1 # pinned/);
    const specs = readDeployments(file);
    assert.deepEqual(
      specs.map((s) => [s.name, s.model, s.replicas.min, s.variants.length]),
      [
        ['other', 'models:/other/1', 1, 1],
        ['iris-api', 'models:/iris@champion', 3, 1],
      ],
    );
  });

  it('writes nothing when the result would not be a valid deployment', () => {
    const file = path.join(folder(), 'sextant.yaml');
    fs.writeFileSync(file, 'deployments:\n  a:\n    model: models:/a/1\n');
    assert.throws(
      () => writeDeploymentDraft(file, { name: 'b', model: 'runs:/x/model' }),
      /models:\/<name>@<alias>/,
    );
    assert.throws(
      () => writeDeploymentDraft(file, { name: 'b', model: 'models:/b/1', replicas: 0 }),
      /replicas/,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'deployments:\n  a:\n    model: models:/a/1\n');
    assert.throws(() => writeDeploymentDraft(file, { name: '../b', model: 'models:/b/1' }), /name/);
    fs.writeFileSync(file, '- a list\n');
    assert.throws(() => writeDeploymentDraft(file, { name: 'b', model: 'models:/b/1' }), /mapping/);
    fs.writeFileSync(file, 'deployments: {\n');
    assert.throws(
      () => writeDeploymentDraft(file, { name: 'b', model: 'models:/b/1' }),
      /not valid YAML/,
    );
  });
});
