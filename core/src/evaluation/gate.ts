import type { GateResult, MetricGateResult, MetricThreshold } from '../model/evaluation';
import { invalid } from '../model/errors';

/**
 * Holds a candidate's metrics to thresholds with MLflow's `MetricThreshold` semantics
 * (`mlflow.models.evaluation.validation._validate`): with `greaterIsBetter`, the value must be
 * >= `threshold`, >= baseline + `minAbsoluteChange`, and (value - baseline) / |baseline| must be
 * >= `minRelativeChange`; without it, the mirror images. A baseline of 0 turns the relative
 * check into "strictly better than the baseline". A metric the candidate lacks fails; a change
 * asked for without a baseline value fails too.
 */
export function applyGate(
  thresholds: MetricThreshold[],
  candidate: Record<string, number>,
  baseline?: { runId: string; metrics: Record<string, number> },
): GateResult {
  const metrics = thresholds.map((threshold) =>
    checkThreshold(threshold, candidate[threshold.metric], baseline?.metrics[threshold.metric]),
  );
  return {
    passed: metrics.every((m) => m.passed),
    ...(baseline ? { baselineRunId: baseline.runId } : {}),
    metrics,
  };
}

function checkThreshold(
  threshold: MetricThreshold,
  value: number | undefined,
  baseline: number | undefined,
): MetricGateResult {
  const failures: string[] = [];
  const done = (): MetricGateResult => ({
    metric: threshold.metric,
    ...(value !== undefined ? { value } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    threshold,
    passed: failures.length === 0,
    failures,
  });
  const name = threshold.metric;
  if (value === undefined) {
    failures.push(`${name} was not produced by the evaluation`);
    return done();
  }
  const better = threshold.greaterIsBetter;
  const atLeast = (a: number, b: number): boolean => (better ? a >= b : a <= b);
  const sign = better ? '>=' : '<=';
  if (threshold.threshold !== undefined && !atLeast(value, threshold.threshold)) {
    failures.push(`${name} = ${value} is not ${sign} the threshold ${threshold.threshold}`);
  }
  const wantsChange =
    threshold.minAbsoluteChange !== undefined || threshold.minRelativeChange !== undefined;
  if (!wantsChange) return done();
  if (baseline === undefined) {
    failures.push(
      `${name}: a change over the baseline was asked for, but the baseline has no ${name}`,
    );
    return done();
  }
  if (threshold.minAbsoluteChange !== undefined) {
    const bound = better
      ? baseline + threshold.minAbsoluteChange
      : baseline - threshold.minAbsoluteChange;
    if (!atLeast(value, bound)) {
      failures.push(
        `${name} = ${value} is not ${sign} baseline ${baseline} ${better ? '+' : '-'} ${threshold.minAbsoluteChange}`,
      );
    }
  }
  if (threshold.minRelativeChange !== undefined) {
    if (baseline === 0) {
      // MLflow falls back to "better than the baseline" (by 1e-10).
      const bound = better ? baseline + 1e-10 : baseline - 1e-10;
      if (!atLeast(value, bound)) {
        failures.push(
          `${name} = ${value} is not better than the baseline 0 (relative change undefined)`,
        );
      }
    } else {
      const change = (better ? value - baseline : baseline - value) / Math.abs(baseline);
      if (change < threshold.minRelativeChange) {
        failures.push(
          `${name} changed by ${change} relative to the baseline ${baseline}, less than ${threshold.minRelativeChange}`,
        );
      }
    }
  }
  return done();
}

const THRESHOLD = /^\s*([A-Za-z0-9_./-]+)\s*(>=|<=)\s*(\+|-)?\s*([0-9.eE+-]+)\s*(%)?\s*$/;

/**
 * Parses the command line's thresholds and merges those of one metric into one
 * {@link MetricThreshold}:
 * - `accuracy_score>=0.8`: at least 0.8 (greater is better); `log_loss<=0.3`: at most 0.3;
 * - `accuracy_score>=+0.01`: at least 0.01 above the baseline (min absolute change);
 * - `accuracy_score>=+5%`: at least 5% above the baseline (min relative change 0.05);
 * - `log_loss<=-0.02`, `log_loss<=-10%`: the same for a metric where lower is better.
 * @throws SextantError INVALID_PARAMETER_VALUE for a malformed threshold, or one metric given both directions.
 */
export function parseThresholds(texts: string[]): MetricThreshold[] {
  const byMetric = new Map<string, MetricThreshold>();
  for (const text of texts) {
    const match = THRESHOLD.exec(text);
    const number = match ? Number(match[4]) : NaN;
    if (!match || !Number.isFinite(number)) {
      throw invalid(
        `cannot read the threshold '${text}': write METRIC>=VALUE (or <=), a change over the baseline as METRIC>=+0.01 or METRIC>=+5%`,
      );
    }
    const [, metric, op, change, , percent] = match as unknown as [
      string,
      string,
      string,
      string | undefined,
      string,
      string | undefined,
    ];
    const greaterIsBetter = op === '>=';
    if (change && (change === '+') !== greaterIsBetter) {
      throw invalid(
        `the threshold '${text}' asks for a change against its direction: use >=+ when greater is better, <=- when lower is better`,
      );
    }
    if (percent && !change) {
      throw invalid(
        `the threshold '${text}' has a % but no + or -: a percentage is a change over the baseline`,
      );
    }
    const entry = byMetric.get(metric!) ?? { metric: metric!, greaterIsBetter };
    if (entry.greaterIsBetter !== greaterIsBetter) {
      throw invalid(
        `the thresholds of ${metric} disagree on whether greater is better (>= and <=)`,
      );
    }
    if (!change) entry.threshold = number;
    else if (percent) entry.minRelativeChange = number / 100;
    else entry.minAbsoluteChange = number;
    byMetric.set(metric!, entry);
  }
  return [...byMetric.values()];
}
