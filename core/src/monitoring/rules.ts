/**
 * Alert rules over the metrics of checked windows, and their state machine: a rule fires when
 * its metric passes the threshold in N consecutive windows, and resolves at the first window
 * that no longer passes it. Pure: the monitoring service feeds it the stored windows and records
 * the transitions as events.
 */
import { invalid } from '../model/errors';

/** How urgent an alert is (Prometheus' `severity` label). */
export type Severity = 'info' | 'warning' | 'critical';

/** How a metric is compared with the threshold; the alert condition holds when it is true. */
export type Comparison = '>' | '>=' | '<' | '<=';

/** One alert rule, as `alerts:` in sextant.yaml declares it. */
export interface AlertRule {
  name: string;
  /** The monitor whose windows the rule reads. */
  monitor: string;
  /** A window metric: see {@link WINDOW_METRICS} and {@link FEATURE_METRICS}. */
  metric: string;
  op: Comparison;
  threshold: number;
  /** Consecutive windows the condition must hold before the rule fires (1 or more). */
  for: number;
  severity: Severity;
  summary?: string;
}

/** The metrics of one checked window, by name (absent: not measured in that window). */
export type WindowMetrics = Readonly<Record<string, number>>;

/** Metrics every window has (performance ones only when feedback labels arrived). */
export const WINDOW_METRICS: readonly string[] = [
  'requests',
  'rows',
  'drift_share',
  'dataset_drift',
  'drifted_features',
  'prediction_drift_score',
  'prediction_drifted',
  'missing_share',
  'out_of_range_share',
  'new_category_share',
  'invalid_type_share',
  'error_rate',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'slo_breached',
  'accuracy',
  'f1',
  'rmse',
  'mae',
  'mean_reward',
  'labelled',
];

/** Per-feature metrics, named `<metric>:<feature>`. */
export const FEATURE_METRICS: readonly string[] = [
  'feature_drift_score',
  'feature_drifted',
  'feature_missing_share',
];

/** Metrics whose alerts are about being too low. */
const LOW_IS_BAD = new Set(['accuracy', 'f1', 'mean_reward', 'labelled']);

/** The comparison a rule on `metric` uses when none is given. */
export const defaultComparison = (metric: string): Comparison =>
  LOW_IS_BAD.has(metric) ? '<' : '>=';

/** Checks a metric name; returns it. @throws SextantError INVALID_PARAMETER_VALUE naming the known ones. */
export function checkMetricName(metric: string, where: string): string {
  const [base, feature] = metric.split(':', 2);
  if (
    feature !== undefined
      ? FEATURE_METRICS.includes(base!) && feature.length > 0
      : WINDOW_METRICS.includes(metric)
  ) {
    return metric;
  }
  throw invalid(
    `${where}: unknown metric '${metric}'; use one of ${WINDOW_METRICS.join(', ')}, or ${FEATURE_METRICS.map((m) => `${m}:<feature>`).join(', ')}`,
  );
}

/** Whether the rule's condition holds in a window; undefined when the window lacks the metric. */
export function holds(
  rule: Pick<AlertRule, 'metric' | 'op' | 'threshold'>,
  metrics: WindowMetrics,
): boolean | undefined {
  const value = metrics[rule.metric];
  if (value === undefined || Number.isNaN(value)) return undefined;
  switch (rule.op) {
    case '>':
      return value > rule.threshold;
    case '>=':
      return value >= rule.threshold;
    case '<':
      return value < rule.threshold;
    case '<=':
      return value <= rule.threshold;
  }
}

/** A change of a rule's state, decided at the newest window. */
export interface RuleTransition {
  state: 'firing' | 'resolved';
  /** The metric in the newest window. */
  value: number;
  /** The metric in each of the windows that decided it, oldest first. */
  values: number[];
}

/**
 * What the newest window does to a rule: fire it when it is not firing and its condition held
 * in the last `rule.for` windows (every one of them measured); resolve it when it is firing and
 * the condition no longer holds in the newest window. A newest window without the metric changes
 * nothing. `recent` is oldest first and ends with the newest window.
 */
export function ruleTransition(
  rule: AlertRule,
  recent: readonly WindowMetrics[],
  firing: boolean,
): RuleTransition | undefined {
  const newest = recent[recent.length - 1];
  if (!newest) return undefined;
  const now = holds(rule, newest);
  if (now === undefined) return undefined;
  const value = newest[rule.metric]!;
  if (firing) return now ? undefined : { state: 'resolved', value, values: [value] };
  if (!now || recent.length < rule.for) return undefined;
  const last = recent.slice(recent.length - rule.for);
  if (!last.every((metrics) => holds(rule, metrics) === true)) return undefined;
  return { state: 'firing', value, values: last.map((metrics) => metrics[rule.metric]!) };
}
