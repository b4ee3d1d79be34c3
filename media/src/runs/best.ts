/**
 * The best run of an experiment: the one with the best value of the metric the runs are sorted
 * by, in the sort's direction (descending: the highest; ascending: the lowest). When the runs
 * are not sorted by a metric, the key metric the user chose decides, in its usual direction
 * (losses and errors lower, the rest higher). Shared by VS Code's tree, JupyterLab's sidebar and
 * the runs table.
 */
import { RunsSearchRequest, type RunSummary } from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { defaultDirection, type Direction } from '../metricKinds';

/** What "best" means for the runs of an experiment: one metric and which way it improves. */
export interface BestCriterion {
  key: string;
  direction: Direction;
}

const METRIC_ORDER =
  /^\s*metrics\.(?:`((?:[^`]|``)+)`|"([^"]+)"|([^\s`"]+))(?:\s+(ASC|DESC))?\s*$/i;

/**
 * The criterion of a run ordering (MLflow `order_by` clauses): the first clause when it sorts by
 * a metric (`metrics.\`val/acc\` DESC` → highest val/acc), else `keyMetric` in its usual
 * direction, else none.
 */
export function bestCriterion(
  orderBy: readonly string[] | undefined,
  keyMetric?: string,
): BestCriterion | undefined {
  const match = METRIC_ORDER.exec(orderBy?.[0] ?? '');
  if (match) {
    const key = match[1]?.replace(/``/g, '`') ?? match[2] ?? match[3]!;
    return { key, direction: match[4]?.toUpperCase() === 'DESC' ? 'higher' : 'lower' };
  }
  return keyMetric ? { key: keyMetric, direction: defaultDirection(keyMetric) } : undefined;
}

/**
 * The metric a run list shows beside each run when the user chose none: the first key, in key
 * order, over the runs (the one VS Code's tree and JupyterLab's sidebar describe runs by).
 */
export function shownMetricKey(runs: readonly RunSummary[]): string | undefined {
  let first: string | undefined;
  for (const run of runs) {
    for (const key of Object.keys(run.metrics)) {
      if (first === undefined || key < first) first = key;
    }
  }
  return first;
}

/** A marker's words: "best run by val_acc (highest)". */
export function bestLabel(criterion: BestCriterion): string {
  return `best run by ${criterion.key} (${criterion.direction === 'higher' ? 'highest' : 'lowest'})`;
}

/** The MLflow order that puts the best run first (runs without the metric come last). */
export function bestOrder(criterion: BestCriterion): string[] {
  const key = criterion.key.replace(/`/g, '``');
  return [`metrics.\`${key}\` ${criterion.direction === 'higher' ? 'DESC' : 'ASC'}`];
}

/** The best of `runs` (a loaded page), or undefined when none has a finite value of the metric. */
export function bestAmong(
  runs: readonly RunSummary[],
  criterion: BestCriterion,
): string | undefined {
  let best: { runId: string; value: number } | undefined;
  for (const run of runs) {
    const value = run.metrics[criterion.key];
    if (value === undefined || !Number.isFinite(value)) continue;
    const better =
      !best || (criterion.direction === 'higher' ? value > best.value : value < best.value);
    if (better) best = { runId: run.runId, value };
  }
  return best?.runId;
}

/**
 * The best active run of an experiment across all its runs (not only a loaded page): one search
 * ordered by the metric (within the user's filter, when given), whose first run is the best when
 * it has a finite value.
 */
export async function findBestRun(
  client: Pick<SextantClient, 'request'>,
  experimentId: string,
  criterion: BestCriterion,
  filter?: string,
): Promise<string | undefined> {
  const { runs } = await client.request(RunsSearchRequest, {
    experimentIds: [experimentId],
    ...(filter ? { filter } : {}),
    orderBy: bestOrder(criterion),
    metricKeys: [criterion.key],
    maxResults: 1,
  });
  return bestAmong(runs, criterion);
}
