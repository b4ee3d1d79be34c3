import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SampledSeries } from '@sextant/language-server/protocol';
import { formatNumber, groupByKey, scatterPoints, smooth, xValues } from './chart';

const series = (runId: string, key: string): SampledSeries => ({
  runId,
  key,
  total: 2,
  steps: [0, 1],
  timestamps: [0, 1000],
  values: [1, 2],
  downsampled: false,
});

test('smooth leaves values as they are without weight', () => {
  assert.deepEqual(smooth([1, 2, 3], 0), [1, 2, 3]);
});

test('smooth is a debiased moving average that skips nulls', () => {
  const out = smooth([1, null, 1, 1], 0.9);
  assert.equal(out[1], null);
  for (const v of [out[0], out[2], out[3]]) assert.ok(Math.abs((v as number) - 1) < 1e-12);
});

test('groupByKey sorts keys and orders each group by the runs', () => {
  const groups = groupByKey(
    [series('b', 'loss'), series('a', 'acc'), series('a', 'loss')],
    ['a', 'b'],
  );
  assert.deepEqual([...groups.keys()], ['acc', 'loss']);
  assert.deepEqual(
    groups.get('loss')!.map((s) => s.runId),
    ['a', 'b'],
  );
});

test('xValues gives steps or ISO times', () => {
  assert.deepEqual(xValues(series('a', 'k'), 'step'), [0, 1]);
  assert.deepEqual(xValues(series('a', 'k'), 'time'), [
    '1970-01-01T00:00:00.000Z',
    '1970-01-01T00:00:01.000Z',
  ]);
});

test('formatNumber keeps integers and shortens floats', () => {
  assert.equal(formatNumber(3), '3');
  assert.equal(formatNumber(0.123456789), '0.123457');
  assert.equal(formatNumber(1e-7), '1.0000e-7');
  assert.equal(formatNumber(null), '');
});

test('scatterPoints pairs each run param with its latest metric, numeric when it can', () => {
  const run = (runId: string) => ({
    runId,
    runName: runId,
    experimentId: '1',
    status: 'FINISHED' as const,
    startTime: 0,
    endTime: 0,
    lifecycleStage: 'active' as const,
    metrics: {},
  });
  const compare = {
    runs: [run('a'), run('b'), run('c')],
    params: [
      { key: 'lr', values: ['0.1', '0.01', null], differs: true },
      { key: 'opt', values: ['adam', 'sgd', 'adam'], differs: true },
    ],
    metrics: [
      {
        key: 'loss',
        runs: [
          { latest: 0.5, step: 1, min: 0.5, max: 0.5 },
          { latest: 0.7, step: 1, min: 0.7, max: 0.7 },
          null,
        ],
      },
    ],
  };
  assert.deepEqual(
    scatterPoints(compare, 'lr', 'loss').map((p) => [p.runId, p.x, p.y]),
    [
      ['a', 0.1, 0.5],
      ['b', 0.01, 0.7],
    ],
  );
  assert.deepEqual(
    scatterPoints(compare, 'opt', 'loss').map((p) => p.x),
    ['adam', 'sgd'],
  );
  assert.deepEqual(scatterPoints(compare, 'missing', 'loss'), []);
});
