/**
 * The orders the IDEs' run trees offer, as MLflow `order_by` clauses: by start time, by name,
 * and by any metric either way. Shared by VS Code's Sort Runs pick and JupyterLab's sidebar.
 */
import type { RunSummary } from '@sextant/language-server/protocol';

/** One order a user can pick. */
export interface RunOrder {
  label: string;
  orderBy: string[];
}

/** Sort orders offered for runs, as MLflow order_by clauses. */
export const RUN_ORDERS: readonly RunOrder[] = [
  { label: 'Newest first', orderBy: ['attributes.start_time DESC'] },
  { label: 'Oldest first', orderBy: ['attributes.start_time ASC'] },
  { label: 'Name', orderBy: ['attributes.run_name ASC'] },
];

/** Orders for a metric, both ways. */
export function metricOrders(key: string): RunOrder[] {
  return [
    { label: `${key} ascending`, orderBy: [`metrics.\`${key}\` ASC`] },
    { label: `${key} descending`, orderBy: [`metrics.\`${key}\` DESC`] },
  ];
}

/** The metric keys that `runs` carry, sorted, each once. */
export function metricKeysOf(runs: Iterable<RunSummary>): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.metrics)) keys.add(key);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

/** Every order for runs carrying `metricKeys`: the fixed ones, then each metric both ways. */
export function runOrders(metricKeys: readonly string[]): RunOrder[] {
  return [...RUN_ORDERS, ...metricKeys.flatMap((key) => metricOrders(key))];
}
