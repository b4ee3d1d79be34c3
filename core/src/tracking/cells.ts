import type { CellExecution, CellLogged, CellRecordPayload } from '../model';
import { invalid } from '../model/errors';
import { sourceHash } from '../model/sourceHash';

/** Most cells one request may record, and the longest source kept per cell. */
export const CELL_LIMITS = { perRequest: 100, sourceLength: 1_000_000, keysPerKind: 1000 } as const;

type Raw = Record<string, unknown>;

const stringList = (raw: unknown, what: string): string[] => {
  if (raw === undefined || raw === null) return [];
  if (
    !Array.isArray(raw) ||
    raw.some((v) => typeof v !== 'string') ||
    raw.length > CELL_LIMITS.keysPerKind
  ) {
    throw invalid(`Invalid '${what}': expected at most ${CELL_LIMITS.keysPerKind} strings.`);
  }
  return raw as string[];
};

const integer = (raw: unknown, what: string): number => {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    throw invalid(
      `Invalid '${what}': expected a non-negative integer, got ${JSON.stringify(raw)}.`,
    );
  }
  return raw;
};

/**
 * Checks one cell record as a kernel sends it (snake_case JSON). The source hash is computed
 * here, never taken from the client.
 */
export function parseCellExecution(raw: Raw): CellExecution {
  const source = raw.source;
  if (typeof source !== 'string') throw invalid("Each cell needs its 'source' as a string.");
  if (source.length > CELL_LIMITS.sourceLength) {
    throw invalid(`Cell source is longer than ${CELL_LIMITS.sourceLength} characters.`);
  }
  const status = raw.status;
  if (status !== 'ok' && status !== 'error') throw invalid("A cell's 'status' is 'ok' or 'error'.");
  const logged = (raw.logged ?? {}) as Raw;
  if (typeof logged !== 'object' || Array.isArray(logged))
    throw invalid("A cell's 'logged' is an object.");
  const cellLogged: CellLogged = {
    params: stringList(logged.params, 'logged.params'),
    metrics: stringList(logged.metrics, 'logged.metrics'),
    tags: stringList(logged.tags, 'logged.tags'),
  };
  const cellId = raw.cell_id ?? '';
  if (typeof cellId !== 'string' || cellId.length > 200)
    throw invalid("A cell's 'cell_id' is a string of at most 200 characters.");
  return {
    cellId,
    executionCount:
      raw.execution_count === undefined || raw.execution_count === null
        ? null
        : integer(raw.execution_count, 'execution_count'),
    source,
    sourceHash: sourceHash(source),
    startTime: integer(raw.start_time, 'start_time'),
    durationMs: integer(raw.duration_ms, 'duration_ms'),
    status,
    ...(typeof raw.error === 'string' ? { error: raw.error.slice(0, 2000) } : {}),
    logged: cellLogged,
    ...(typeof raw.notebook === 'string' && raw.notebook
      ? { notebook: raw.notebook.slice(0, 1000) }
      : {}),
  };
}

/** Cell records back to the kernel's snake_case JSON. */
export const encodeCell = (cell: CellExecution & { runId?: string }): CellRecordPayload => ({
  ...(cell.runId ? { run_id: cell.runId } : {}),
  cell_id: cell.cellId,
  execution_count: cell.executionCount,
  source: cell.source,
  source_hash: cell.sourceHash,
  start_time: cell.startTime,
  duration_ms: cell.durationMs,
  status: cell.status,
  ...(cell.error !== undefined ? { error: cell.error } : {}),
  logged: cell.logged,
  ...(cell.notebook !== undefined ? { notebook: cell.notebook } : {}),
});
