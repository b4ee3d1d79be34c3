import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import { SextantError } from '../model/errors';
import { PROMPT_TAG } from './search';
import type { RegistryService } from './service';

let engine: Engine;
let registry: RegistryService;
let dir: string;
let runId: string;
let artifactRoot: string;

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.9
  sklearn:
    sklearn_version: 1.5.0
mlflow_version: 3.17.2
saved_input_example_info:
  artifact_path: input_example.json
signature:
  inputs: '[{"type": "double", "name": "x"}]'
  outputs: '[{"type": "long"}]'
`;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-registry-'));
  engine = Engine.open({ storeDir: dir });
  registry = engine.registry;
  const run = await engine.tracking.createRun({
    userId: 'ada',
    tags: [
      { key: 'mlflow.source.git.commit', value: 'abc123' },
      { key: 'sextant.pipeline', value: 'train' },
      { key: 'sextant.pipelineRunId', value: 'p-1' },
      { key: 'sextant.step', value: 'fit' },
    ],
  });
  runId = run.info.runId;
  await engine.tracking.logInputs(runId, [
    {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: {
        name: 'churn.csv',
        digest: 'd1g35t',
        sourceType: 'local',
        source: 'data/churn.csv',
      },
    },
  ]);
  artifactRoot = `0/${runId}/artifacts`;
  const files: Record<string, string> = {
    'model/MLmodel': MLMODEL,
    'model/requirements.txt': '# pinned\nmlflow==3.17.2\nscikit-learn==1.5.0\n',
    'model/conda.yaml': 'dependencies:\n  - python=3.11.9\n  - pip:\n    - mlflow==3.17.2\n',
    'model/model.pkl': 'x'.repeat(100),
    'bare/MLmodel': 'flavors:\n  sklearn: {}\n',
  };
  for (const [file, text] of Object.entries(files)) {
    await engine.artifacts.write(`${artifactRoot}/${file}`, Buffer.from(text));
  }
});
after(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (e: unknown) => e instanceof SextantError && e.code === code);

describe('registry service', () => {
  it('records deploy facts, lineage and the run user on a new version', async () => {
    await registry.createModel({ name: 'facts' });
    const version = await registry.createVersion({ name: 'facts', source: `runs:/${runId}/model` });
    assert.equal(version.status, 'READY');
    assert.equal(version.storageLocation, `mlflow-artifacts:/${artifactRoot}/model`);
    assert.equal(version.runId, runId);
    const facts = version.facts!;
    assert.deepEqual(facts.flavors, ['python_function', 'sklearn']);
    assert.equal(facts.pythonVersion, '3.11.9');
    assert.equal(facts.mlflowVersion, '3.17.2');
    assert.equal(facts.hasInputExample, true);
    assert.deepEqual(facts.pipRequirements, ['mlflow==3.17.2', 'scikit-learn==1.5.0']);
    assert.deepEqual(facts.condaDependencies, ['python=3.11.9', 'pip:mlflow==3.17.2']);
    assert.equal(facts.signature?.inputs, '[{"type": "double", "name": "x"}]');
    assert.ok(facts.sizeBytes > 100);
    assert.deepEqual(version.lineage, {
      runId,
      experimentId: '0',
      gitCommit: 'abc123',
      pipeline: 'train',
      pipelineRunId: 'p-1',
      pipelineStep: 'fit',
      datasets: [{ name: 'churn.csv', digest: 'd1g35t', context: 'training' }],
    });
    assert.deepEqual(await registry.deployability('facts', '1'), { deployable: true, reasons: [] });
    const [created] = (await registry.history('facts')).filter((e) => e.kind === 'version_created');
    assert.equal(created?.user, 'ada');
  });

  it('says why a version is not deployable', async () => {
    const bare = await registry.createVersion({ name: 'facts', source: `runs:/${runId}/bare` });
    const verdict = await registry.deployability('facts', bare.version);
    assert.equal(verdict.deployable, false);
    assert.equal(verdict.reasons.length, 3);
    const none = await registry.createVersion({ name: 'facts', source: `runs:/${runId}/missing` });
    assert.equal((await registry.deployability('facts', none.version)).deployable, false);
  });

  it('keeps every change as an event, oldest first, across a rename', async () => {
    const who = { user: 'grace', reason: 'better AUC' };
    await registry.createModel({ name: 'hist' }, who);
    await registry.createVersion({ name: 'hist', source: `runs:/${runId}/model` }, who);
    await registry.createVersion({ name: 'hist', source: `runs:/${runId}/model` }, who);
    await registry.setAlias('hist', 'champion', '1', who);
    await registry.setAlias('hist', 'champion', '2', who);
    await registry.setAlias('hist', 'champion', '2', who);
    await registry.transitionStage('hist', '1', 'Production', false, who);
    await registry.transitionStage('hist', '2', 'Production', true, who);
    await registry.setModelTag('hist', { key: 'team', value: 'a' }, who);
    await registry.deleteModelTag('hist', 'team', who);
    await registry.setVersionTag('hist', '2', { key: 'ok', value: 'y' }, who);
    await registry.deleteVersionTag('hist', '2', 'ok', who);
    await registry.renameModel('hist', 'hist2', who);
    await registry.deleteAlias('hist2', 'champion', who);
    await registry.deleteVersion('hist2', '1', who);
    const events = await registry.history('hist2');
    assert.deepEqual(
      events.map((e) => [e.kind, e.version ?? '', e.details]),
      [
        ['model_created', '', {}],
        ['version_created', '1', { source: `runs:/${runId}/model`, runId }],
        ['version_created', '2', { source: `runs:/${runId}/model`, runId }],
        ['alias_set', '1', { alias: 'champion', to: '1' }],
        ['alias_moved', '2', { alias: 'champion', from: '1', to: '2' }],
        ['stage_transitioned', '1', { from: 'None', to: 'Production' }],
        ['stage_transitioned', '1', { from: 'Production', to: 'Archived', archivedBy: '2' }],
        ['stage_transitioned', '2', { from: 'None', to: 'Production' }],
        ['model_tag_set', '', { key: 'team', value: 'a' }],
        ['model_tag_deleted', '', { key: 'team' }],
        ['version_tag_set', '2', { key: 'ok', value: 'y' }],
        ['version_tag_deleted', '2', { key: 'ok' }],
        ['model_renamed', '', { from: 'hist', to: 'hist2' }],
        ['alias_deleted', '2', { alias: 'champion', from: '2' }],
        ['version_deleted', '1', {}],
      ],
    );
    assert.ok(events.every((e) => e.user === 'grace' && e.reason === 'better AUC'));
    assert.ok(events.every((e, i) => i === 0 || e.time >= events[i - 1]!.time));
    await registry.deleteModel('hist2');
    const last = (await registry.history('hist2')).at(-1)!;
    assert.deepEqual([last.kind, last.user], ['model_deleted', 'unknown']);
  });

  it('answers with MLflow error codes', async () => {
    await rejectsWith(registry.getModel('nope'), 'RESOURCE_DOES_NOT_EXIST');
    await rejectsWith(registry.createModel({ name: 'facts' }), 'RESOURCE_ALREADY_EXISTS');
    await rejectsWith(registry.createModel({ name: 'a/b' }), 'INVALID_PARAMETER_VALUE');
    await rejectsWith(registry.getVersion('facts', 'x'), 'INVALID_PARAMETER_VALUE');
    await rejectsWith(registry.getVersion('facts', '99'), 'RESOURCE_DOES_NOT_EXIST');
    await rejectsWith(
      registry.transitionStage('facts', '1', 'Archived', true),
      'INVALID_PARAMETER_VALUE',
    );
    await rejectsWith(registry.setAlias('facts', 'latest', '1'), 'INVALID_PARAMETER_VALUE');
    await rejectsWith(registry.searchModels({ maxResults: 1001 }), 'INVALID_PARAMETER_VALUE');
    await rejectsWith(
      registry.createVersion({ name: 'facts', source: 'file:///etc' }),
      'INVALID_PARAMETER_VALUE',
    );
    await rejectsWith(
      registry.createVersion({
        name: 'facts',
        source: 'models:/m-0123456789abcdef0123456789abcdef',
      }),
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('resolves models:/name/version and models:/name@alias sources to the same files', async () => {
    await registry.setAlias('facts', 'champion', '1');
    await registry.createModel({ name: 'copy' });
    const byVersion = await registry.createVersion({ name: 'copy', source: 'models:/facts/1' });
    const byAlias = await registry.createVersion({
      name: 'copy',
      source: 'models:/facts@champion',
    });
    const original = await registry.getVersion('facts', '1');
    assert.equal(byVersion.storageLocation, original.storageLocation);
    assert.equal(byAlias.storageLocation, original.storageLocation);
  });

  it('searches with filters, orders and pages', async () => {
    for (const name of ['s-b', 's-a', 's-c']) {
      await registry.createModel({ name, tags: [{ key: 'k', value: name }] });
    }
    const names = async (input: Parameters<RegistryService['searchModels']>[0]) =>
      (await registry.searchModels(input)).items.map((m) => m.name);
    assert.deepEqual(await names({ filter: "name LIKE 's-%'" }), ['s-a', 's-b', 's-c']);
    assert.deepEqual(await names({ filter: "name LIKE 's-%'", orderBy: ['name DESC'] }), [
      's-c',
      's-b',
      's-a',
    ]);
    assert.deepEqual(await names({ filter: "tags.k = 's-b'" }), ['s-b']);
    const first = await registry.searchModels({ filter: "name LIKE 's-%'", maxResults: 2 });
    assert.deepEqual(
      (
        await registry.searchModels({ filter: "name LIKE 's-%'", pageToken: first.nextPageToken })
      ).items.map((m) => m.name),
      ['s-c'],
    );
    const versions = await registry.searchVersions({
      filter: "name = 'facts' AND version_number <= 2",
    });
    assert.deepEqual(versions.items.map((v) => v.version).sort(), ['1', '2']);
    const model = await registry.getModel('facts');
    assert.deepEqual(model.aliases, [{ alias: 'champion', version: '1' }]);
    assert.deepEqual(
      model.latestVersions.map((v) => [v.version, v.currentStage]),
      [['3', 'None']],
    );
  });

  it('leaves prompts out of version searches, by name or not, unless asked for them', async () => {
    const source = `runs:/${runId}/model`;
    const prompt = [{ key: PROMPT_TAG, value: 'true' }];
    await registry.createModel({ name: 'p-model' });
    await registry.createVersion({ name: 'p-model', source, tags: [{ key: 'q', value: 'hi' }] });
    // A prompt as MLflow's prompt registry writes it: the model and its versions tagged.
    await registry.createModel({ name: 'p-prompt', tags: prompt });
    await registry.createVersion({
      name: 'p-prompt',
      source,
      tags: [...prompt, { key: 'q', value: 'hi' }],
    });
    // Only a version tagged (the tag's value in another case): still a prompt.
    await registry.createModel({ name: 'p-version-only' });
    await registry.createVersion({
      name: 'p-version-only',
      source,
      tags: [{ key: 'q', value: 'hi' }],
    });
    await registry.createVersion({
      name: 'p-version-only',
      source,
      tags: [{ key: PROMPT_TAG, value: 'TRUE' }],
    });
    const found = async (filter: string): Promise<string[]> =>
      (
        await registry.searchVersions({ filter, orderBy: ['name ASC', 'version_number ASC'] })
      ).items.map((v) => `${v.name}/${v.version}`);
    const asked = ` AND tags.\`${PROMPT_TAG}\` = 'true'`;
    for (const name of ['p-prompt', 'p-version-only']) {
      assert.deepEqual(await found(`name = '${name}'`), []);
      assert.deepEqual(await found(`name = '${name}' AND tags.q = 'hi'`), []);
    }
    assert.deepEqual(await found("name = 'p-model' AND tags.q = 'hi'"), ['p-model/1']);
    assert.deepEqual(await found("name LIKE 'p-%' AND tags.q = 'hi'"), ['p-model/1']);
    assert.deepEqual(await found(`name = 'p-prompt'${asked}`), ['p-prompt/1']);
    assert.deepEqual(
      await found(
        `name = 'p-version-only' AND tags.q = 'hi'${asked.replace(" = 'true'", " != 'false'")}`,
      ),
      ['p-version-only/1'],
    );
    assert.deepEqual(await found(`name = 'p-model'${asked}`), []);
    // Asking for prompts switches the search to prompt models: every version of each.
    assert.deepEqual(await found(`name LIKE 'p-%'${asked}`), [
      'p-prompt/1',
      'p-version-only/1',
      'p-version-only/2',
    ]);
  });
});

describe('registry change events', () => {
  it('fires changed after each stored change, and not for a refused one', async () => {
    const seen: unknown[] = [];
    const listener = (change: unknown): void => void seen.push(change);
    registry.events.on('changed', listener);
    try {
      await registry.createModel({ name: 'events-model' });
      await registry.setModelTag('events-model', { key: 'team', value: 'risk' });
      await assert.rejects(registry.setAlias('events-model', 'champion', '7'));
      await registry.renameModel('events-model', 'events-renamed');
      await registry.deleteModel('events-renamed');
    } finally {
      registry.events.off('changed', listener);
    }
    assert.deepEqual(seen, [
      { name: 'events-model', detail: { kind: 'model.created', tags: [], description: '' } },
      {
        name: 'events-model',
        detail: { kind: 'model.tag.set', key: 'team', value: 'risk' },
      },
      { name: 'events-renamed', previousName: 'events-model' },
      { name: 'events-renamed' },
    ]);
  });
});
