/**
 * The Pipelines tree and the pipeline progress as plain data: tree items for files, pipelines and
 * their runs, step progress ("3/5"), the progress message of a running pipeline, and the step
 * logs prefixed line by line for the output channel. No VS Code here.
 */
import type {
  PipelineDiagnostic,
  PipelineFileSummary,
  PipelineRun,
  PipelineRunStatus,
  PipelineSummary,
} from '@sextant/language-server/protocol';
import { formatDuration } from '@sextant/core/model';
import { STATE_ICONS, type Icon, type ItemModel } from '../items';

/** A node of the Pipelines tree. */
export type PipelinesNode =
  | { kind: 'file'; file: PipelineFileSummary }
  | { kind: 'pipeline'; pipeline: PipelineSummary }
  | { kind: 'run'; run: PipelineRun }
  | { kind: 'problem'; diagnostic: PipelineDiagnostic; index: number }
  | { kind: 'message'; text: string; /** The whole story, on hover. */ tooltip?: string };

/** What a pipeline command acts on: a file and a pipeline of it (and a step). */
export interface PipelineTarget {
  file: string;
  pipeline?: string;
  step?: string;
}

const RUN_ICONS: Record<PipelineRunStatus, Icon> = {
  running: STATE_ICONS.running,
  done: STATE_ICONS.done,
  failed: STATE_ICONS.failed,
  cancelled: STATE_ICONS.stopped,
};

/** Steps that are finished for good in a run: done, restored from the cache, or skipped. */
export function finishedSteps(run: Pick<PipelineRun, 'steps'>): number {
  return run.steps.filter(
    (s) => s.status === 'done' || s.status === 'cached' || s.status === 'skipped',
  ).length;
}

/** "3/5": finished steps of all the run's steps. */
export function stepProgress(run: Pick<PipelineRun, 'steps'>): string {
  return `${finishedSteps(run)}/${run.steps.length}`;
}

/** The icon of a pipeline run's status. */
export function runIcon(status: PipelineRunStatus): Icon {
  return RUN_ICONS[status] ?? { id: 'circle-outline' };
}

/** The file name of an absolute path. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).at(-1) ?? file;
}

/** Human form of how long ago `time` was. */
export function ago(time: number, now: number): string {
  const ms = Math.max(0, now - time);
  if (ms < 60_000) return 'just now';
  return `${formatDuration(ms).split(' ')[0]} ago`;
}

/** The tree item of a pipeline file; `relative` is its path relative to the workspace. */
export function fileItem(file: PipelineFileSummary, relative: string): ItemModel {
  const errors = file.diagnostics.filter((d) => d.severity === 'error').length;
  const problems = file.diagnostics.length;
  return {
    id: `pipeline-file:${file.file}`,
    label: baseName(file.file),
    description: [
      relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '',
      problems > 0 ? `${problems} problem${problems === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: file.file,
    icon: errors > 0 ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : { id: 'file' },
    contextValue: 'pipelineFile',
    collapsible: 'expanded',
  };
}

/** The tree item of a pipeline: its newest run's status and progress. */
export function pipelineItem(pipeline: PipelineSummary, now: number): ItemModel {
  const last = pipeline.lastRun;
  const running = last?.status === 'running';
  const steps = `${pipeline.steps.length} step${pipeline.steps.length === 1 ? '' : 's'}`;
  return {
    id: `pipeline:${pipeline.file}#${pipeline.name}`,
    label: pipeline.name,
    description: !last
      ? `${steps} · never run`
      : running
        ? `${stepProgress(last)} running`
        : `${last.status} ${ago(last.endTime ?? last.startTime, now)}`,
    tooltip: `${pipeline.name} (${steps}: ${pipeline.steps.join(', ')})\n${pipeline.file}`,
    icon: last ? runIcon(last.status) : { id: 'type-hierarchy' },
    contextValue: running ? 'pipeline.running' : 'pipeline',
    collapsible: 'collapsed',
  };
}

/** The tree item of one pipeline run. */
export function pipelineRunItem(run: PipelineRun, now: number): ItemModel {
  const running = run.status === 'running';
  const duration = formatDuration((run.endTime ?? now) - run.startTime);
  return {
    id: `pipeline-run:${run.pipelineRunId}`,
    label: new Date(run.startTime).toLocaleString(),
    description: `${stepProgress(run)} ${running ? 'running' : run.status} · ${duration}${run.forced ? ' · forced' : ''}`,
    tooltip: [
      `Run ${run.pipelineRunId}`,
      `Started by ${run.trigger.kind}${run.trigger.detail ? ` (${run.trigger.detail})` : ''}`,
      ...run.steps.map((s) => `${s.step}: ${s.status}${s.reason ? ` — ${s.reason}` : ''}`),
    ].join('\n'),
    icon: runIcon(run.status),
    contextValue: running ? 'pipelineRun.running' : 'pipelineRun',
    collapsible: 'none',
  };
}

/** The tree item of a problem of a pipeline file. */
export function problemItem(diagnostic: PipelineDiagnostic, index: number): ItemModel {
  return {
    id: `pipeline-problem:${diagnostic.file}:${index}`,
    label: diagnostic.message,
    description: `line ${diagnostic.range.start.line + 1}`,
    tooltip: `${diagnostic.code}: ${diagnostic.message}\n${diagnostic.file}:${diagnostic.range.start.line + 1}`,
    icon:
      diagnostic.severity === 'error'
        ? { id: 'error', color: 'problemsErrorIcon.foreground' }
        : { id: 'warning', color: 'problemsWarningIcon.foreground' },
    contextValue: 'pipelineProblem',
    collapsible: 'none',
  };
}

/** The target of a pipeline command from its arguments: a code lens's `{file, pipeline, step}` or a tree node. */
export function targetOf(arg: unknown): PipelineTarget | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as Partial<PipelinesNode> & Partial<PipelineTarget>;
  if (node.kind === 'pipeline' && node.pipeline) {
    return { file: node.pipeline.file, pipeline: node.pipeline.name };
  }
  if (node.kind === 'run' && node.run) return { file: node.run.file, pipeline: node.run.pipeline };
  if (node.kind === 'file' && node.file) return { file: node.file.file };
  if (typeof node.file === 'string') {
    return {
      file: node.file,
      pipeline: typeof node.pipeline === 'string' ? node.pipeline : undefined,
      step: typeof node.step === 'string' ? node.step : undefined,
    };
  }
  return undefined;
}

