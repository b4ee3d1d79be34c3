import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelVersionSummary, RegistryCompareResult } from '@sextant/language-server/protocol';
import { modelCompareToCsv } from './modelCsv';

const version = (n: string, aliases: string[]): ModelVersionSummary => ({
  name: 'churn',
  version: n,
  stage: 'None',
  status: 'READY',
  statusMessage: '',
  aliases,
  creationTimestamp: 1,
  runId: `r${n}`,
  source: `runs:/r${n}/model`,
  description: '',
  deployable: true,
  reasons: [],
  sizeBytes: 1000 * Number(n),
});

test('a model comparison exports one row per version, metrics and params as columns', () => {
  const compare: RegistryCompareResult = {
    versions: [version('1', []), version('2', ['champion', 'prod'])],
    evalSet: 'holdout, 2026',
    commonEvalSets: ['holdout, 2026'],
    evaluations: [null, null],
    metrics: [
      {
        key: 'accuracy_score',
        values: [0.9, null],
        greaterIsBetter: true,
        ranked: true,
        best: null,
      },
    ],
    params: [{ key: 'C', values: ['0.1', null], differs: true }],
    requirements: [],
    signature: [],
    facts: [],
  };
  assert.equal(
    modelCompareToCsv(compare),
    'model,version,aliases,stage,size_bytes,eval_set,metric.accuracy_score,param.C\r\n' +
      'churn,1,,None,1000,,0.9,0.1\r\n' +
      'churn,2,champion prod,None,2000,,,\r\n',
  );
  compare.evaluations = [{ summary: {} as never, slices: [], warnings: [], plots: {} }, null];
  assert.match(modelCompareToCsv(compare), /churn,1,,None,1000,"holdout, 2026",0\.9,0\.1/);
});
