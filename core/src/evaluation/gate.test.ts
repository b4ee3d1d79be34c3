import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricThreshold } from '../model/evaluation';
import { applyGate, parseThresholds } from './gate';

const verdict = (
  threshold: Omit<MetricThreshold, 'metric'>,
  value: number | undefined,
  baseline?: number,
): boolean =>
  applyGate(
    [{ metric: 'm', ...threshold }],
    value === undefined ? {} : { m: value },
    baseline === undefined ? { runId: 'b', metrics: {} } : { runId: 'b', metrics: { m: baseline } },
  ).passed;

describe("the gate (MLflow's MetricThreshold semantics)", () => {
  it('holds an absolute threshold inclusively, in the direction of greater_is_better', () => {
    assert.equal(verdict({ threshold: 0.8, greaterIsBetter: true }, 0.8), true);
    assert.equal(verdict({ threshold: 0.8, greaterIsBetter: true }, 0.7999), false);
    assert.equal(verdict({ threshold: 0.3, greaterIsBetter: false }, 0.3), true);
    assert.equal(verdict({ threshold: 0.3, greaterIsBetter: false }, 0.31), false);
  });

  it('asks for value >= baseline + min_absolute_change (<= baseline - change when lower is better)', () => {
    assert.equal(verdict({ minAbsoluteChange: 0.05, greaterIsBetter: true }, 0.86, 0.8), true);
    assert.equal(verdict({ minAbsoluteChange: 0.05, greaterIsBetter: true }, 0.84, 0.8), false);
    assert.equal(verdict({ minAbsoluteChange: 0.1, greaterIsBetter: false }, 0.4, 0.5), true);
    assert.equal(verdict({ minAbsoluteChange: 0.1, greaterIsBetter: false }, 0.45, 0.5), false);
  });

  it('measures the relative change over |baseline|, so a negative baseline keeps its sense', () => {
    assert.equal(verdict({ minRelativeChange: 0.1, greaterIsBetter: true }, 0.89, 0.8), true);
    assert.equal(verdict({ minRelativeChange: 0.1, greaterIsBetter: true }, 0.87, 0.8), false);
    // r2 from -0.5 to -0.4 is an improvement of 20% of |baseline|.
    assert.equal(verdict({ minRelativeChange: 0.2, greaterIsBetter: true }, -0.39, -0.5), true);
    assert.equal(verdict({ minRelativeChange: 0.2, greaterIsBetter: true }, -0.45, -0.5), false);
    assert.equal(verdict({ minRelativeChange: 0.1, greaterIsBetter: false }, 0.44, 0.5), true);
    assert.equal(verdict({ minRelativeChange: 0.1, greaterIsBetter: false }, 0.46, 0.5), false);
  });

  it('computes in floating point as MLflow does, so a change exactly at the bound can fail', () => {
    // MLflow 3.17's _validate gives the same: 0.8 + 0.05 is 0.8500000000000001 > 0.85, and
    // (0.88 - 0.8) / 0.8 is 0.09999999999999998 < 0.1.
    assert.equal(verdict({ minAbsoluteChange: 0.05, greaterIsBetter: true }, 0.85, 0.8), false);
    assert.equal(verdict({ minRelativeChange: 0.1, greaterIsBetter: true }, 0.88, 0.8), false);
  });

  it('falls back to "strictly better" when the baseline is 0, as MLflow does', () => {
    assert.equal(verdict({ minRelativeChange: 0.5, greaterIsBetter: true }, 0.001, 0), true);
    assert.equal(verdict({ minRelativeChange: 0.5, greaterIsBetter: true }, 0, 0), false);
    assert.equal(verdict({ minRelativeChange: 0.5, greaterIsBetter: false }, -0.001, 0), true);
  });

  it('fails a metric the evaluation lacks, and a change asked of a baseline without the metric', () => {
    const missing = applyGate([{ metric: 'roc_auc', threshold: 0.5, greaterIsBetter: true }], {});
    assert.equal(missing.passed, false);
    assert.match(missing.metrics[0]!.failures[0]!, /roc_auc was not produced/);
    assert.equal(verdict({ minAbsoluteChange: 0.01, greaterIsBetter: true }, 0.9), false);
    // Only an absolute threshold needs no baseline.
    assert.equal(
      applyGate([{ metric: 'm', threshold: 1, greaterIsBetter: true }], { m: 2 }).passed,
      true,
    );
  });

  it('passes only when every threshold passes, and says why each failed with the values', () => {
    const result = applyGate(
      [
        {
          metric: 'accuracy_score',
          threshold: 0.9,
          minAbsoluteChange: 0.01,
          greaterIsBetter: true,
        },
        { metric: 'log_loss', threshold: 0.5, greaterIsBetter: false },
      ],
      { accuracy_score: 0.905, log_loss: 0.2 },
      { runId: 'base', metrics: { accuracy_score: 0.9, log_loss: 0.3 } },
    );
    assert.equal(result.passed, false);
    assert.equal(result.baselineRunId, 'base');
    const [accuracy, logLoss] = result.metrics;
    assert.equal(accuracy!.passed, false);
    assert.equal(accuracy!.value, 0.905);
    assert.equal(accuracy!.baseline, 0.9);
    assert.deepEqual(accuracy!.failures, ['accuracy_score = 0.905 is not >= baseline 0.9 + 0.01']);
    assert.equal(logLoss!.passed, true);
    assert.deepEqual(logLoss!.failures, []);
  });
});

describe('thresholds from the command line', () => {
  it('reads bounds and changes, merging those of one metric', () => {
    assert.deepEqual(
      parseThresholds([
        'accuracy_score>=0.8',
        'accuracy_score>=+0.01',
        'accuracy_score >= +5%',
        'log_loss<=-10%',
      ]),
      [
        {
          metric: 'accuracy_score',
          greaterIsBetter: true,
          threshold: 0.8,
          minAbsoluteChange: 0.01,
          minRelativeChange: 0.05,
        },
        { metric: 'log_loss', greaterIsBetter: false, minRelativeChange: 0.1 },
      ],
    );
  });

  it('refuses what it cannot read, with the grammar in the message', () => {
    assert.throws(() => parseThresholds(['accuracy_score>0.8']), /METRIC>=VALUE/);
    assert.throws(() => parseThresholds(['accuracy_score>=abc']), /cannot read/);
    assert.throws(() => parseThresholds(['accuracy_score>=-0.1']), /against its direction/);
    assert.throws(() => parseThresholds(['accuracy_score>=5%']), /no \+ or -/);
    assert.throws(() => parseThresholds(['m>=0.8', 'm<=0.9']), /disagree/);
  });
});
