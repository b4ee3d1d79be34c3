import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggedModel } from '../../model';
import { loggedModelMatcher } from './loggedModelFilter';
import { loggedModelComparator } from './loggedModelOrder';

const model: LoggedModel = {
  modelId: 'm-1',
  experimentId: '1',
  name: 'model',
  artifactUri: 'mlflow-artifacts:/1/models/m-1/artifacts',
  creationTimestampMs: 0,
  lastUpdatedTimestampMs: 0,
  status: 'LOGGED_MODEL_READY',
  sourceRunId: 'abc',
  tags: [{ key: 'stage', value: 'prod' }],
  params: [{ key: 'C', value: '1.0' }],
  metrics: [
    { key: 'acc', value: 0.8, step: 0, timestamp: 1, datasetName: 'train', datasetDigest: 'd1' },
    { key: 'acc', value: 0.6, step: 0, timestamp: 2, datasetName: 'eval', datasetDigest: 'd2' },
  ],
};

describe('loggedModelMatcher', () => {
  it('matches the filters the mlflow client sends', () => {
    assert.ok(loggedModelMatcher("name = 'model'")(model));
    assert.ok(!loggedModelMatcher("name = 'other'")(model));
    assert.ok(loggedModelMatcher("source_run_id = 'abc' AND tags.stage = 'prod'")(model));
    assert.ok(loggedModelMatcher("name LIKE 'mo%'")(model));
    assert.ok(loggedModelMatcher(undefined)(model));
  });

  it('compares metrics numerically, on the given datasets', () => {
    assert.ok(loggedModelMatcher('metrics.acc > 0.7')(model));
    assert.ok(!loggedModelMatcher('metrics.acc > 0.7', [{ datasetName: 'eval' }])(model));
    assert.ok(loggedModelMatcher('metrics.acc >= 0.6 AND params.C = 1.0')(model));
    assert.ok(!loggedModelMatcher('metrics.missing < 1')(model));
    assert.ok(loggedModelMatcher("status = 'READY' AND creation_time < 10")(model));
    assert.ok(loggedModelMatcher("tags.stage IN ('prod', 'dev') AND name ILIKE 'MO%'")(model));
    assert.ok(loggedModelMatcher("tags.stage != 'a AND b' AND name = 'model'")(model));
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => loggedModelMatcher("metrics.acc > 'high'"), /expected a number/);
    assert.throws(() => loggedModelMatcher("metrics.acc LIKE '1%'"), /operator/);
    assert.throws(() => loggedModelMatcher("foo.bar = 'x'"), /entity type/);
    assert.throws(() => loggedModelMatcher('name = '), /Invalid logged model filter/);
  });

  it('orders by latest metric value with missing values last', () => {
    const other = {
      ...model,
      modelId: 'm-2',
      metrics: [{ key: 'acc', value: 0.9, step: 0, timestamp: 1 }],
    };
    const none = { ...model, modelId: 'm-3', metrics: [] };
    const sorted = (ascending: boolean): string[] =>
      [none, model, other]
        .sort(loggedModelComparator([{ fieldName: 'metrics.acc', ascending }]))
        .map((m) => m.modelId);
    assert.deepEqual(sorted(false), ['m-2', 'm-1', 'm-3']);
    assert.deepEqual(sorted(true), ['m-1', 'm-2', 'm-3']);
    assert.throws(
      () => loggedModelComparator([{ fieldName: 'params.C', ascending: true }]),
      /Only metrics/,
    );
  });
});
