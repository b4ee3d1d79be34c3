/** Pure helpers for metric charts: smoothing, axis choice and grouping series by key. */
import type { RunsCompareResult, SampledSeries } from '@sextant/language-server/protocol';

/** What the x axis shows. */
export type XAxis = 'step' | 'time';

/** Chart options a user picks; kept in the view's state across reloads. */
export interface ChartOptions {
  xAxis: XAxis;
  logY: boolean;
  /** Exponential moving average weight in [0, 1); 0 is no smoothing. */
  smoothing: number;
}

/** The options a view starts with. */
export const DEFAULT_CHART_OPTIONS: ChartOptions = { xAxis: 'step', logY: false, smoothing: 0 };

/**
 * Exponential moving average with TensorBoard's debiasing, skipping non-finite values (they stay
 * as they are: NaN and infinities arrive as null over JSON).
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return value;
    last = last * weight + (1 - weight) * value;
    count += 1;
    return last / (1 - Math.pow(weight, count));
  });
}

/** Series grouped by metric key, keys sorted, each group in the order of `runOrder`. */
export function groupByKey(
  series: readonly SampledSeries[],
  runOrder: readonly string[],
): Map<string, SampledSeries[]> {
  const rank = new Map(runOrder.map((id, i) => [id, i]));
  const groups = new Map<string, SampledSeries[]>();
  for (const key of [...new Set(series.map((s) => s.key))].sort()) groups.set(key, []);
  for (const s of series) groups.get(s.key)!.push(s);
  for (const group of groups.values()) {
    group.sort((a, b) => (rank.get(a.runId) ?? 1e9) - (rank.get(b.runId) ?? 1e9));
  }
  return groups;
}

/** The x values of a series for the chosen axis: steps, or ISO times for a date axis. */
export function xValues(series: SampledSeries, axis: XAxis): (number | string)[] {
  return axis === 'step' ? series.steps : series.timestamps.map((t) => new Date(t).toISOString());
}

/** A short, readable form of a number for tables. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6)
    ? value.toExponential(4)
    : value.toPrecision(6).replace(/\.?0+$/, '');
}

/** One run as a point of a param-against-metric scatter. */
export interface ScatterPoint {
  runId: string;
  runName: string;
  /** The param's value: a number when every run's value is numeric, else the text. */
  x: number | string;
  /** The metric's latest value. */
  y: number;
}

/**
 * Points of a scatter of one param against one metric's latest value, one per run that has both.
 * The x values are numbers when every value of the param is numeric, so the axis is continuous.
 */
export function scatterPoints(
  compare: RunsCompareResult,
  paramKey: string,
  metricKey: string,
): ScatterPoint[] {
  const param = compare.params.find((p) => p.key === paramKey);
  const metric = compare.metrics.find((m) => m.key === metricKey);
  if (!param || !metric) return [];
  const present = param.values.filter((v): v is string => v !== null);
  const numeric =
    present.length > 0 && present.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  const points: ScatterPoint[] = [];
  compare.runs.forEach((run, i) => {
    const value = param.values[i];
    const stats = metric.runs[i];
    if (value === null || value === undefined || !stats || stats.latest === null) return;
    points.push({
      runId: run.runId,
      runName: run.runName,
      x: numeric ? Number(value) : value,
      y: stats.latest,
    });
  });
  return points;
}
