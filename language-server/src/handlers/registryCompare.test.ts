import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvaluationSummary } from '../protocol';
import { compareMetrics } from './registryCompare';

const evaluation = (metrics: Record<string, number>): EvaluationSummary => ({
  runId: 'r',
  experimentId: '1',
  modelUri: 'models:/m/1',
  evalSet: 'holdout',
  datasetSha256: '',
  task: 'classifier',
  status: 'FINISHED',
  startTime: 0,
  metrics,
});

const byKey = (evaluations: EvaluationSummary[]) =>
  Object.fromEntries(compareMetrics(evaluations).map((m) => [m.key, m]));

describe('ranking compared metrics', () => {
  it('ranks scores and losses, and never the size of the eval set', () => {
    const m = byKey([
      evaluation({ accuracy_score: 0.8, log_loss: 0.3, example_count: 100, sum_on_target: 40 }),
      evaluation({ accuracy_score: 0.9, log_loss: 0.5, example_count: 120, sum_on_target: 50 }),
    ]);
    assert.deepEqual([m.accuracy_score!.ranked, m.accuracy_score!.best], [true, 1]);
    assert.deepEqual([m.log_loss!.ranked, m.log_loss!.best], [true, 0]);
    assert.deepEqual([m.example_count!.ranked, m.example_count!.best], [false, null]);
    assert.deepEqual([m.sum_on_target!.ranked, m.sum_on_target!.best], [false, null]);
  });

  it('ranks confusion counts only over the same number of examples', () => {
    const same = byKey([
      evaluation({ example_count: 100, false_positives: 7, true_positives: 30 }),
      evaluation({ example_count: 100, false_positives: 4, true_positives: 28 }),
    ]);
    assert.deepEqual([same.false_positives!.ranked, same.false_positives!.best], [true, 1]);
    assert.equal(same.false_positives!.greaterIsBetter, false);
    assert.deepEqual([same.true_positives!.ranked, same.true_positives!.best], [true, 0]);
    const differ = byKey([
      evaluation({ example_count: 100, false_positives: 7 }),
      evaluation({ example_count: 50, false_positives: 4 }),
    ]);
    assert.deepEqual([differ.false_positives!.ranked, differ.false_positives!.best], [false, null]);
  });
});
