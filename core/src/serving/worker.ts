import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { killGroup, shippedPython } from '../compute';
import { encodeFrame, FrameDecoder } from './frames';

/** The serving worker shipped with core: `core/python/sextant_serve.py` or beside a bundle. */
export const SERVE_SCRIPT = shippedPython('sextant_serve.py');

/** How much of a worker's stderr is kept for an error message. */
const STDERR_TAIL_BYTES = 8_000;

/** What a worker says of its model once loaded: the signature, as MLflow's schema dicts. */
export interface WorkerReady {
  pid: number;
  /** The input schema (`Schema.to_dict()`), or null for a model without a signature. */
  inputs: SchemaField[] | null;
  outputs: SchemaField[] | null;
  params: unknown;
  inputsAreTensors: boolean;
  /** The MLflow version the worker loaded the model with. */
  mlflowVersion: string;
}

/** One field of an MLflow schema as `Schema.to_dict()` writes it. */
export interface SchemaField {
  name?: string;
  type: string;
  required?: boolean;
  'tensor-spec'?: { dtype: string; shape: number[] };
}

/** One request's input, as the worker takes it (see sextant_serve.py). */
export type WorkerItem =
  | { mlflow: Record<string, unknown> }
  | { csv: string }
  | { oip: { inputs: unknown[]; parameters?: unknown } };

/** One request's answer from the worker. */
export type WorkerResult =
  { predictions: unknown } | { outputs: unknown[] } | { error: string; status: number };

/** A worker's process ended or broke while requests were in it. */
export class WorkerGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerGone';
  }
}

export interface WorkerOptions {
  python: string;
  modelDir: string;
  script?: string;
  env?: NodeJS.ProcessEnv;
  /** The worker's stderr (the model's own output among it). */
  onStderr?: (text: string) => void;
}

interface Pending {
  resolve: (results: WorkerResult[]) => void;
  reject: (error: Error) => void;
}

/**
 * One long-lived Python process serving one pyfunc model over length-prefixed JSON frames on
 * its stdin/stdout. {@link ready} settles once the model is loaded; {@link predict} sends one
 * frame of items and resolves with their results; when the process ends, every request still in
 * it is rejected with {@link WorkerGone} and {@link exited} resolves.
 */
export class WorkerProcess {
  readonly ready: Promise<WorkerReady>;
  readonly exited: Promise<string>;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new FrameDecoder();
  private nextId = 1;
  private stderr = '';
  private gone: string | undefined;

  constructor(options: WorkerOptions) {
    this.child = spawn(options.python, [options.script ?? SERVE_SCRIPT, options.modelDir], {
      env: { ...(options.env ?? process.env), PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let markReady: (ready: WorkerReady) => void;
    let failReady: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined);
    let loaded = false;
    this.exited = new Promise((resolve) => {
      const end = (why: string): void => {
        if (this.gone !== undefined) return;
        this.gone = why;
        const tail = this.stderr.trim().split('\n').slice(-10).join('\n');
        const error = new WorkerGone(
          `${why}${tail && !loaded ? `; its last output:\n${tail}` : ''}`,
        );
        if (!loaded) failReady(error);
        for (const pending of this.pending.values()) pending.reject(new WorkerGone(why));
        this.pending.clear();
        resolve(why);
      };
      this.child.once('error', (error: NodeJS.ErrnoException) =>
        end(
          error.code === 'ENOENT'
            ? `cannot start the serving worker: '${options.python}' was not found`
            : `cannot start the serving worker: ${error.message}`,
        ),
      );
      this.child.once('close', (code, signal) =>
        end(
          `the serving worker ${code === null ? `was killed by ${signal}` : `ended with exit code ${code}`}`,
        ),
      );
      this.child.stdout.on('data', (chunk: Buffer) => {
        let frames: string[];
        try {
          frames = this.decoder.push(chunk);
        } catch (error) {
          this.kill();
          return end(`the serving worker broke its channel: ${(error as Error).message}`);
        }
        for (const frame of frames) {
          let message: Record<string, unknown>;
          try {
            message = JSON.parse(frame) as Record<string, unknown>;
          } catch {
            this.kill();
            return end('the serving worker wrote a frame that is not JSON');
          }
          if (!loaded) {
            if (typeof message.fatal === 'string') {
              this.stderr += `\n${message.fatal}`;
              continue;
            }
            loaded = true;
            markReady({
              pid: message.pid as number,
              inputs: (message.inputs as SchemaField[] | null) ?? null,
              outputs: (message.outputs as SchemaField[] | null) ?? null,
              params: message.params ?? null,
              inputsAreTensors: message.inputs_are_tensors === true,
              mlflowVersion: String(message.mlflow_version ?? ''),
            });
            continue;
          }
          const id = message.id as number;
          const pending = this.pending.get(id);
          if (!pending) continue;
          this.pending.delete(id);
          pending.resolve(message.results as WorkerResult[]);
        }
      });
    });
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL_BYTES);
      options.onStderr?.(text);
    });
  }

  /** The worker's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process has ended. */
  get alive(): boolean {
    return this.gone === undefined;
  }

  /**
   * Sends `items` (their JSON texts) as one frame; resolves with one result per item.
   * @throws WorkerGone when the process ends before answering.
   */
  predict(itemTexts: readonly string[]): Promise<WorkerResult[]> {
    if (this.gone !== undefined) return Promise.reject(new WorkerGone(this.gone));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(encodeFrame(`{"id":${id},"items":[${itemTexts.join(',')}]}`));
    });
  }

  /** Kills the worker's process group at once. */
  kill(): void {
    if (this.child.pid !== undefined && this.gone === undefined) {
      void killGroup(this.child.pid, 'SIGKILL');
    }
  }

  /** Closes its stdin (the worker ends when it has answered), then kills it after `graceMs`. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.gone !== undefined) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
