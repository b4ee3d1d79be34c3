import { ServingError } from './errors';
import type { PoolWorker, ReplicaPool } from './pool';
import type { Runtime } from './runtime';
import { WorkerGone, type WorkerReady, type WorkerResult } from './worker';

/** How a {@link RemoteReplica} reaches a model served by another server over HTTP. */
export interface RemoteTransport {
  /** What the remote server is, for messages (e.g. `the upstream http://host:8080`). */
  readonly label: string;
  /**
   * Resolves with the model's signature once the remote model is ready; throws while it is not
   * (an error with `permanent: true` ends the replica at once instead of retrying).
   */
  connect(signal: AbortSignal): Promise<WorkerReady>;
  /**
   * One result per item (the worker items' JSON texts), in order.
   * @throws Error when the remote server cannot be reached (the replica then ends).
   */
  send(items: readonly string[], signal: AbortSignal): Promise<WorkerResult[]>;
  /** Resolves when the remote model is still ready; throws when it is not. */
  check(signal: AbortSignal): Promise<void>;
}

/** How often, and for how long, a remote replica checks its server. */
export interface RemoteReplicaOptions {
  /** How long connecting may take before the replica gives up, in ms. */
  startTimeoutMs: number;
  /** Between two health checks once ready, in ms. */
  healthIntervalMs?: number;
  /** Consecutive failed health checks after which the replica ends (and the pool replaces it). */
  unhealthyAfter?: number;
}

const RETRY_CONNECT_MS = 250;

/**
 * One replica of a {@link ReplicaPool} whose model runs on another server (an upstream Open
 * Inference Protocol server, a Ray Serve deployment): ready once the remote model is, health-checked
 * while it serves, ended when the server stops answering, so the pool's queue, batching,
 * concurrency limits, retries and replacement apply to it as to a local worker.
 */
export class RemoteReplica implements PoolWorker {
  readonly ready: Promise<WorkerReady>;
  readonly exited: Promise<string>;
  readonly pid = undefined;
  private readonly abort = new AbortController();
  private end!: (why: string) => void;
  private gone: string | undefined;
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly transport: RemoteTransport,
    private readonly options: RemoteReplicaOptions,
  ) {
    this.exited = new Promise((resolve) => {
      this.end = (why) => {
        if (this.gone !== undefined) return;
        this.gone = why;
        clearTimeout(this.healthTimer);
        this.abort.abort();
        resolve(why);
      };
    });
    this.ready = this.connect();
    this.ready.then(
      () => this.scheduleCheck(0),
      (error: Error) => this.end(error.message),
    );
  }

  private async connect(): Promise<WorkerReady> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    let last = '';
    for (;;) {
      if (this.gone !== undefined) throw new WorkerGone(this.gone);
      try {
        return await this.transport.connect(this.abort.signal);
      } catch (error) {
        last = (error as Error).message;
        if ((error as { permanent?: boolean }).permanent) throw new WorkerGone(last);
      }
      if (Date.now() >= deadline) {
        throw new WorkerGone(
          `${this.transport.label} was not ready in ${Math.round(this.options.startTimeoutMs / 1000)} s: ${last}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_CONNECT_MS));
    }
  }

  private scheduleCheck(failures: number): void {
    if (this.gone !== undefined) return;
    this.healthTimer = setTimeout(() => {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(5_000)]);
      this.transport.check(signal).then(
        () => this.scheduleCheck(0),
        (error: Error) => {
          if (failures + 1 >= (this.options.unhealthyAfter ?? 2)) {
            this.end(`${this.transport.label} stopped answering: ${error.message}`);
          } else {
            this.scheduleCheck(failures + 1);
          }
        },
      );
    }, this.options.healthIntervalMs ?? 2_000);
    this.healthTimer.unref();
  }

  /** Whether the replica still serves. */
  get alive(): boolean {
    return this.gone === undefined;
  }

  /** @throws WorkerGone when the remote server cannot be reached (the replica ends). */
  async predict(itemTexts: readonly string[]): Promise<WorkerResult[]> {
    if (this.gone !== undefined) throw new WorkerGone(this.gone);
    try {
      return await this.transport.send(itemTexts, this.abort.signal);
    } catch (error) {
      const why = `${this.transport.label} could not be reached: ${(error as Error).message}`;
      this.end(why);
      throw new WorkerGone(why);
    }
  }

  /** Drops the connection and every request in it. */
  kill(): void {
    this.end('the connection was closed');
  }

  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }
}

/**
 * The runtime of a pool of {@link RemoteReplica}s: the pool, except that once it has served, a
 * request that finds no replica ready (the remote server is down; its replicas are reconnecting)
 * is answered at once with 503 and a `Retry-After`, as a proxy with no healthy upstream does,
 * rather than held until it times out. `stop` also runs `andThen` (e.g. removing a deployment).
 */
export function remoteRuntime(pool: ReplicaPool, andThen?: () => Promise<void>): Runtime {
  let served = false;
  void pool.ready.then(
    () => (served = true),
    () => undefined,
  );
  return {
    ready: pool.ready,
    get isReady() {
      return pool.isReady;
    },
    get failed() {
      return pool.failed;
    },
    get queueDepth() {
      return pool.queueDepth;
    },
    get replicaCounts() {
      return pool.replicaCounts;
    },
    submit: (text) =>
      served && !pool.isReady && !pool.failed
        ? Promise.reject(
            new ServingError(503, 'the remote server is not answering; Sextant is reconnecting', 2),
          )
        : pool.submit(text),
    stop: async () => {
      await pool.stop();
      await andThen?.();
    },
  };
}
