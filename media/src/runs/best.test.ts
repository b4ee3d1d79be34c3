import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClient } from '../presenters/fakeClient.testing';
import {
  bestAmong,
  bestCriterion,
  bestLabel,
  bestOrder,
  findBestRun,
  shownMetricKey,
} from './best';
import { runSummary } from './fixtures.testing';

test('the sort metric and its direction decide the best run; else the key metric', () => {
  assert.deepEqual(bestCriterion(['metrics.`val/acc` DESC']), {
    key: 'val/acc',
    direction: 'higher',
  });
  assert.deepEqual(bestCriterion(['metrics.loss']), { key: 'loss', direction: 'lower' });
  assert.deepEqual(bestCriterion(['metrics."a b" ASC']), { key: 'a b', direction: 'lower' });
  assert.deepEqual(bestCriterion(['attributes.start_time DESC'], 'rmse'), {
    key: 'rmse',
    direction: 'lower',
  });
  assert.deepEqual(bestCriterion(['attributes.start_time DESC'], 'f1'), {
    key: 'f1',
    direction: 'higher',
  });
  assert.equal(bestCriterion(['attributes.start_time DESC']), undefined);
  assert.equal(bestLabel({ key: 'f1', direction: 'higher' }), 'best run by f1 (highest)');
  assert.deepEqual(bestOrder({ key: 'a`b', direction: 'lower' }), ['metrics.`a``b` ASC']);
});

test('the best of a page skips runs without a finite value', () => {
  const runs = [
    runSummary('a', { metrics: { acc: 0.8 } }),
    runSummary('b', { metrics: { acc: Number.NaN } }),
    runSummary('c', { metrics: { acc: 0.9 } }),
    runSummary('d', { metrics: {} }),
  ];
  assert.equal(bestAmong(runs, { key: 'acc', direction: 'higher' }), 'c');
  assert.equal(bestAmong(runs, { key: 'acc', direction: 'lower' }), 'a');
  assert.equal(bestAmong(runs, { key: 'loss', direction: 'lower' }), undefined);
});

test('the best run of an experiment is the first of one search ordered by the metric', async () => {
  const client = new FakeClient({
    'sextant/runs/search': () => ({ runs: [runSummary('z', { metrics: { acc: 0.99 } })] }),
  });
  assert.equal(await findBestRun(client, '7', { key: 'acc', direction: 'higher' }), 'z');
  assert.deepEqual(client.paramsOf('sextant/runs/search'), [
    { experimentIds: ['7'], orderBy: ['metrics.`acc` DESC'], metricKeys: ['acc'], maxResults: 1 },
  ]);
  const none = new FakeClient({
    'sextant/runs/search': () => ({ runs: [runSummary('y', { metrics: {} })] }),
  });
  assert.equal(await findBestRun(none, '7', { key: 'acc', direction: 'higher' }), undefined);
});

test('without a chosen metric, the first key over the runs is the one shown and judged by', () => {
  const runs = [
    runSummary('a', { metrics: { loss: 1 } }),
    runSummary('b', { metrics: { z: 1, acc: 0.9 } }),
  ];
  assert.equal(shownMetricKey(runs), 'acc');
  assert.equal(shownMetricKey([runSummary('c')]), undefined);
});
