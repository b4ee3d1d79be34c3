/**
 * Runs arranged as the IDEs' run trees show them: nested under their parent run, kept current by
 * live notifications. Pure functions of the protocol's data, shared by VS Code and JupyterLab.
 */
import type { Metric, RunSummary } from '@sextant/language-server/protocol';

/** Runs as a forest: top-level runs, and the children of each run whose parent is among them. */
export interface NestedRuns {
  /** Runs without a parent, or whose parent is not among the runs (or that form a cycle). */
  roots: RunSummary[];
  /** Runs by their parent's id, in the given order. */
  children: Map<string, RunSummary[]>;
}

/**
 * Nests `runs` by their `parentRunId`, keeping their order. A run whose parent is not among
 * `runs` (or that sits in a parent cycle) stays at the top level.
 */
export function nestRuns(runs: readonly RunSummary[]): NestedRuns {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const reachesRoot = (run: RunSummary): boolean => {
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
    if (parent === undefined || !byId.has(parent) || !reachesRoot(run)) roots.push(run);
    else children.set(parent, [...(children.get(parent) ?? []), run]);
  }
  return { roots, children };
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

/** The run with the latest points of a `sextant/metrics/appended` notification merged in. */
export function withLatestMetrics(run: RunSummary, latest: readonly Metric[]): RunSummary {
  const metrics = { ...run.metrics };
  for (const point of latest) metrics[point.key] = point.value;
  return { ...run, metrics };
}

/** A metric value in a few characters. */
export function shortNumber(value: number | null): string {
  if (value === null) return 'NaN';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
