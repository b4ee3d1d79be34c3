import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelVersionSummary } from '@sextant/language-server/protocol';
import {
  aliasProblem,
  csvColumns,
  evaluationPercent,
  modelItem,
  modelNameProblem,
  suggestModelName,
  suggestTarget,
  targetVersions,
  versionItem,
  type ModelsNode,
} from './model';

const version = (n: string, extra: Partial<ModelVersionSummary> = {}): ModelVersionSummary => ({
  name: 'churn',
  version: n,
  stage: 'None',
  status: 'READY',
  statusMessage: '',
  aliases: [],
  creationTimestamp: 0,
  runId: 'r1',
  source: 'runs:/r1/model',
  description: '',
  deployable: true,
  reasons: [],
  sizeBytes: 10,
  ...extra,
});

test('a version item shows aliases as badges, the stage, the key metric and deployability', () => {
  const item = versionItem(
    version('3', {
      aliases: ['champion', 'prod'],
      stage: 'Production',
      keyMetric: { key: 'roc_auc', value: 0.93456, evaluationRunId: 'e', evalSet: 'holdout' },
    }),
  );
  assert.equal(item.label, 'Version 3');
  assert.equal(item.description, '@champion @prod · Production · roc_auc 0.9346');
  assert.equal(item.contextValue, 'version.active.aliased');
  assert.deepEqual(item.icon, { id: 'rocket', color: 'testing.iconPassed' });
  assert.match(item.tooltip!, /roc_auc = 0.93456 on holdout/);

  const blocked = versionItem(version('1', { deployable: false, reasons: ['No signature.'] }));
  assert.equal(blocked.description, '');
  assert.equal(blocked.icon?.id, 'warning');
  assert.match(blocked.tooltip!, /Not deployable: No signature\./);
  assert.equal(versionItem(version('2', { stage: 'Archived' })).contextValue, 'version.archived');
  assert.equal(versionItem(version('4', { status: 'FAILED_REGISTRATION' })).icon?.id, 'error');
});

test('a model item shows its newest version and where its aliases point', () => {
  const item = modelItem({
    name: 'churn',
    description: 'churn classifier',
    lastUpdatedTimestamp: 0,
    aliases: [{ alias: 'champion', version: '2' }],
    tags: [{ key: 'team', value: 'risk' }],
    latestVersion: '3',
  });
  assert.equal(item.description, 'v3 · @champion→v2');
  assert.equal(item.contextValue, 'model');
  assert.equal(item.collapsible, 'collapsed');
  assert.match(item.tooltip!, /team: risk/);
});

test('commands act on the invoked versions, the multi-selection, or the tree selection', () => {
  const a: ModelsNode = { kind: 'version', version: version('1') };
  const b: ModelsNode = { kind: 'version', version: version('2') };
  const model: ModelsNode = {
    kind: 'model',
    model: { name: 'churn', description: '', lastUpdatedTimestamp: 0, aliases: [], tags: [] },
  };
  assert.deepEqual(
    targetVersions(a, [a, b, model], []).map((v) => v.version),
    ['1', '2'],
  );
  assert.deepEqual(
    targetVersions(b, undefined, [a]).map((v) => v.version),
    ['2'],
  );
  assert.deepEqual(
    targetVersions(undefined, undefined, [a, a, model]).map((v) => v.version),
    ['1'],
  );
  assert.deepEqual(targetVersions(model, undefined, []), []);
});

test('alias and model names are checked as the registry checks them', () => {
  assert.equal(aliasProblem('champion'), undefined);
  assert.match(aliasProblem('')!, /Give an alias/);
  assert.match(aliasProblem('my alias')!, /letters, digits/);
  assert.match(aliasProblem('v3')!, /reserved/);
  assert.match(aliasProblem('Latest')!, /reserved/);
  assert.equal(modelNameProblem('churn-classifier'), undefined);
  assert.match(modelNameProblem('a/b')!, /Leave out/);
  assert.match(modelNameProblem('  ')!, /Give the registered model a name/);
});

test('register suggests a name, evaluate reads columns and suggests the target', () => {
  assert.equal(
    suggestModelName('churn C=1.0', { source: 's', name: 'model', flavors: [] }),
    'churn',
  );
  assert.equal(
    suggestModelName('x', { source: 's', name: 'models/fraud_rf', flavors: [] }),
    'fraud_rf',
  );
  assert.deepEqual(csvColumns('age,"plan, tier",label\r'), ['age', 'plan, tier', 'label']);
  assert.deepEqual(csvColumns('"a ""b""",c'), ['a "b"', 'c']);
  assert.equal(suggestTarget(['age', 'Label', 'x']), 'Label');
  assert.equal(suggestTarget(['a', 'b']), 'b');
  assert.equal(suggestTarget([]), undefined);
  assert.equal(evaluationPercent(1, 2, 0.5), 75);
  assert.equal(evaluationPercent(0, 2, undefined), 0);
  assert.equal(evaluationPercent(0, 0, 1), 0);
});
