import type { EvaluationSlice } from '../model/evaluation';

/**
 * The lines the evaluation worker (`core/python/sextant_eval.py`) writes on stdout, one JSON
 * object each. Anything the model prints goes to the worker's stderr, never here.
 */
export type WorkerMessage =
  | { type: 'progress'; stage: string; message: string; fraction?: number }
  /** A JSON file the worker wrote into the output folder, by its name there. */
  | { type: 'artifact'; path: string }
  | { type: 'warning'; message: string }
  | { type: 'result'; rows: number; metrics: Record<string, number>; slices: EvaluationSlice[] }
  | { type: 'error'; message: string };

/** A line that is not one of the worker's messages: the worker and the engine disagree. */
export class WorkerProtocolError extends Error {
  constructor(
    readonly line: string,
    reason: string,
  ) {
    super(
      `the evaluation worker wrote a line Sextant does not understand (${reason}): ${line.slice(0, 200)}`,
    );
    this.name = 'WorkerProtocolError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNumberRecord = (value: unknown): value is Record<string, number> =>
  isRecord(value) && Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v));

/** An artifact name the worker may announce: a plain file name in its output folder. */
const ARTIFACT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function isSlice(value: unknown): value is EvaluationSlice {
  return (
    isRecord(value) &&
    typeof value.column === 'string' &&
    typeof value.value === 'string' &&
    typeof value.rows === 'number' &&
    isNumberRecord(value.metrics)
  );
}

/**
 * Parses one stdout line of the worker. Blank lines give undefined.
 * @throws WorkerProtocolError for anything that is not a well-formed message.
 */
export function parseWorkerLine(line: string): WorkerMessage | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WorkerProtocolError(line, 'not JSON');
  }
  if (!isRecord(value) || typeof value.type !== 'string') {
    throw new WorkerProtocolError(line, 'no message type');
  }
  switch (value.type) {
    case 'progress':
      if (typeof value.stage !== 'string' || typeof value.message !== 'string') break;
      if (value.fraction !== undefined && typeof value.fraction !== 'number') break;
      return {
        type: 'progress',
        stage: value.stage,
        message: value.message,
        ...(typeof value.fraction === 'number' ? { fraction: value.fraction } : {}),
      };
    case 'artifact':
      if (
        typeof value.path !== 'string' ||
        !ARTIFACT_NAME.test(value.path) ||
        value.path.includes('..')
      )
        break;
      return { type: 'artifact', path: value.path };
    case 'warning':
    case 'error':
      if (typeof value.message !== 'string') break;
      return { type: value.type, message: value.message };
    case 'result':
      if (typeof value.rows !== 'number' || !isNumberRecord(value.metrics)) break;
      if (!Array.isArray(value.slices) || !value.slices.every(isSlice)) break;
      return { type: 'result', rows: value.rows, metrics: value.metrics, slices: value.slices };
    default:
      throw new WorkerProtocolError(line, `unknown message type '${value.type}'`);
  }
  throw new WorkerProtocolError(line, `a malformed '${value.type}' message`);
}

/**
 * Splits a stream of chunks into lines: `push` returns the complete lines so far, `end` the
 * last one, if the stream did not end with a newline.
 */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    return lines;
  }

  end(): string[] {
    const last = this.pending;
    this.pending = '';
    return last === '' ? [] : [last];
  }
}