/** The words of a progress notification for a run: "3/5 steps · train running". */
export function progressMessage(run: PipelineRun): string {
  const running = run.steps.filter((s) => s.status === 'running').map((s) => s.step);
  return `${stepProgress(run)} steps${running.length > 0 ? ` · ${running.join(', ')} running` : ''}`;
}

/** How a finished run is told to the user. */
export function outcomeMessage(run: PipelineRun): string {
  const failed = run.steps.filter((s) => s.status === 'failed');
  const cached = run.steps.filter((s) => s.status === 'cached').length;
  const duration = formatDuration((run.endTime ?? run.startTime) - run.startTime);
  switch (run.status) {
    case 'done':
      return `pipeline ${run.pipeline} done in ${duration} (${run.steps.length} steps${cached ? `, ${cached} from the cache` : ''}).`;
    case 'failed':
      return `pipeline ${run.pipeline} failed${failed.length ? ` at ${failed.map((s) => s.step).join(', ')}` : ''}${failed[0]?.reason ? `: ${failed[0].reason}` : ''}.`;
    case 'cancelled':
      return `pipeline ${run.pipeline} was cancelled.`;
    default:
      return `pipeline ${run.pipeline} is ${run.status}.`;
  }
}

/**
 * Turns chunks of step output into whole lines prefixed with the step (`[train] epoch 1`), so
 * that the logs of steps running at once stay readable when they share one channel.
 */
export class LogLines {
  private readonly partial = new Map<string, string>();

  /** The whole lines that `text` completes, prefixed; the rest waits for the next chunk. */
  push(pipelineRunId: string, step: string, stream: 'stdout' | 'stderr', text: string): string[] {
    const key = `${pipelineRunId}\u0000${step}\u0000${stream}`;
    const joined = (this.partial.get(key) ?? '') + text;
    const parts = joined.split(/\r?\n/);
    const rest = parts.pop()!;
    if (rest) this.partial.set(key, rest);
    else this.partial.delete(key);
    return parts.map((line) => this.format(step, stream, line));
  }

  /** The unfinished lines of a run, prefixed, and forgets them. */
  flush(pipelineRunId: string): string[] {
    const lines: string[] = [];
    for (const [key, rest] of this.partial) {
      const [runId, step, stream] = key.split('\u0000') as [string, string, 'stdout' | 'stderr'];
      if (runId !== pipelineRunId) continue;
      lines.push(this.format(step, stream, rest));
      this.partial.delete(key);
    }
    return lines;
  }

  private format(step: string, stream: 'stdout' | 'stderr', line: string): string {
    return `[${step}]${stream === 'stderr' ? ' (stderr)' : ''} ${line}`;
  }
}
