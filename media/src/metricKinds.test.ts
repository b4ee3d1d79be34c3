import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunsCompareResult, SampledSeries } from '@sextant/language-server/protocol';
import {
  abbreviateMiddle,
  bestIndex,
  defaultAxisParams,
  defaultDirection,
  defaultMetric,
  defaultScatterParam,
  scalarMetricKeys,
  sortedOrder,
  splitSeries,
  statsText,
  wrapLabel,
} from './metricKinds';

const series = (runId: string, key: string, total: number): SampledSeries => ({
  runId,
  key,
  total,
  steps: Array.from({ length: total }, (_, i) => i),
  timestamps: Array.from({ length: total }, (_, i) => i * 1000),
  values: Array.from({ length: total }, (_, i) => i / 10),
  downsampled: false,
});

const compare: RunsCompareResult = {
  runs: [
    { runId: 'a', runName: 'a', status: 'FINISHED', startTime: 0, experimentId: '0' },
    { runId: 'b', runName: 'b', status: 'FINISHED', startTime: 0, experimentId: '0' },
  ] as RunsCompareResult['runs'],
  params: [
    { key: 'estimator', values: ['LogisticRegression()', 'sklearn.svm.SVC()'], differs: true },
    { key: 'max_iter', values: ['100', '200'], differs: true },
    { key: 'n_jobs', values: ['None', 'None'], differs: false },
  ],
  metrics: [
    { key: 'system/cpu', runs: [null, null] },
    { key: 'training_accuracy', runs: [null, null] },
    { key: 'loss', runs: [null, null] },
  ],
};

test('splitSeries draws only keys with two or more points, system metrics apart', () => {
  const all = [
    series('a', 'accuracy', 1),
    series('a', 'loss', 200),
    series('b', 'loss', 1),
    series('a', 'system/cpu', 5),
  ];
  const { charts, system } = splitSeries(all);
  assert.deepEqual(
    charts.map((s) => `${s.runId}:${s.key}`),
    ['a:loss', 'b:loss'],
  );
  assert.deepEqual(
    system.map((s) => s.key),
    ['system/cpu'],
  );
  assert.deepEqual(scalarMetricKeys(compare, all), ['training_accuracy']);
});

test('direction: losses and errors lower, the rest higher', () => {
  assert.equal(defaultDirection('training_log_loss'), 'lower');
  assert.equal(defaultDirection('val/rmse'), 'lower');
  assert.equal(defaultDirection('test_mean_absolute_error'), 'lower');
  assert.equal(defaultDirection('training_accuracy_score'), 'higher');
  assert.equal(defaultDirection('precision'), 'higher');
});

test('bestIndex marks the lowest or highest finite value, none alone or when all tie', () => {
  assert.equal(bestIndex([0.3, 0.1, null, 0.2], 'lower'), 1);
  assert.equal(bestIndex([0.3, 0.1, null, 0.2], 'higher'), 0);
  assert.equal(bestIndex([NaN, 2, 3], 'lower'), 1);
  assert.equal(bestIndex([NaN, 2], 'lower'), -1);
  assert.equal(bestIndex([1, 1, 1], 'higher'), -1);
  assert.equal(bestIndex([null, null], 'higher'), -1);
  assert.equal(bestIndex([5], 'higher'), -1);
});

test('statsText collapses equal latest, min and max to one value', () => {
  assert.equal(statsText({ latest: 0.5, step: 0, min: 0.5, max: 0.5 }), '0.5');
  assert.equal(statsText({ latest: 0.5, step: 3, min: 0.1, max: 0.9 }), '0.5 · 0.1 · 0.9');
});

test('abbreviateMiddle keeps the start and the end', () => {
  assert.equal(abbreviateMiddle('short', 10), 'short');
  const cut = abbreviateMiddle('logisticregression__max_iter', 15);
  assert.equal(cut.length, 15);
  assert.ok(cut.startsWith('logi'));
  assert.ok(cut.endsWith('max_iter'));
  assert.ok(cut.includes('…'));
});

test('wrapLabel breaks at separators and cuts the last line in the middle', () => {
  assert.deepEqual(wrapLabel('max_iter', 12), ['max_iter']);
  assert.deepEqual(wrapLabel('logisticregression__max_iter', 20), [
    'logisticregression__',
    'max_iter',
  ]);
  const lines = wrapLabel('sklearn.linear_model._logistic.LogisticRegression', 16);
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.length <= 16));
  assert.ok(lines[1]!.endsWith('Regression'));
});

test('axis and scatter defaults: varying params, numeric first, no system metric', () => {
  assert.deepEqual(defaultAxisParams(compare), ['estimator', 'max_iter']);
  assert.equal(defaultScatterParam(compare), 'max_iter');
  assert.equal(
    defaultScatterParam({ ...compare, params: compare.params.filter((p) => p.key !== 'max_iter') }),
    'estimator',
  );
  assert.equal(defaultMetric(compare), 'training_accuracy');
});

test('sortedOrder sorts either way and keeps missing values last', () => {
  assert.deepEqual(sortedOrder([3, null, 1, 2], false), [2, 3, 0, 1]);
  assert.deepEqual(sortedOrder([3, null, 1, 2], true), [0, 3, 2, 1]);
});
