import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeDeploymentDraft, writeReplicas } from './deploymentFile';
import { readDeployments } from './deploymentSpec';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-deployment-file-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const PIPELINE = `# Our workspace.
pipelines:
  train:
    steps: [] # kept as written
`;

describe('writing deployments into sextant.yaml', () => {
  it('adds a deployment, keeping the comments and the other sections', () => {
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, PIPELINE);
    const spec = writeDeploymentDraft(file, {
      name: 'churn-api',
      model: 'models:/churn@champion',
      runtime: 'python',
      replicas: 2,
    });
    assert.deepEqual(spec.replicas, { min: 2, max: 2 });
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.startsWith(PIPELINE), text);
    assert.match(
      text,
      /deployments:\n {2}churn-api:\n {4}model: models:\/churn@champion\n {4}runtime: python\n {4}replicas: 2\n$/,
    );
    writeReplicas(file, 'churn-api', 3);
    assert.deepEqual(readDeployments(file)[0]!.replicas, { min: 3, max: 3 });
  });

  it('creates the file when there is none', () => {
    const file = path.join(dir, 'new.yaml');
    writeDeploymentDraft(file, { name: 'm', model: 'models:/m/1' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'deployments:\n  m:\n    model: models:/m/1\n');
  });

  it('adds a canary: routes made, the champion given the rest', () => {
    const file = path.join(dir, 'b.yaml');
    fs.writeFileSync(
      file,
      'deployments:\n  # the API\n  api:\n    model: models:/churn@champion\n',
    );
    const spec = writeDeploymentDraft(file, {
      name: 'api',
      model: 'models:/churn/2',
      variant: 'challenger',
      weight: 10,
    });
    assert.deepEqual(
      spec.variants.map((v) => [v.name, v.model, v.weight]),
      [
        ['champion', 'models:/churn@champion', 90],
        ['challenger', 'models:/churn/2', 10],
      ],
    );
    assert.equal(spec.champion, 'champion');
    assert.match(fs.readFileSync(file, 'utf8'), /# the API\n {2}api:/);
    const again = writeDeploymentDraft(file, {
      name: 'api',
      model: 'models:/churn/3',
      variant: 'challenger',
      weight: 25,
    });
    assert.deepEqual(
      again.variants.map((v) => [v.name, v.model, v.weight]),
      [
        ['champion', 'models:/churn@champion', 75],
        ['challenger', 'models:/churn/3', 25],
      ],
    );
  });

  it('refuses what is not a deployment, leaving the file as it was', () => {
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, PIPELINE);
    assert.throws(
      () => writeDeploymentDraft(file, { name: 'x', model: 'churn' }),
      /models:\/<name>@<alias> or models:\/<name>\/<version>/,
    );
    assert.throws(
      () => writeDeploymentDraft(file, { name: 'nope', model: 'models:/m/1', variant: 'c' }),
      /declares no deployment named 'nope'/,
    );
    assert.throws(
      () => writeDeploymentDraft(file, { name: '-x', model: 'models:/m/1' }),
      /not a deployment name/,
    );
    assert.throws(() => writeReplicas(file, 'nope', 2), /declares no deployment named 'nope'/);
    assert.equal(fs.readFileSync(file, 'utf8'), PIPELINE);
    const broken = path.join(dir, 'd.yaml');
    fs.writeFileSync(broken, 'a: [\n');
    assert.throws(
      () => writeDeploymentDraft(broken, { name: 'x', model: 'models:/m/1' }),
      /not valid YAML/,
    );
  });
});
