/**
 * The seams between the parts of Sextant's pipelines: the definition loader (`definition/`), the
 * runner and its cache (`run/`), compute backends (`../compute/`, which owns the step and backend
 * contracts), environments and triggers. Each part implements or consumes these; none reaches
 * into another's files.
 */
import type {
  PipelineDiagnostic,
  PipelineEvent,
  PipelineRun,
  ResolvedPipeline,
  StepStatus,
  TriggerRecord,
} from '../model/pipeline';

/** Provisioning virtual environments is compute's (pipelines and evaluation both use it). */
export type { ProvisionEnvironment } from '../compute';

/** What loading one pipeline file gives: its pipelines (resolved) and every problem found. */
export interface LoadedPipelineFile {
  /** Absolute path. */
  file: string;
  /** Pipelines that resolved; a pipeline with an error diagnostic is left out. */
  pipelines: ResolvedPipeline[];
  diagnostics: PipelineDiagnostic[];
}

/** Loads and validates a pipeline file; `text` overrides the file on disk (an unsaved editor). */
export type LoadPipelineFile = (
  file: string,
  options?: { text?: string; root?: string },
) => Promise<LoadedPipelineFile>;

/** Options of one pipeline run. */
export interface StartOptions {
  /** Run only this step and its upstream. */
  step?: string;
  /** Ignore the cache. */
  force?: boolean;
  trigger?: TriggerRecord;
}

/** A step as a dry run plans it. */
export interface PlannedStep {
  step: string;
  action: 'run' | 'cached';
}

/** A step's state as hovers and the graph show it. */
export interface StepState {
  status: StepStatus;
  durationMs?: number;
  /** The tracking run of its latest execution. */
  runId?: string;
  pipelineRunId?: string;
  /** When it last ended. */
  endTime?: number;
}

/** The pipeline service the CLI, the HTTP server (webhooks), triggers and the language server drive. */
export interface PipelineRunner {
  /** What would run, without running anything. */
  plan(file: string, pipeline?: string, options?: StartOptions): Promise<PlannedStep[]>;
  /** Starts a run and answers once it is recorded; `finished` settles when it ends. */
  start(
    file: string,
    pipeline?: string,
    options?: StartOptions,
  ): Promise<{ run: PipelineRun; finished: Promise<PipelineRun> }>;
  cancel(pipelineRunId: string): Promise<PipelineRun>;
  /**
   * Each step's state now: from the newest run that executed it, or `stale` when its cache key
   * differs from that run's (a dependency, param or command changed), or `queued` if never run.
   */
  stepStates(file: string, pipeline?: string): Promise<Record<string, StepState>>;
  /** Subscribes to progress of every run; returns the unsubscribe function. */
  onEvent(listener: (event: PipelineEvent) => void): () => void;
}
