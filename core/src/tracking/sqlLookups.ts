/** What the parts of the SQLite tracking store share: statements, row lookups, small helpers. */
import type Database from 'better-sqlite3';
import type { RunStatus, ViewType } from '../model';
import { invalid, notFound } from '../model/errors';
import type { ExperimentRow, RunRow } from './rows';

/** A prepared statement by its SQL text (the store's statement cache). */
export type Sql = (text: string) => Database.Statement;

/** The lifecycle stages a view type shows. */
export const stagesFor = (viewType: ViewType): string[] =>
  viewType === 'ALL'
    ? ['active', 'deleted']
    : viewType === 'DELETED_ONLY'
      ? ['deleted']
      : ['active'];

/** Statements of the hot paths, prepared once through the statement cache. */
export const SQL = {
  runByUuid: 'SELECT * FROM runs WHERE run_uuid = ?',
  experimentById: 'SELECT * FROM experiments WHERE experiment_id = ?',
  experimentByName: 'SELECT * FROM experiments WHERE name = ?',
  experimentTags: 'SELECT key, value FROM experiment_tags WHERE experiment_id = ?',
  paramValue: 'SELECT value FROM params WHERE run_pk = ? AND key = ?',
  insertParam: 'INSERT INTO params (run_pk, key, value) VALUES (?, ?, ?)',
  upsertTag:
    'INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?) ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value',
  renameRunFromTag: 'UPDATE runs SET name = ? WHERE run_pk = ?',
} as const;

/** `?, ?, ?` for an IN list (at least one, so an empty list matches nothing). */
export const placeholders = (n: number): string =>
  n === 0 ? 'NULL' : Array(n).fill('?').join(', ');

/** Run statuses that end a run (an update to one sets its end time if unset). */
export const TERMINAL: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/** The experiment and run rows every part of the SQLite tracking store looks up by id. */
export class RowLookups {
  constructor(private readonly sql: Sql) {}

  experimentRow(experimentId: string): ExperimentRow {
    const id = Number(experimentId);
    if (!/^\d+$/.test(experimentId) || !Number.isSafeInteger(id)) {
      throw invalid(
        `Invalid experiment ID '${experimentId}'. Experiment ID must be a valid integer.`,
      );
    }
    const row = this.sql(SQL.experimentById).get(id) as ExperimentRow | undefined;
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return row;
  }

  runRow(runId: string): RunRow {
    const row = this.sql(SQL.runByUuid).get(runId) as RunRow | undefined;
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  activeRunRow(runId: string): RunRow {
    const row = this.runRow(runId);
    if (row.lifecycle_stage !== 'active') {
      throw invalid(
        `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }
}
