/**
 * The columns of the runs table: fixed ones (name, status, start, duration) and one per chosen
 * param, metric or tag, identified as MLflow's filter names them (`metrics.loss`). What a cell
 * shows, how a column sorts (on the server through `order_by` where MLflow can), which columns
 * vary across runs, and which value of a metric column is the best.
 */
import type { RunSummary } from '@sextant/language-server/protocol';

/** The columns every table has, first. */
export const FIXED_COLUMNS = ['name', 'status', 'start', 'duration'] as const;

/** A column: a fixed one or `metrics.<key>`, `params.<key>`, `tags.<key>`. */
export type ColumnId = string;

/** How the table is ordered. */
export interface TableSort {
  column: ColumnId;
  descending: boolean;
}

/** Newest first, as MLflow lists runs. */
export const DEFAULT_SORT: TableSort = { column: 'start', descending: true };

/** The keys of params, metrics and tags found in the runs of the table's experiments. */
export interface ColumnKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Where a column's value lives. */
export type ColumnKind = 'fixed' | 'metrics' | 'params' | 'tags';

/** The kind of a column and its key (the key of a fixed column is its id). */
export function columnParts(column: ColumnId): { kind: ColumnKind; key: string } {
  const dot = column.indexOf('.');
  const kind = dot > 0 ? column.slice(0, dot) : '';
  if (kind === 'metrics' || kind === 'params' || kind === 'tags') {
    return { kind, key: column.slice(dot + 1) };
  }
  return { kind: 'fixed', key: column };
}

/** A column's header text. */
export function columnLabel(column: ColumnId): string {
  const { kind, key } = columnParts(column);
  if (kind === 'fixed') return key.charAt(0).toUpperCase() + key.slice(1);
  return key;
}

const quoted = (key: string): string => `\`${key.replace(/`/g, '')}\``;

/**
 * The MLflow `order_by` clause of a sort, or undefined when MLflow cannot sort on it (duration)
 * and the table sorts the rows itself.
 */
export function orderByOf(sort: TableSort): string | undefined {
  const direction = sort.descending ? 'DESC' : 'ASC';
  const { kind, key } = columnParts(sort.column);
  if (kind !== 'fixed') return `${kind}.${quoted(key)} ${direction}`;
  if (key === 'name') return `attributes.run_name ${direction}`;
  if (key === 'status') return `attributes.status ${direction}`;
  if (key === 'start') return `attributes.start_time ${direction}`;
  return undefined;
}

/** Milliseconds a run took, or has run until `now`. */
export function durationOf(run: RunSummary, now: number): number {
  return (run.endTime ?? now) - run.startTime;
}

/** The raw value of a cell: a number for metrics, start and duration, else a string. */
export function cellValue(
  run: RunSummary,
  column: ColumnId,
  now: number,
): string | number | undefined {
  const { kind, key } = columnParts(column);
  if (kind === 'metrics') return run.metrics[key];
  if (kind === 'params') return run.params?.[key];
  if (kind === 'tags') return run.tags?.[key];
  if (key === 'name') return run.runName;
  if (key === 'status') return run.status;
  if (key === 'start') return run.startTime;
  return durationOf(run, now);
}

const compareValues = (a: string | number | undefined, b: string | number | undefined): number => {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  const nx = Number(x);
  const ny = Number(y);
  if (x.trim() !== '' && y.trim() !== '' && Number.isFinite(nx) && Number.isFinite(ny)) {
    return nx - ny;
  }
  return x.localeCompare(y);
};

/** `runs` sorted by a column in the table (missing values last either way); a new array. */
export function sortRows(runs: readonly RunSummary[], sort: TableSort, now: number): RunSummary[] {
  const sign = sort.descending ? -1 : 1;
  return runs
    .map((run) => ({ run, value: cellValue(run, sort.column, now) }))
    .sort((a, b) => {
      if (a.value === undefined || b.value === undefined) return compareValues(a.value, b.value);
      return sign * compareValues(a.value, b.value);
    })
    .map(({ run }) => run);
}

/** The param, metric and tag keys of some runs, each sorted. */
export function keysOf(runs: readonly RunSummary[]): ColumnKeys {
  const metrics = new Set<string>();
  const params = new Set<string>();
  const tags = new Set<string>();
  for (const run of runs) {
    for (const key of Object.keys(run.metrics)) metrics.add(key);
    for (const key of Object.keys(run.params ?? {})) params.add(key);
    for (const key of Object.keys(run.tags ?? {})) tags.add(key);
  }
  const sorted = (set: Set<string>): string[] => [...set].sort();
  return { metrics: sorted(metrics), params: sorted(params), tags: sorted(tags) };
}

/** Most distinct values kept per key for completion. */
export const MAX_VALUES_PER_KEY = 50;

/** The distinct values of every param and tag column (`params.lr` → `['0.1', '0.01']`), sorted. */
export function valuesOf(runs: readonly RunSummary[]): Record<ColumnId, string[]> {
  const values = new Map<string, Set<string>>();
  const add = (column: string, value: string): void => {
    let set = values.get(column);
    if (!set) values.set(column, (set = new Set()));
    if (set.size < MAX_VALUES_PER_KEY) set.add(value);
  };
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.params ?? {})) add(`params.${key}`, value);
    for (const [key, value] of Object.entries(run.tags ?? {})) add(`tags.${key}`, value);
    add('attributes.status', run.status);
    add('attributes.run_name', run.runName);
  }
  return Object.fromEntries([...values].map(([column, set]) => [column, [...set].sort()]));
}

/**
 * The columns shown before the user picks any: every metric and param whose value differs between
 * the runs (all metrics and params when there is a single run), metrics first, at most `limit`.
 */
export function defaultColumns(
  runs: readonly RunSummary[],
  keys: ColumnKeys,
  limit = 12,
): ColumnId[] {
  const varies = (column: ColumnId): boolean => {
    if (runs.length <= 1) return true;
    const seen = new Set(runs.map((run) => String(cellValue(run, column, 0))));
    return seen.size > 1;
  };
  return [
    ...keys.metrics.map((key) => `metrics.${key}`),
    ...keys.params.map((key) => `params.${key}`),
  ]
    .filter(varies)
    .slice(0, limit);
}

const LOWER_IS_BETTER = /loss|err|mse|mae|rmse|mape|perplexity|time|latency|duration/i;

/** True when a smaller value of the metric is the better one (losses, errors, times). */
export function lowerIsBetter(metricKey: string): boolean {
  return LOWER_IS_BETTER.test(metricKey);
}

/** The run id holding the best value of a metric column among `runs`, if any has it. */
export function bestRunOf(runs: readonly RunSummary[], metricKey: string): string | undefined {
  const lower = lowerIsBetter(metricKey);
  let best: RunSummary | undefined;
  for (const run of runs) {
    const value = run.metrics[metricKey];
    if (value === undefined || Number.isNaN(value)) continue;
    const current = best?.metrics[metricKey];
    if (current === undefined || (lower ? value < current : value > current)) best = run;
  }
  return best?.runId;
}
