import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSummary } from '../runs/fixtures.testing';
import {
  bestRunOf,
  cellValue,
  columnLabel,
  defaultColumns,
  keysOf,
  orderByOf,
  sortRows,
  valuesOf,
} from './columns';

const runs = [
  runSummary('a', { metrics: { loss: 0.5, acc: 0.7 }, params: { lr: '0.1', seed: '1' } }),
  runSummary('b', { metrics: { loss: 0.2, acc: 0.9 }, params: { lr: '0.01', seed: '1' } }),
  runSummary('c', { metrics: { acc: 0.8 }, params: { lr: '1e-3', seed: '1' }, endTime: null }),
];

test('orderByOf speaks MLflow order_by, and leaves duration to the table', () => {
  assert.equal(
    orderByOf({ column: 'metrics.val loss', descending: true }),
    'metrics.`val loss` DESC',
  );
  assert.equal(orderByOf({ column: 'params.lr', descending: false }), 'params.`lr` ASC');
  assert.equal(orderByOf({ column: 'name', descending: false }), 'attributes.run_name ASC');
  assert.equal(orderByOf({ column: 'start', descending: true }), 'attributes.start_time DESC');
  assert.equal(orderByOf({ column: 'duration', descending: true }), undefined);
});

test('sortRows orders numbers numerically and puts missing values last both ways', () => {
  const ids = (column: string, descending: boolean) =>
    sortRows(runs, { column, descending }, 10_000).map((r) => r.runId);
  assert.deepEqual(ids('metrics.loss', false), ['b', 'a', 'c']);
  assert.deepEqual(ids('metrics.loss', true), ['a', 'b', 'c']);
  assert.deepEqual(ids('params.lr', false), ['c', 'b', 'a']);
  assert.deepEqual(ids('duration', true), ['c', 'a', 'b']);
});

test('cells, labels, keys and values', () => {
  assert.equal(cellValue(runs[2]!, 'duration', 10_000), 9000);
  assert.equal(cellValue(runs[0]!, 'params.lr', 0), '0.1');
  assert.equal(cellValue(runs[2]!, 'metrics.loss', 0), undefined);
  assert.equal(columnLabel('metrics.loss'), 'loss');
  assert.equal(columnLabel('duration'), 'Duration');
  assert.deepEqual(keysOf(runs), { metrics: ['acc', 'loss'], params: ['lr', 'seed'], tags: [] });
  assert.deepEqual(valuesOf(runs)['params.lr'], ['0.01', '0.1', '1e-3']);
  assert.deepEqual(valuesOf(runs)['attributes.status'], ['FINISHED']);
});

test('default columns are the metrics and params that vary', () => {
  assert.deepEqual(defaultColumns(runs, keysOf(runs)), [
    'metrics.acc',
    'metrics.loss',
    'params.lr',
  ]);
  assert.deepEqual(defaultColumns(runs.slice(0, 1), keysOf(runs.slice(0, 1))), [
    'metrics.acc',
    'metrics.loss',
    'params.lr',
    'params.seed',
  ]);
});

test('the best value is the lowest loss and the highest accuracy', () => {
  assert.equal(bestRunOf(runs, 'loss'), 'b');
  assert.equal(bestRunOf(runs, 'acc'), 'b');
  assert.equal(bestRunOf([runs[2]!], 'loss'), undefined);
});
