/**
 * What the Experiments tree shows, as plain data: labels, descriptions, icons and context values
 * of experiments and runs. The VS Code adapter (`tree.ts`) turns these into tree items.
 */
import type { Experiment, RunStatus, RunSummary } from '@sextant/language-server/protocol';
import { formatDuration } from '@sextant/core/model';
import { shortNumber } from '@sextant/media/runs/nesting';
import type { ServerState } from '../api';
import { STATE_ICONS, type Icon, type ItemModel } from '../items';

export type { Icon, ItemModel } from '../items';
/** Shared with JupyterLab's run tree: nesting by parent run, live latest metrics, short values. */
export {
  nestRuns,
  shortNumber,
  withLatestMetrics,
  type NestedRuns,
} from '@sextant/media/runs/nesting';

/** A node of the Experiments tree. */
export type ExperimentsNode =
  | { kind: 'experiment'; experiment: Experiment }
  | {
      kind: 'run';
      run: RunSummary;
      /** Child runs are known (nested under it). */ hasChildren?: boolean;
    }
  | { kind: 'more'; experimentId: string }
  | {
      kind: 'message';
      text: string;
      /** A command run when the message is clicked. */ command?: string;
      /** The command's arguments. */ arguments?: unknown[];
      /** A codicon id; `info` when absent. */ icon?: string;
      tooltip?: string;
    };

/** The tree of an empty store: where to log to, and a snippet that does. */
export function emptyStoreNodes(trackingUri: string): ExperimentsNode[] {
  return [
    {
      kind: 'message',
      text: `No experiments yet. Log a run to ${trackingUri}`,
      tooltip: `Scripts run in this window's terminals log here (MLFLOW_TRACKING_URI=${trackingUri}).`,
    },
    {
      kind: 'message',
      text: 'Open a snippet that logs a first run…',
      icon: 'code',
      command: 'sextant.showLoggingSnippet',
      arguments: [],
    },
  ];
}

/** The runs of an experiment without runs: a snippet that logs into it. */
export function emptyExperimentNodes(
  experimentName: string,
  trackingUri: string | undefined,
): ExperimentsNode[] {
  return [
    {
      kind: 'message',
      text: 'No runs yet. Open a snippet that logs one here…',
      icon: 'code',
      command: 'sextant.showLoggingSnippet',
      arguments: [experimentName],
      tooltip: trackingUri ? `Logs to ${trackingUri}, experiment "${experimentName}"` : undefined,
    },
  ];
}

/** A run node of the Experiments tree. */
export type RunNode = ExperimentsNode & { kind: 'run' };

/** True for a run node. */
export function isRunNode(node: unknown): node is RunNode {
  return (node as ExperimentsNode | undefined)?.kind === 'run';
}

/** The runs a command acts on: the ones it was invoked on, else the tree's selection. */
export function targetRuns(
  node: unknown,
  selected: unknown,
  selection: readonly ExperimentsNode[],
): RunSummary[] {
  const picked = Array.isArray(selected) && selected.some(isRunNode) ? selected : undefined;
  const nodes = picked ?? (isRunNode(node) ? [node] : selection);
  const runs = nodes.filter(isRunNode).map((n) => n.run);
  return [...new Map(runs.map((r) => [r.runId, r])).values()];
}

const STATUS_ICONS: Record<RunStatus, Icon> = {
  RUNNING: STATE_ICONS.running,
  SCHEDULED: STATE_ICONS.scheduled,
  FINISHED: STATE_ICONS.done,
  FAILED: STATE_ICONS.failed,
  KILLED: STATE_ICONS.stopped,
};

/** The icon of a run: its status, or a bin once deleted. */
export function runIcon(run: Pick<RunSummary, 'status' | 'lifecycleStage'>): Icon {
  return run.lifecycleStage === 'deleted' ? { id: 'trash' } : STATUS_ICONS[run.status];
}

/** The metric shown beside a run: the preferred key when the run has it, else the first key. */
export function keyMetricOf(
  metrics: Record<string, number>,
  preferred?: string,
): [string, number] | undefined {
  if (preferred && preferred in metrics) return [preferred, metrics[preferred]!];
  const first = Object.keys(metrics).sort()[0];
  return first === undefined ? undefined : [first, metrics[first]!];
}

/** The duration of a run so far (or in all, once ended). */
export function runDuration(run: Pick<RunSummary, 'startTime' | 'endTime'>, now: number): number {
  return (run.endTime ?? now) - run.startTime;
}

