import { ConcurrencyMeter } from './autoscaler';
import { ServingError } from './errors';
import { WorkerGone, type WorkerProcess, type WorkerReady, type WorkerResult } from './worker';

/**
 * What the pool needs of one replica: a {@link WorkerProcess}, or another transport to a model
 * (an upstream OIP server, a Ray Serve deployment) that keeps the same contract.
 */
export type PoolWorker = Pick<
  WorkerProcess,
  'ready' | 'exited' | 'pid' | 'predict' | 'kill' | 'stop'
>;

/** How the replicas of one model run and take requests. */
export interface PoolOptions {
  /** Starts one worker (a new process each call). */
  startWorker: () => PoolWorker;
  /** Worker processes kept running. */
  replicas: number;
  /** Frames one replica holds at once (it works on one; the others wait in its pipe). */
  maxConcurrency: number;
  /** Requests waiting for a replica beyond which new ones get 429. */
  maxQueue: number;
  /** Requests sent to a replica in one frame (1: no batching). */
  maxBatchSize: number;
  /** How long a request may wait for others to fill its batch, in ms (0: none). */
  maxBatchDelayMs: number;
  /** A frame not answered in this long is failed with 504 and its worker replaced. */
  requestTimeoutMs: number;
  /** A worker that has not loaded its model in this long is killed. */
  startTimeoutMs: number;
  /** Times a request is retried on another replica when its replica dies. */
  maxRetries: number;
  /** What happens to the replicas (started, ready, died, replaced), for the log. */
  onEvent?: (event: PoolEvent) => void;
  /** Each frame sent, with the number of requests in it. */
  onBatch?: (size: number) => void;
}

/** Something that happened to a replica. */
export interface PoolEvent {
  kind: 'starting' | 'ready' | 'died' | 'timed_out' | 'failed' | 'draining' | 'stopped';
  replica: number;
  pid?: number;
  message?: string;
}

interface Request {
  text: string;
  attempts: number;
  enqueued: number;
  resolve: (result: WorkerResult) => void;
  reject: (error: Error) => void;
}

interface Replica {
  id: number;
  worker: PoolWorker;
  ready: boolean;
  /** Whether it ever loaded its model (a start that failed is counted apart from a death). */
  loaded: boolean;
  inflight: number;
  /** Taken out of rotation by a scale-down: finishes what it holds, then stops. */
  draining: boolean;
  drained?: () => void;
}

/** Consecutive failed starts after which, with no replica ready, the pool gives up. */
const MAX_FAILED_STARTS = 3;

/**
 * The replicas of one model: N worker processes, requests dispatched to the least-loaded ready
 * one (up to its concurrency), a bounded queue in front (429 with Retry-After when full), optional
 * dynamic batching, a dead replica replaced and its in-flight requests retried on another, a
 * frame that hangs failed with 504 and its worker replaced.
 */
export class ReplicaPool {
  /** The model's signature, as the first ready worker reported it. */
  readonly ready: Promise<WorkerReady>;
  private readonly replicas = new Set<Replica>();
  private readonly queue: Request[] = [];
  private nextReplica = 1;
  private stopping = false;
  private failedStarts = 0;
  private failure: string | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private markReady!: (ready: WorkerReady) => void;
  private failReady!: (error: Error) => void;
  private everReady = false;
  private target: number;
  /** Requests in the pool (waiting or in a worker), time-weighted: what autoscaling reads. */
  readonly meter = new ConcurrencyMeter();

