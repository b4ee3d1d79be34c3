import { ConcurrencyMeter } from './autoscaler';
import { ServingError } from './errors';
import type { ReplicaPool } from './pool';
import type { Runtime } from './runtime';
import type { LiveVariant } from './traffic';
import type { WorkerReady, WorkerResult } from './worker';

/** A runtime that can be scaled and drained: the Python workers' {@link ReplicaPool}. */
type Scalable = Runtime & Pick<ReplicaPool, 'meter' | 'targetReplicas' | 'scaleTo' | 'drain'>;

const isScalable = (runtime: Runtime): runtime is Scalable =>
  typeof (runtime as Partial<Scalable>).scaleTo === 'function';

/**
 * The runtime of one variant, which a rolling update replaces while requests flow: every call
 * goes to the current runtime, so once {@link swap} returns no new request reaches the old one.
 */
export class RuntimeSlot implements Runtime {
  private idle = new ConcurrencyMeter();

  constructor(private runtime: Runtime) {}

  /** The runtime serving now. */
  get current(): Runtime {
    return this.runtime;
  }

  get ready(): Promise<WorkerReady> {
    return this.runtime.ready;
  }

  get isReady(): boolean {
    return this.runtime.isReady;
  }

  get failed(): string | undefined {
    return this.runtime.failed;
  }

  get queueDepth(): number {
    return this.runtime.queueDepth;
  }

  get replicaCounts(): { ready: number; starting: number } {
    return this.runtime.replicaCounts;
  }

  /** Whether the replicas can be scaled (Python workers; not ONNX in-process). */
  get scalable(): boolean {
    return isScalable(this.runtime);
  }

  /** Requests in flight, time-weighted (none for a runtime that does not measure them). */
  get meter(): ConcurrencyMeter {
    return isScalable(this.runtime) ? this.runtime.meter : this.idle;
  }

  get targetReplicas(): number {
    return isScalable(this.runtime) ? this.runtime.targetReplicas : 1;
  }

  /** @throws ServingError 400 when the runtime runs in-process and has no replicas to scale. */
  async scaleTo(replicas: number): Promise<void> {
    if (!isScalable(this.runtime)) {
      throw new ServingError(
        400,
        'this variant runs in-process (onnx): it has no replicas to scale',
      );
    }
    await this.runtime.scaleTo(replicas);
  }

  submit(text: string): Promise<WorkerResult> {
    return this.runtime.submit(text);
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }

  /** Makes `next` the runtime serving from now on; returns the one it replaces. */
  swap(next: Runtime): Runtime {
    const previous = this.runtime;
    this.runtime = next;
    return previous;
  }
}

/** The version a rolling update moves a variant to. */
export interface RolloutTarget {
  model: string;
  version: string;
  /** Starts the new version's runtime with this many replicas (they begin loading). */
  start: (replicas: number) => Promise<Runtime>;
}

/** How a rolling update went, with its timings (ms). */
export type RolloutResult =
  | {
      ok: true;
      variant: string;
      from: { model: string; version: string };
      to: { model: string; version: string };
      replicas: number;
      readyMs: number;
      drainMs: number;
    }
  | {
      ok: false;
      variant: string;
      from: { model: string; version: string };
      to: { model: string; version: string };
      /** Why the new version could not serve (its worker's error); the old one still serves. */
      reason: string;
    };

/**
 * Rolls one variant to a new version with no failed request: starts the new version's replicas
 * (as many as the old one runs), waits until every one has loaded, shifts the variant's traffic
 * to it at once, then lets the old replicas finish what they hold and stops them. When the new
 * version cannot load, it is stopped, the old one keeps serving, and the reason is returned.
 */
export async function rollVariant(
  variant: LiveVariant,
  slot: RuntimeSlot,
  target: RolloutTarget,
  startTimeoutMs: number,
): Promise<RolloutResult> {
  const from = { model: variant.model, version: variant.version };
  const to = { model: target.model, version: target.version };
  const started = Date.now();
  const replicas = slot.targetReplicas;
  let next: Runtime;
  try {
    next = await target.start(replicas);
  } catch (error) {
    return { ok: false, variant: variant.name, from, to, reason: (error as Error).message };
  }
  try {
    const deadline = started + startTimeoutMs;
    await withTimeout(
      next.ready,
      startTimeoutMs,
      `the new version did not load in ${startTimeoutMs} ms`,
    );
    while (next.replicaCounts.ready < replicas && !next.failed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!next.isReady) throw new Error(next.failed ?? 'the new version has no ready replica');
  } catch (error) {
    await next.stop();
    return {
      ok: false,
      variant: variant.name,
      from,
      to,
      reason: (error as Error).message.replace(/^the model cannot be served: /, ''),
    };
  }
  const readyMs = Date.now() - started;
  const previous = slot.swap(next);
  variant.model = to.model;
  variant.version = to.version;
  const drainStarted = Date.now();
  if (isScalable(previous)) await previous.drain();
  else await previous.stop();
  return {
    ok: true,
    variant: variant.name,
    from,
    to,
    replicas: slot.targetReplicas,
    readyMs,
    drainMs: Date.now() - drainStarted,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
