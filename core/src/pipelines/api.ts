/**
 * The seams between the parts of Sextant's pipelines: the definition loader (`definition/`), the
 * runner and its cache (`run/`), compute backends (`../compute/`), environments and triggers.
 * Each part implements or consumes these; none reaches into another's files.
 */
import type {
  PipelineDiagnostic,
  PipelineEvent,
  PipelineRun,
  ResolvedPipeline,
  ResolvedStep,
  StepStatus,
  TriggerRecord,
} from '../model/pipeline';

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

/**
 * A step's process environment: `vars` over `base`. The runner hands every step of a run the
 * same `base` object, unchanged, so a backend can send it once; one that needs the whole of it
 * uses {@link wholeEnvironment}.
 */
export interface StepEnvironment {
  base: Readonly<Record<string, string>>;
  vars: Readonly<Record<string, string>>;
}

/** The whole of a step's environment. */
export function wholeEnvironment(env: StepEnvironment): Record<string, string> {
  return { ...env.base, ...env.vars };
}

/** A step handed to a compute backend. */
export interface StepLaunch {
  step: ResolvedStep;
  /** Absolute workspace root; `step.wd` is relative to it. */
  root: string;
  /** The environment of the process (PATH already holds a provisioned venv's bin). */
  env: StepEnvironment;
  /** Aborted on cancellation or timeout: the backend stops the step (its whole process tree). */
  signal: AbortSignal;
  /** Output as it arrives. */
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
  /** Called once the backend knows an external id (Ray's submission id). */
  onExternalId?(id: string): void;
  /**
   * Called when the step's process starts, by a backend that {@link ComputeBackend.schedules}
   * (a step may wait in its queue first); the runner calls it itself for the others. A backend
   * that knows the process's external id then gives it here rather than to `onExternalId`, and
   * what it gave the step to run on.
   */
  onStart?(externalId?: string, placement?: StepPlacement): void;
}

/** What a backend that schedules gave a step when it started it. */
export interface StepPlacement {
  /** The GPUs it holds, as its `CUDA_VISIBLE_DEVICES` names them. */
  gpus?: readonly string[];
}

/** How a step execution ended. */
export interface StepOutcome {
  /** The process's exit code; non-zero (or null when killed) is a failure. */
  exitCode: number | null;
  /** Why it failed or stopped, for people. */
  reason?: string;
}

/** Runs one step somewhere: a local process, or a job on a Ray cluster. */
export interface ComputeBackend {
  readonly kind: 'local' | 'ray';
  /**
   * Whether the backend holds each step until the resources it declares are free, and calls
   * {@link StepLaunch.onStart} when it starts it: the runner then hands over a step as soon as it
   * is ready. Local steps of a backend that does not are held by the runner's own resource pool.
   */
  readonly schedules?: boolean;
  execute(launch: StepLaunch): Promise<StepOutcome>;
  /** Starts what the backend needs (a helper process) ahead of the first step, if anything. */
  prepare?(): void;
  /**
   * Lets go of what the backend holds (a helper process), stopping the steps it still runs;
   * resolves once it is gone. The next `execute` starts afresh.
   */
  close?(): Promise<void>;
}

/** Provisions (or reuses) a virtual environment for a requirements file. */
export type ProvisionEnvironment = (request: {
  /** Absolute path of the requirements file. */
  requirements: string;
  /** Folder that holds the environments, keyed by the file's content hash. */
  cacheDir: string;
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
  signal: AbortSignal;
}) => Promise<{
  /** Absolute path of the environment's `bin/`. */ binDir: string;
  /** The environment's id: the SHA-256 of the requirements file, its folder under `cacheDir`. */
  id: string;
  reused: boolean;
}>;

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
