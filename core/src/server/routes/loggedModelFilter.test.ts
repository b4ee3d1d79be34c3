import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggedModel } from '../../model';
import { loggedModelMatcher } from './loggedModelFilter';

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
  metrics: [],
};

describe('loggedModelMatcher', () => {
  it('matches the filters the mlflow client sends', () => {
    assert.ok(loggedModelMatcher("name = 'model'")(model));
    assert.ok(!loggedModelMatcher("name = 'other'")(model));
    assert.ok(loggedModelMatcher("source_run_id = 'abc' AND tags.stage = 'prod'")(model));
    assert.ok(loggedModelMatcher("name LIKE 'mo%'")(model));
    assert.ok(loggedModelMatcher(undefined)(model));
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => loggedModelMatcher('metrics.acc > 1'), /Invalid logged model filter/);
  });
});
