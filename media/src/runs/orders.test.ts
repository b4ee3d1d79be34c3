import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricKeysOf, metricOrders, runOrders, RUN_ORDERS } from './orders';
import type { RunSummary } from '@sextant/language-server/protocol';

function run(runId: string, metrics: Record<string, number>): RunSummary {
  return {
    runId,
    runName: runId,
    experimentId: '1',
    status: 'FINISHED',
    startTime: 0,
    endTime: 1,
    lifecycleStage: 'active',
    metrics,
  };
}

test('a metric sorts both ways, its name quoted for MLflow', () => {
  assert.deepEqual(metricOrders('test accuracy'), [
    { label: 'test accuracy ascending', orderBy: ['metrics.`test accuracy` ASC'] },
    { label: 'test accuracy descending', orderBy: ['metrics.`test accuracy` DESC'] },
  ]);
});

test('the metric keys of runs come once each, sorted', () => {
  const keys = metricKeysOf([run('a', { loss: 1, acc: 0.5 }), run('b', { acc: 0.7, f1: 0.2 })]);
  assert.deepEqual(keys, ['acc', 'f1', 'loss']);
});

test('the orders are the fixed ones first, then each metric ascending and descending', () => {
  const orders = runOrders(['acc']);
  assert.deepEqual(
    orders.map((o) => o.label),
    [...RUN_ORDERS.map((o) => o.label), 'acc ascending', 'acc descending'],
  );
  assert.deepEqual(orders[0]!.orderBy, ['attributes.start_time DESC']);
});
