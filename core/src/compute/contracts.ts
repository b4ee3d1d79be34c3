/**
 * What a compute backend is to its users: the step it is handed ({@link StepLaunch}), how that
 * step ended ({@link StepOutcome}), and the backend itself ({@link ComputeBackend}). Pipelines
 * hand their steps to backends through these; compute imports nothing of pipelines.
 */
import type { ResolvedStep } from '../model/pipeline';

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
