import { spawn } from 'node:child_process';
import { killGroup, shippedPython } from '../compute';
import type { EvaluationSlice } from '../model/evaluation';
import { LineSplitter, parseWorkerLine, WorkerProtocolError, type WorkerMessage } from './protocol';

/** The evaluation worker shipped with core: `core/python/sextant_eval.py` or beside a bundle. */
export const WORKER_SCRIPT = shippedPython('sextant_eval.py');

/** How much of the worker's stderr is kept for an error message. */
const STDERR_TAIL_BYTES = 8_000;

/** What a worker that finished well reported. */
export interface WorkerOutcome {
  rows: number;
  metrics: Record<string, number>;
  slices: EvaluationSlice[];
  /** Names of the files it wrote into its output folder, in the order it announced them. */
  artifacts: string[];
  warnings: string[];
}

export interface RunWorkerOptions {
  /** The Python interpreter (of the model's environment). */
  python: string;
  /** The request file handed to the worker as its one argument. */
  requestFile: string;
  /** The worker script; {@link WORKER_SCRIPT} unless a test gives another. */
  script?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the worker (its whole process group). */
  signal?: AbortSignal;
  /** Every message, as it comes (progress, artifacts, warnings). */
  onMessage?: (message: WorkerMessage) => void;
  /** The worker's stderr, as it comes (the model's own output among it). */
  onStderr?: (text: string) => void;
}

/** The evaluation was cancelled: its worker was killed. */
export class EvaluationCancelled extends Error {
  constructor() {
    super('the evaluation was cancelled');
    this.name = 'EvaluationCancelled';
  }
}

/**
 * Runs the evaluation worker to its end and gathers what it reported. Rejects with the worker's
 * own error message when it reports one, with its stderr's end when it dies without one, with a
 * {@link WorkerProtocolError} (and kills it) when it writes a line that is no message, and with
 * {@link EvaluationCancelled} when `signal` aborts (the worker's process group is killed).
 */
export function runWorker(options: RunWorkerOptions): Promise<WorkerOutcome> {
  const script = options.script ?? WORKER_SCRIPT;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new EvaluationCancelled());
    const child = spawn(options.python, [script, options.requestFile], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const artifacts: string[] = [];
    const warnings: string[] = [];
    let result: Extract<WorkerMessage, { type: 'result' }> | undefined;
    let reported: string | undefined;
    let broken: WorkerProtocolError | undefined;
    let stderr = '';
    const splitter = new LineSplitter();

    const kill = (): void => void killGroup(child.pid!, 'SIGKILL');
    const onAbort = (): void => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const handle = (line: string): void => {
      if (broken) return;
      let message: WorkerMessage | undefined;
      try {
        message = parseWorkerLine(line);
      } catch (error) {
        broken = error as WorkerProtocolError;
        kill();
        return;
      }
      if (!message) return;
      if (message.type === 'artifact') artifacts.push(message.path);
      else if (message.type === 'warning') warnings.push(message.message);
      else if (message.type === 'result') result = message;
      else if (message.type === 'error') reported = message.message;
      options.onMessage?.(message);
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => splitter.push(chunk).forEach(handle));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      options.onStderr?.(chunk);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `cannot start the evaluation worker: '${options.python}' was not found (give the model's Python with --python, or make the workspace's .venv)`
            : `cannot start the evaluation worker: ${error.message}`,
        ),
      );
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      splitter.end().forEach(handle);
      if (options.signal?.aborted) return reject(new EvaluationCancelled());
      if (broken) return reject(broken);
      if (reported !== undefined) return reject(new Error(`the evaluation failed: ${reported}`));
      if (code === 0 && result) {
        return resolve({
          rows: result.rows,
          metrics: result.metrics,
          slices: result.slices,
          artifacts,
          warnings,
        });
      }
      const how = code === null ? `was killed by ${signal}` : `ended with exit code ${code}`;
      const tail = stderr.trim().split('\n').slice(-15).join('\n');
      reject(
        new Error(
          `the evaluation worker ${how}${code === 0 ? ' without a result' : ''}` +
            (tail ? `; its last output:\n${tail}` : ''),
        ),
      );
    });
  });
}