  constructor(private readonly options: PoolOptions) {
    this.target = options.replicas;
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => undefined);
    for (let i = 0; i < options.replicas; i++) this.startReplica();
  }

  /** Requests waiting for a replica. */
  get queueDepth(): number {
    return this.queue.length;
  }

  /** Replicas by state (those draining for a scale-down not counted). */
  get replicaCounts(): { ready: number; starting: number } {
    let ready = 0;
    let starting = 0;
    for (const replica of this.replicas) {
      if (replica.draining) continue;
      if (replica.ready) ready++;
      else starting++;
    }
    return { ready, starting };
  }

  /** The replicas asked for (by the spec, a scale, or the autoscaler). */
  get targetReplicas(): number {
    return this.target;
  }

  /** Requests in the pool now: waiting for a replica or in one. */
  get concurrency(): number {
    return this.meter.value;
  }

  /** Whether at least one replica takes requests. */
  get isReady(): boolean {
    return this.replicaCounts.ready > 0;
  }

  /** Why the pool stopped serving, when it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** The process ids of the live workers (for tests and status). */
  get pids(): number[] {
    return [...this.replicas].map((r) => r.worker.pid).filter((p): p is number => p !== undefined);
  }

  /**
   * Queues one request (its item's JSON text) and resolves with the worker's result.
   * @throws ServingError 429 when the queue is full, 503 when the pool failed or is stopping,
   *   504 when the worker did not answer in time.
   */
  submit(text: string): Promise<WorkerResult> {
    if (this.failure) return Promise.reject(new ServingError(503, this.failure, 5));
    if (this.stopping) return Promise.reject(new ServingError(503, 'the server is stopping', 1));
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new ServingError(
          429,
          `the server is at capacity (${this.options.maxQueue} requests waiting); retry later`,
          1,
        ),
      );
    }
    this.meter.change(1);
    const answer = new Promise<WorkerResult>((resolve, reject) => {
      this.queue.push({ text, attempts: 0, enqueued: Date.now(), resolve, reject });
      this.dispatch();
    });
    const done = (): void => this.meter.change(-1);
    answer.then(done, done);
    return answer;
  }

  /**
   * Sets the number of replicas. Up: new workers start and take requests once their model is
   * loaded (resolves when they are ready, or have failed). Down: the starting ones go first, then
   * the least loaded; each is taken out of rotation, finishes what it holds, then stops (resolves
   * when they have).
   */
  async scaleTo(replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new ServingError(400, `replicas must be a whole number >= 1, not ${replicas}`);
    }
    if (this.stopping || this.failure) return;
    this.target = replicas;
    const live = [...this.replicas].filter((r) => !r.draining);
    if (live.length < replicas) {
      const started: Replica[] = [];
      for (let i = live.length; i < replicas; i++) started.push(this.startReplica());
      await Promise.all(
        started.map((r) => Promise.race([r.worker.ready.catch(() => undefined), r.worker.exited])),
      );
      return;
    }
    const leaving = live
      .sort((a, b) => Number(a.ready) - Number(b.ready) || a.inflight - b.inflight)
      .slice(0, live.length - replicas);
    await Promise.all(leaving.map((r) => this.retire(r)));
  }

  /**
   * Waits until nothing is waiting or in a worker (or `timeoutMs` passed), then stops: how a
   * version that no longer takes traffic leaves without failing what it holds.
   */
  async drain(timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.meter.value > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.stop();
  }

  /** Stops every worker (closing their stdin, then killing them) and fails what waits. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.batchTimer);
    for (const request of this.queue.splice(0)) {
      request.reject(new ServingError(503, 'the server is stopping', 1));
    }
    await Promise.all([...this.replicas].map((r) => r.worker.stop()));
  }

  /** Takes a replica out of rotation, lets it finish what it holds, and stops it. */
  private async retire(replica: Replica): Promise<void> {
    replica.draining = true;
    this.options.onEvent?.({ kind: 'draining', replica: replica.id, pid: replica.worker.pid });
    if (replica.inflight > 0) {
      await new Promise<void>((resolve) => {
        replica.drained = resolve;
        void replica.worker.exited.then(() => resolve());
      });
    }
    await replica.worker.stop();
  }

  private startReplica(): Replica {
    const replica: Replica = {
      id: this.nextReplica++,
      worker: this.options.startWorker(),
      ready: false,
      loaded: false,
      inflight: 0,
      draining: false,
    };
    this.replicas.add(replica);
    this.options.onEvent?.({ kind: 'starting', replica: replica.id, pid: replica.worker.pid });
    const startTimer = setTimeout(() => {
      this.options.onEvent?.({
        kind: 'timed_out',
        replica: replica.id,
        message: `the model did not load in ${this.options.startTimeoutMs} ms`,
      });
      replica.worker.kill();
    }, this.options.startTimeoutMs);
    replica.worker.ready.then(
      (ready) => {
        clearTimeout(startTimer);
        replica.ready = true;
        replica.loaded = true;
        this.failedStarts = 0;
        this.options.onEvent?.({ kind: 'ready', replica: replica.id, pid: ready.pid });
        if (!this.everReady) {
          this.everReady = true;
          this.markReady(ready);
        }
        this.dispatch();
      },
      () => clearTimeout(startTimer),
    );
    void replica.worker.exited.then((why) => this.replicaEnded(replica, why));
    return replica;
  }

  /** Live replicas short of the target. */
  private get missing(): number {
    let live = 0;
    for (const replica of this.replicas) if (!replica.draining) live++;
    return this.target - live;
  }

  private replicaEnded(replica: Replica, why: string): void {
    this.replicas.delete(replica);
    if (this.stopping) return;
    if (replica.draining) {
      this.options.onEvent?.({ kind: 'stopped', replica: replica.id, pid: replica.worker.pid });
      this.dispatch();
      return;
    }
    if (!replica.loaded) {
      this.failedStarts++;
      const reason = replica.worker.ready.then(
        () => why,
        (error: Error) => error.message,
      );
      void reason.then((message) => {
        this.options.onEvent?.({ kind: 'failed', replica: replica.id, message });
        if (this.failedStarts >= MAX_FAILED_STARTS && this.replicaCounts.ready === 0) {
          this.fail(message);
          return;
        }
        setTimeout(() => {
          if (!this.stopping && !this.failure && this.missing > 0) this.startReplica();
        }, 200 * this.failedStarts);
      });
      return;
    }
    this.options.onEvent?.({
      kind: 'died',
      replica: replica.id,
      pid: replica.worker.pid,
      message: why,
    });
    if (this.missing > 0) this.startReplica();
    this.dispatch();
  }

  private fail(message: string): void {
    this.failure = `the model cannot be served: ${message}`;
    this.failReady(new Error(this.failure));
    for (const request of this.queue.splice(0)) {
      request.reject(new ServingError(503, this.failure, 5));
    }
  }

  /** Sends what waits to the least-loaded ready replicas, in frames of up to maxBatchSize. */
  private dispatch(): void {
    if (this.stopping) {
      for (const request of this.queue.splice(0)) {
        request.reject(new ServingError(503, 'the server is stopping', 1));
      }
      return;
    }
    const { maxBatchSize, maxBatchDelayMs, maxConcurrency } = this.options;
    while (this.queue.length > 0) {
      let best: Replica | undefined;
      for (const replica of this.replicas) {
        if (!replica.ready || replica.draining || replica.inflight >= maxConcurrency) continue;
        if (!best || replica.inflight < best.inflight) best = replica;
      }
      if (!best) return;
      if (maxBatchSize > 1 && maxBatchDelayMs > 0 && this.queue.length < maxBatchSize) {
        const waited = Date.now() - this.queue[0]!.enqueued;
        if (waited < maxBatchDelayMs) {
          if (!this.batchTimer) {
            this.batchTimer = setTimeout(() => {
              this.batchTimer = undefined;
              this.dispatch();
            }, maxBatchDelayMs - waited);
          }
          return;
        }
      }
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
      this.send(best, this.queue.splice(0, maxBatchSize));
    }
  }

  private send(replica: Replica, batch: Request[]): void {
    replica.inflight++;
    this.options.onBatch?.(batch.length);
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      for (const request of batch) {
        request.reject(
          new ServingError(
            504,
            `the model did not answer in ${this.options.requestTimeoutMs} ms; its worker was replaced`,
          ),
        );
      }
      this.options.onEvent?.({
        kind: 'timed_out',
        replica: replica.id,
        pid: replica.worker.pid,
        message: `a request took over ${this.options.requestTimeoutMs} ms`,
      });
      replica.ready = false;
      replica.worker.kill();
    }, this.options.requestTimeoutMs);
    replica.worker.predict(batch.map((r) => r.text)).then(
      (results) => {
        clearTimeout(timer);
        replica.inflight--;
        if (replica.draining && replica.inflight === 0) replica.drained?.();
        if (settled) return;
        batch.forEach((request, i) =>
          request.resolve(
            results[i] ?? {
              error: 'the serving worker gave no result for this request',
              status: 500,
            },
          ),
        );
        this.dispatch();
      },
      (error: Error) => {
        clearTimeout(timer);
        replica.inflight--;
        if (replica.draining && replica.inflight === 0) replica.drained?.();
        if (settled) return;
        const retry: Request[] = [];
        for (const request of batch) {
          if (error instanceof WorkerGone && request.attempts < this.options.maxRetries) {
            request.attempts++;
            retry.push(request);
          } else {
            request.reject(new ServingError(503, `${error.message} while answering`, 1));
          }
        }
        this.queue.unshift(...retry);
        this.dispatch();
      },
    );
  }
}
