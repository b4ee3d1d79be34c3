import type Database from 'better-sqlite3';
import type { CellExecution, CellLogged } from '../model';

interface CellRow {
  run_uuid: string;
  cell_id: string;
  execution_count: number | null;
  source: string;
  source_hash: string;
  start_time: number;
  duration_ms: number;
  status: 'ok' | 'error';
  error: string | null;
  logged: string;
  notebook: string | null;
}

/** A recorded cell with the run it belongs to. */
export interface RunCell extends CellExecution {
  runId: string;
}

const toCell = (row: CellRow): RunCell => ({
  runId: row.run_uuid,
  cellId: row.cell_id,
  executionCount: row.execution_count,
  source: row.source,
  sourceHash: row.source_hash,
  startTime: row.start_time,
  durationMs: row.duration_ms,
  status: row.status,
  ...(row.error !== null ? { error: row.error } : {}),
  logged: JSON.parse(row.logged) as CellLogged,
  ...(row.notebook !== null ? { notebook: row.notebook } : {}),
});

const COLUMNS = `r.run_uuid, c.cell_id, c.execution_count, c.source, c.source_hash, c.start_time,
  c.duration_ms, c.status, c.error, c.logged, c.notebook`;

/** SQL of notebook cell executions. Methods expect to run inside the store's transactions. */
export class CellsSql {
  constructor(private readonly sql: (text: string) => Database.Statement) {}

  append(runPk: number, cells: readonly CellExecution[]): void {
    const next = this.sql('SELECT coalesce(max(seq), -1) + 1 FROM run_cells WHERE run_pk = ?')
      .pluck()
      .get(runPk) as number;
    const insert = this.sql(
      `INSERT INTO run_cells (run_pk, seq, cell_id, execution_count, source, source_hash, start_time,
         duration_ms, status, error, logged, notebook) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    cells.forEach((c, i) =>
      insert.run(
        runPk,
        next + i,
        c.cellId,
        c.executionCount,
        c.source,
        c.sourceHash,
        c.startTime,
        c.durationMs,
        c.status,
        c.error ?? null,
        JSON.stringify(c.logged),
        c.notebook ?? null,
      ),
    );
  }

  /** The cells of one run in execution order. */
  ofRun(runPk: number): RunCell[] {
    return (
      this.sql(
        `SELECT ${COLUMNS} FROM run_cells c JOIN runs r ON r.run_pk = c.run_pk
         WHERE c.run_pk = ? ORDER BY c.seq`,
      ).all(runPk) as CellRow[]
    ).map(toCell);
  }

  /** The latest recorded execution of each of the given cell ids, across runs. */
  latestOf(cellIds: readonly string[]): RunCell[] {
    return (
      this.sql(
        `SELECT ${COLUMNS} FROM run_cells c JOIN runs r ON r.run_pk = c.run_pk
         WHERE c.cell_id IN (SELECT value FROM json_each(?)) AND c.cell_id != ''
           AND c.start_time = (SELECT max(start_time) FROM run_cells x WHERE x.cell_id = c.cell_id)
         ORDER BY c.cell_id`,
      ).all(JSON.stringify(cellIds)) as CellRow[]
    ).map(toCell);
  }
}