/** The tree item of a run; one with child runs can be expanded to them. */
export function runItem(
  run: RunSummary,
  options: {
    keyMetric?: string;
    now: number;
    hasChildren?: boolean;
    /** The run is its experiment's best: why (`best run by acc (highest)`). */
    best?: string;
  },
): ItemModel {
  const metric = keyMetricOf(run.metrics, options.keyMetric);
  const duration = formatDuration(runDuration(run, options.now));
  const parts = [
    options.best ? '★ best' : undefined,
    metric ? `${metric[0]}=${shortNumber(metric[1])}` : undefined,
    duration,
  ];
  const metricLines = Object.keys(run.metrics)
    .sort()
    .map((key) => `${key}: ${shortNumber(run.metrics[key] ?? null)}`);
  return {
    id: `run:${run.runId}`,
    label: run.runName || run.runId.slice(0, 8),
    description: parts.filter(Boolean).join(' · '),
    tooltip: [
      `${run.runName} (${run.status.toLowerCase()}${run.lifecycleStage === 'deleted' ? ', deleted' : ''})`,
      `Run ID: ${run.runId}`,
      ...(run.parentRunId ? [`Parent run: ${run.parentRunId}`] : []),
      `Started: ${new Date(run.startTime).toISOString()}`,
      `Duration: ${duration}`,
      ...(options.best ? [`★ The ${options.best}`] : []),
      ...metricLines,
    ].join('\n'),
    icon: runIcon(run),
    contextValue: run.lifecycleStage === 'deleted' ? 'run.deleted' : 'run.active',
    collapsible: options.hasChildren ? 'collapsed' : 'none',
  };
}

/** The `sextant/runs/search` filter for the children of a run, within a user's filter. */
export function childRunsFilter(parentRunId: string, filter: string | undefined): string {
  const clause = `tags.mlflow.parentRunId = '${parentRunId.replace(/'/g, "''")}'`;
  return filter ? `${filter} and ${clause}` : clause;
}

/** The tree item of an experiment; the active one is marked and expanded, a deleted one binned. */
export function experimentItem(experiment: Experiment, active: boolean): ItemModel {
  if (experiment.lifecycleStage === 'deleted') {
    return {
      id: `experiment:${experiment.experimentId}`,
      label: experiment.name,
      description: 'deleted',
      tooltip: `${experiment.name} (deleted: restore it to log to it)\nExperiment ID: ${experiment.experimentId}`,
      icon: { id: 'trash' },
      contextValue: 'experiment.deleted',
      collapsible: 'collapsed',
    };
  }
  return {
    id: `experiment:${experiment.experimentId}`,
    label: experiment.name,
    description: active ? 'active' : undefined,
    tooltip: [
      `${experiment.name}\nExperiment ID: ${experiment.experimentId}\nArtifacts: ${experiment.artifactLocation}`,
      experiment.tags.find((t) => t.key === 'mlflow.note.content')?.value,
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon: { id: active ? 'beaker-stop' : 'beaker' },
    contextValue: 'experiment',
    collapsible: active ? 'expanded' : 'collapsed',
  };
}

/** The item that loads the next page of an experiment's runs. */
export function moreItem(experimentId: string, loaded: number): ItemModel {
  return {
    id: `more:${experimentId}:${loaded}`,
    label: 'Load more runs…',
    description: `${loaded} shown`,
    icon: { id: 'ellipsis' },
    contextValue: 'more',
    collapsible: 'none',
  };
}

export { metricOrders, RUN_ORDERS } from '@sextant/media/runs/orders';

/** The `sextant/runs/search` filter that counts running runs for the status bar. */
export const RUNNING_FILTER = "attributes.status = 'RUNNING'";

/** The status bar text: the server's address and the running-run count, or that it is stopped. */
export function statusBarText(
  trackingUri: string | undefined,
  running: number,
  state: ServerState = 'running',
): string {
  if (state === 'stopped') return '$(debug-stop) Sextant: stopped';
  if (!trackingUri) return '$(beaker) Sextant: starting…';
  const host = trackingUri.replace(/^https?:\/\//, '').replace(/\/$/, '');
  return running > 0
    ? `$(beaker) Sextant ${host} · $(loading~spin) ${running} running`
    : `$(beaker) Sextant ${host}`;
}
