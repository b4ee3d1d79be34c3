import type { PipelineRun, ResolvedPipeline, ResolvedStep, StepStatus } from '../../model/pipeline';
import type { ChosenPython } from './stepPython';
import type { ParentRun } from './tracking';

/** A pipeline run this process drives: what the scheduler, executor and recorder share. */
export interface ActiveRun {
  run: PipelineRun;
  pipeline: ResolvedPipeline;
  controller: AbortController;
  parent: ParentRun;
  finished: Promise<PipelineRun>;
  /** The process environment every step of the run starts from (made on first use). */
  baseEnv?: Readonly<Record<string, string>>;
  /** The workspace's own interpreter, looked up once per run (null: it has none). */
  python?: ChosenPython | null;
  /**
   * Stops the attempts in progress: the run's signal reaches them through this one set (one
   * listener on the signal, however many steps wait in a backend's queue).
   */
  attempts: Set<(reason: unknown) => void>;
  /** Each step's index in `run.steps` (and in its log files' names), by name. */
  stepIndex: Map<string, number>;
}

/** Where a step's output goes as it is printed. */
export type OutputWriter = (stream: 'stdout' | 'stderr', text: string) => void;

/** How a step's execution ended. */
export interface ExecutionOutcome {
  status: StepStatus;
  reason?: string;
  exitCode?: number;
}

/** The statuses a downstream step may run after. */
export const FINISHED_OK: readonly StepStatus[] = ['done', 'cached'];

/** A step that writes nothing runs for its effects, so it always runs (never from the cache). */
export const cacheable = (step: ResolvedStep): boolean =>
  step.outputs.length + step.metrics.length > 0;

/** Why a run stops when another process asked for it (see `CrossProcessCancel`). */
export const CANCELLED_ELSEWHERE = 'cancelled from another Sextant process';

/** Why a step of a cancelled run did not finish, for people. */
export const cancelledWhy = (signal: AbortSignal): string =>
  (signal.reason as Error | undefined)?.message === CANCELLED_ELSEWHERE
    ? `the pipeline run was ${CANCELLED_ELSEWHERE}`
    : 'the pipeline run was cancelled';
