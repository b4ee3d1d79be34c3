import type Database from 'better-sqlite3';
import os from 'node:os';
import type { PipelineRun, PipelineRunStatus, StepRun, StepStatus } from '../../model/pipeline';
import { invalid, notFound } from '../../model/errors';
import { limitClause, StatementCache } from '../../store';
import { processAlive } from '../../compute';

interface PipelineRunRow {
  pipeline_run_id: string;
  pipeline: string;
  file: string;
  status: PipelineRunStatus;
  trigger_kind: PipelineRun['trigger']['kind'];
  trigger_detail: string | null;
  run_id: string | null;
  start_time: number;
  end_time: number | null;
  forced: number;
  owner_pid: number | null;
  owner_host: string | null;
}

interface StepRunRow {
  pipeline_run_id: string;
  step: string;
  status: StepStatus;
  cache_key: string | null;
  run_id: string | null;
  compute: string;
  attempts: number;
  start_time: number | null;
  end_time: number | null;
  exit_code: number | null;
  reason: string | null;
  external_id: string | null;
  environment: string | null;
}

/** A pipeline run that was left `running` by a process that is gone. */
export interface OrphanedRun {
  run: PipelineRun;
  ownerPid: number | null;
}

function stepOf(row: StepRunRow): StepRun {
  return {
    step: row.step,
    status: row.status,
    ...(row.cache_key !== null ? { cacheKey: row.cache_key } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    compute: row.compute,
    attempts: row.attempts,
    ...(row.start_time !== null ? { startTime: row.start_time } : {}),
    ...(row.end_time !== null ? { endTime: row.end_time } : {}),
    ...(row.exit_code !== null ? { exitCode: row.exit_code } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    ...(row.environment !== null ? { environment: row.environment } : {}),
  };
}

/** Pipeline runs and their step runs in SQLite (`pipeline_runs`, `step_runs`). */
export class PipelineRunStore {
  private readonly sql: StatementCache;

  constructor(private readonly db: Database.Database) {
    this.sql = new StatementCache(db);
  }

  /** Records a new run and its steps, owned by this process. */
  insert(run: PipelineRun): void {
    this.db.transaction(() => {
      this.sql
        .get(
          `INSERT INTO pipeline_runs (pipeline_run_id, pipeline, file, status, trigger_kind,
             trigger_detail, run_id, start_time, end_time, forced, owner_pid, owner_host)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.pipelineRunId,
          run.pipeline,
          run.file,
          run.status,
          run.trigger.kind,
          run.trigger.detail ?? null,
          run.runId ?? null,
          run.startTime,
          run.endTime ?? null,
          run.forced ? 1 : 0,
          process.pid,
          os.hostname(),
        );
      run.steps.forEach((step, seq) => this.putStep(run.pipelineRunId, step, seq));
    })();
  }

  /**
   * Records a new run unless a run of the same pipeline is still running in a live process
   * (checked and inserted in one transaction, so two Sextants cannot both start it); answers
   * the running one instead.
   */
  insertUnlessRunning(run: PipelineRun): PipelineRun | undefined {
    return this.db
      .transaction(() => {
        const [busy] = this.active(run.file, run.pipeline);
        if (busy) return busy;
        this.insert(run);
        return undefined;
      })
      .immediate();
  }

  /** Saves a step's state. */
  updateStep(pipelineRunId: string, step: StepRun): void {
    this.sql
      .get(
        `UPDATE step_runs SET status = ?, cache_key = ?, run_id = ?, compute = ?, attempts = ?,
           start_time = ?, end_time = ?, exit_code = ?, reason = ?, external_id = ?,
           environment = ?
         WHERE pipeline_run_id = ? AND step = ?`,
      )
      .run(...stepValues(step), pipelineRunId, step.step);
  }

  /** Saves a run's own state (not its steps). */
  updateRun(run: PipelineRun): void {
    this.sql
      .get(
        'UPDATE pipeline_runs SET status = ?, run_id = ?, end_time = ? WHERE pipeline_run_id = ?',
      )
      .run(run.status, run.runId ?? null, run.endTime ?? null, run.pipelineRunId);
  }

  /**
   * Asks the process that drives a running run to stop it (it checks, see
   * {@link cancelRequested}); false when the run is not running.
   */
  requestCancel(pipelineRunId: string): boolean {
    return (
      this.sql
        .get(
          "UPDATE pipeline_runs SET cancel_requested = 1 WHERE pipeline_run_id = ? AND status = 'running'",
        )
        .run(pipelineRunId).changes > 0
    );
  }

  /** Whether another process asked for the run to stop. */
  cancelRequested(pipelineRunId: string): boolean {
    return (
      this.sql
        .get('SELECT cancel_requested FROM pipeline_runs WHERE pipeline_run_id = ?')
        .pluck()
        .get(pipelineRunId) === 1
    );
  }

  /** Whether the process that drives a run is gone (known only for one on this machine). */
  ownerGone(pipelineRunId: string): boolean {
    const row = this.sql
      .get('SELECT owner_pid, owner_host FROM pipeline_runs WHERE pipeline_run_id = ?')
      .get(pipelineRunId) as { owner_pid: number | null; owner_host: string | null } | undefined;
    if (!row || row.owner_pid === null) return true;
    return row.owner_host === os.hostname() && !processAlive(row.owner_pid);
  }

  get(pipelineRunId: string): PipelineRun | undefined {
    const row = this.sql
      .get('SELECT * FROM pipeline_runs WHERE pipeline_run_id = ?')
      .get(pipelineRunId) as PipelineRunRow | undefined;
    return row ? this.withSteps(row) : undefined;
  }

  /**
   * The full id of the run that `prefix` starts (a whole id, or the first characters of one, as
   * `sextant pipeline runs` lists them); throws when no run, or more than one, matches.
   */
  resolveId(prefix: string): string {
    if (!/^[0-9a-f-]{4,36}$/i.test(prefix)) {
      throw invalid(
        `'${prefix}' is not a pipeline run id: give the id, or its first 4 or more characters`,
      );
    }
    const ids = this.sql
      .get(
        'SELECT pipeline_run_id FROM pipeline_runs WHERE pipeline_run_id >= ? AND pipeline_run_id < ? LIMIT 2',
      )
      .pluck()
      .all(prefix.toLowerCase(), `${prefix.toLowerCase()}\u{10FFFF}`) as string[];
    if (ids.length === 0) throw notFound(`no pipeline run '${prefix}'`);
    if (ids.length > 1) {
      throw invalid(`'${prefix}' starts more than one pipeline run id: give more of it`);
    }
    return ids[0] as string;
  }

  /** Runs, newest first, optionally of one file and pipeline. */
  list(filter: { file?: string; pipeline?: string; limit: number }): PipelineRun[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.file !== undefined) {
      where.push('file = ?');
      args.push(filter.file);
    }
    if (filter.pipeline !== undefined) {
      where.push('pipeline = ?');
      args.push(filter.pipeline);
    }
    const rows = this.sql
      .get(
        `SELECT * FROM pipeline_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY start_time DESC, rowid DESC ${limitClause(filter.limit)}`,
      )
      .all(...args) as PipelineRunRow[];
    return rows.map((row) => this.withSteps(row));
  }

  /**
   * The newest execution of a step of a pipeline that got as far as running or the cache
   * (`done`, `cached`, `failed`, `running`), with its run id.
   */
  latestExecution(
    file: string,
    pipeline: string,
    step: string,
  ): { pipelineRunId: string; step: StepRun } | undefined {
    const row = this.sql
      .get(
        `SELECT s.* FROM step_runs s JOIN pipeline_runs p USING (pipeline_run_id)
         WHERE p.file = ? AND p.pipeline = ? AND s.step = ?
           AND s.status IN ('done', 'cached', 'failed', 'running')
         ORDER BY COALESCE(s.start_time, p.start_time) DESC LIMIT 1`,
      )
      .get(file, pipeline, step) as StepRunRow | undefined;
    return row ? { pipelineRunId: row.pipeline_run_id, step: stepOf(row) } : undefined;
  }

  /**
   * The cache keys of the newest `keep` versions of every step (one file, pipeline and step) that
   * ended `done` or came from the cache, newest first by their last use; and the keys of every
   * step of a run still marked running. What a cache collection keeps.
   */
  cacheKeysInUse(keep: number): Set<string> {
    return this.newestPerStep('cache_key', "s.status IN ('done', 'cached')", keep);
  }

  /**
   * The virtual environments (requirements hashes) of the newest `keep` environments every step
   * ran in, by last use, and those of the steps of runs still marked running.
   */
  environmentsInUse(keep: number): Set<string> {
    return this.newestPerStep('environment', 'TRUE', keep);
  }

  /** Every virtual environment a step record names. */
  environmentsRecorded(): Set<string> {
    return new Set(
      this.sql
        .get('SELECT DISTINCT environment FROM step_runs WHERE environment IS NOT NULL')
        .pluck()
        .all() as string[],
    );
  }

  /**
   * The `keep` newest distinct values of a step record's column for each step (by the last time
   * a record with that value ran, among those `where` picks), with the values of runs in flight.
   */
  private newestPerStep(
    column: 'cache_key' | 'environment',
    where: string,
    keep: number,
  ): Set<string> {
    const values = this.sql
      .get(
        `SELECT value FROM (
           SELECT value, ROW_NUMBER() OVER (
             PARTITION BY file, pipeline, step ORDER BY last_used DESC, value) AS version
           FROM (
             SELECT p.file, p.pipeline, s.step, s.${column} AS value,
                    MAX(COALESCE(s.end_time, s.start_time, p.start_time)) AS last_used
             FROM step_runs s JOIN pipeline_runs p USING (pipeline_run_id)
             WHERE ${where} AND s.${column} IS NOT NULL
             GROUP BY p.file, p.pipeline, s.step, s.${column}))
         WHERE version <= ?
         UNION
         SELECT s.${column} FROM step_runs s JOIN pipeline_runs p USING (pipeline_run_id)
         WHERE p.status = 'running' AND s.${column} IS NOT NULL`,
      )
      .pluck()
      .all(keep) as string[];
    return new Set(values);
  }

  /** Runs marked running whose process is alive (or on another machine, so not known gone). */
  inFlight(): PipelineRun[] {
    const orphans = new Set(this.orphaned().map((o) => o.run.pipelineRunId));
    const rows = this.sql
      .get("SELECT * FROM pipeline_runs WHERE status = 'running'")
      .all() as PipelineRunRow[];
    return rows.filter((r) => !orphans.has(r.pipeline_run_id)).map((r) => this.withSteps(r));
  }

  /** Runs still marked running whose owning process (on this machine) is gone. */
  orphaned(): OrphanedRun[] {
    const rows = this.sql
      .get("SELECT * FROM pipeline_runs WHERE status = 'running'")
      .all() as PipelineRunRow[];
    return rows
      .filter(
        (row) =>
          row.owner_pid === null ||
          (row.owner_host === os.hostname() &&
            row.owner_pid !== process.pid &&
            !processAlive(row.owner_pid)),
      )
      .map((row) => ({ run: this.withSteps(row), ownerPid: row.owner_pid }));
  }

  /** Runs of one pipeline still marked running by a live process. */
  active(file: string, pipeline: string): PipelineRun[] {
    return this.inFlight().filter((r) => r.file === file && r.pipeline === pipeline);
  }

  /** Step runs of any pipeline run, in execution order, that used a tracking run id. */
  stepByRunId(runId: string): { pipelineRunId: string; step: StepRun } | undefined {
    const row = this.sql.get('SELECT * FROM step_runs WHERE run_id = ?').get(runId) as
      StepRunRow | undefined;
    return row ? { pipelineRunId: row.pipeline_run_id, step: stepOf(row) } : undefined;
  }

  private putStep(pipelineRunId: string, step: StepRun, seq: number): void {
    this.sql
      .get(
        `INSERT INTO step_runs (status, cache_key, run_id, compute, attempts, start_time, end_time,
           exit_code, reason, external_id, environment, pipeline_run_id, step, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...stepValues(step), pipelineRunId, step.step, seq);
  }

  private withSteps(row: PipelineRunRow): PipelineRun {
    const steps = this.sql
      .get('SELECT * FROM step_runs WHERE pipeline_run_id = ? ORDER BY seq')
      .all(row.pipeline_run_id) as StepRunRow[];
    return {
      pipelineRunId: row.pipeline_run_id,
      pipeline: row.pipeline,
      file: row.file,
      status: row.status,
      trigger: {
        kind: row.trigger_kind,
        ...(row.trigger_detail !== null ? { detail: row.trigger_detail } : {}),
      },
      ...(row.run_id !== null ? { runId: row.run_id } : {}),
      startTime: row.start_time,
      ...(row.end_time !== null ? { endTime: row.end_time } : {}),
      forced: row.forced === 1,
      steps: steps.map(stepOf),
    };
  }
}

function stepValues(step: StepRun): unknown[] {
  return [
    step.status,
    step.cacheKey ?? null,
    step.runId ?? null,
    step.compute,
    step.attempts,
    step.startTime ?? null,
    step.endTime ?? null,
    step.exitCode ?? null,
    step.reason ?? null,
    step.externalId ?? null,
    step.environment ?? null,
  ];
}
