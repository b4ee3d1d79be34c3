/**
 * Pure helpers that decide how metrics and params are shown: single values (scalars) in tables
 * and bars, series (two or more steps) in line charts, MLflow's `system/` metrics apart, which
 * direction is better for a metric, and readable labels for long param names and values.
 */
import type {
  MetricStats,
  RunsCompareResult,
  SampledSeries,
} from '@sextant/language-server/protocol';
import { formatNumber } from './chart';

/** Which way a metric improves. */
export type Direction = 'lower' | 'higher';

/** True for MLflow's system metrics (`system/cpu_utilization_percentage`, …). */
export function isSystemMetric(key: string): boolean {
  return key.startsWith('system/');
}

/** True when a series has two or more points: it is drawn as a line, else it is a scalar. */
export function isSeries(series: SampledSeries): boolean {
  return series.total >= 2;
}

/** Keys that are a series in at least one run; every other key of `series` is a scalar. */
export function seriesKeys(series: readonly SampledSeries[]): Set<string> {
  return new Set(series.filter(isSeries).map((s) => s.key));
}

/** The series to draw as line charts: those of series keys, system metrics apart. */
export function splitSeries(series: readonly SampledSeries[]): {
  charts: SampledSeries[];
  system: SampledSeries[];
} {
  const keys = seriesKeys(series);
  const drawn = series.filter((s) => keys.has(s.key));
  return {
    charts: drawn.filter((s) => !isSystemMetric(s.key)),
    system: drawn.filter((s) => isSystemMetric(s.key)),
  };
}

const LOWER_IS_BETTER =
  /(^|[^a-z])(loss|error|err|mae|mse|rmse|log_loss|mape|wer|cer|perplexity)([^a-z]|$)/i;

/** The usual direction of a metric from its name: losses and errors lower, the rest higher. */
export function defaultDirection(key: string): Direction {
  const name = key.split('/').pop() ?? key;
  return LOWER_IS_BETTER.test(name) ? 'lower' : 'higher';
}

/**
 * The index of the best finite value for `direction`, or -1 when fewer than two values compare
 * or they all tie.
 */
export function bestIndex(
  values: readonly (number | null | undefined)[],
  direction: Direction,
): number {
  let best = -1;
  let distinct = false;
  values.forEach((value, i) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    if (best === -1) {
      best = i;
      return;
    }
    const current = values[best] as number;
    if (value !== current) distinct = true;
    if (direction === 'lower' ? value < current : value > current) best = i;
  });
  const finite = values.filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  return finite.length < 2 || !distinct ? -1 : best;
}

/** "latest · min · max", or the one value when they are equal. */
export function statsText(stats: MetricStats): string {
  const { latest, min, max } = stats;
  if ((min === null || min === latest) && (max === null || max === latest)) {
    return formatNumber(latest);
  }
  return `${formatNumber(latest)} · ${formatNumber(min)} · ${formatNumber(max)}`;
}

/** Keys of the compared metrics that are scalars (no run logged two steps or more of them). */
export function scalarMetricKeys(
  compare: RunsCompareResult,
  series: readonly SampledSeries[],
): string[] {
  const multi = seriesKeys(series);
  return compare.metrics.map((m) => m.key).filter((key) => !multi.has(key));
}

/**
 * `text` cut to at most `max` characters, a third of its start and the rest of its end kept
 * ("sklearn.linear_…LogisticRegression"): the end of a class name or path tells most.
 */
export function abbreviateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…';
  const head = Math.floor((max - 1) / 3);
  const tail = max - 1 - head;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}

/**
 * `text` on at most `lines` lines of `width` characters, broken after `_ . / - :` or spaces where
 * it can; what still does not fit is cut in the middle of the last line.
 */
export function wrapLabel(text: string, width: number, lines = 2): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > width && out.length < lines - 1) {
    const window = rest.slice(0, width + 1);
    const at = Math.max(...['_', '.', '/', '-', ':', ' '].map((c) => window.lastIndexOf(c)));
    const cut = at >= width / 3 ? at + 1 : width;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(abbreviateMiddle(rest, width));
  return out;
}

function numeric(values: readonly (string | null)[]): boolean {
  const present = values.filter((v): v is string => v !== null);
  return present.length > 0 && present.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
}

/** The params drawn by default as parallel axes: those that differ across the runs. */
export function defaultAxisParams(compare: RunsCompareResult): string[] {
  return compare.params.filter((p) => p.differs).map((p) => p.key);
}

/**
 * The param a scatter starts on: a numeric one that differs, else the differing one with the
 * shortest values, else the first param.
 */
export function defaultScatterParam(compare: RunsCompareResult): string | undefined {
  const differing = compare.params.filter((p) => p.differs);
  const num = differing.find((p) => numeric(p.values));
  if (num) return num.key;
  const longest = (values: readonly (string | null)[]): number =>
    Math.max(0, ...values.map((v) => v?.length ?? 0));
  const shortest = [...differing].sort((a, b) => longest(a.values) - longest(b.values))[0];
  return shortest?.key ?? compare.params[0]?.key;
}

/** The metric the parallel axes and scatter start on: the first non-system scalar or series. */
export function defaultMetric(compare: RunsCompareResult): string | undefined {
  return (compare.metrics.find((m) => !isSystemMetric(m.key)) ?? compare.metrics[0])?.key;
}

/** Row order of runs sorted on one column's values, missing values last, ties in given order. */
export function sortedOrder(
  values: readonly (number | null | undefined)[],
  descending: boolean,
): number[] {
  const present = (v: number | null | undefined): v is number =>
    v !== null && v !== undefined && Number.isFinite(v);
  return values
    .map((v, i) => i)
    .sort((a, b) => {
      const va = values[a];
      const vb = values[b];
      if (!present(va) || !present(vb)) return Number(!present(va)) - Number(!present(vb)) || a - b;
      return (descending ? vb - va : va - vb) || a - b;
    });
}
