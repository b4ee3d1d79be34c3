/** What the Sextant sidebar shows of a run, as plain functions of the protocol's data. */
import type { Metric, RunSummary } from '@sextant/language-server/dist/protocol';
import { formatDuration } from '@sextant/media/dist/lib/format.js';

/** A metric value in a few characters. */
export function shortNumber(value: number | null): string {
  if (value === null) return 'NaN';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** The text beside a run: its first metric in key order and its duration so far. */
export function runDescription(run: RunSummary, now: number): string {
  const key = Object.keys(run.metrics).sort()[0];
  const duration = formatDuration((run.endTime ?? now) - run.startTime);
  const metric = key === undefined ? undefined : `${key}=${shortNumber(run.metrics[key] ?? null)}`;
  return [metric, duration].filter(Boolean).join(' · ');
}

/** The run's tooltip: name, status, id, start and every latest metric. */
export function runTooltip(run: RunSummary): string {
  return [
    `${run.runName} (${run.status.toLowerCase()})`,
    `Run ID: ${run.runId}`,
    `Started: ${new Date(run.startTime).toLocaleString()}`,
    ...Object.keys(run.metrics)
      .sort()
      .map((key) => `${key}: ${shortNumber(run.metrics[key] ?? null)}`),
  ].join('\n');
}

/** The run with the latest points of a `sextant/metrics/appended` notification merged in. */
export function withLatestMetrics(run: RunSummary, latest: readonly Metric[]): RunSummary {
  const metrics = { ...run.metrics };
  for (const point of latest) metrics[point.key] = point.value;
  return { ...run, metrics };
}

/** `runs` with `run` put in its place (or first, when new); deleted runs are left out. */
export function upsertRun(runs: readonly RunSummary[], run: RunSummary): RunSummary[] {
  const rest = runs.filter((r) => r.runId !== run.runId);
  if (run.lifecycleStage === 'deleted') return rest;
  const index = runs.findIndex((r) => r.runId === run.runId);
  if (index < 0) return [run, ...rest];
  rest.splice(index, 0, run);
  return rest;
}

/** Runs as a forest: top-level runs, and the children of each run whose parent is among them. */
export interface NestedRuns {
  roots: RunSummary[];
  children: Map<string, RunSummary[]>;
}

/**
 * Nests `runs` by their `parentRunId`, keeping their order. A run whose parent is not among
 * `runs` (or that sits in a parent cycle) stays at the top level.
 */
export function nestRuns(runs: readonly RunSummary[]): NestedRuns {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const underRoot = (run: RunSummary): boolean => {
    const seen = new Set([run.runId]);
    for (let id = run.parentRunId; id !== undefined; id = byId.get(id)?.parentRunId) {
      if (seen.has(id)) return false;
      seen.add(id);
      if (!byId.has(id)) return true;
    }
    return true;
  };
  const roots: RunSummary[] = [];
  const children = new Map<string, RunSummary[]>();
  for (const run of runs) {
    const parent = run.parentRunId;
    if (parent === undefined || !byId.has(parent) || !underRoot(run)) roots.push(run);
    else children.set(parent, [...(children.get(parent) ?? []), run]);
  }
  return { roots, children };
}
