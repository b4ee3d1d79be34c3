import type Database from 'better-sqlite3';
import type { RunInfo, RunStatus } from '../model';
import { invalid } from '../model/errors';
import type { WriteTransaction } from '../store';
import type { LoggedModelsSql } from './loggedModelsSql';
import type { MetricWriter } from './metricWriter';
import { newRunId, runArtifactUri } from './runIds';
import { generateRunName } from './runNames';
import { toRunInfo, type ExperimentRow } from './rows';
import { SQL, TERMINAL, type RowLookups, type Sql } from './sqlLookups';
import type { RecordedRunInput, RunUpdate } from './store';

/** Runs written in bulk in the SQLite tracking store (tracking's batch-write port). */
export class RunBatchSql {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Sql,
    private readonly rows: RowLookups,
    private readonly metrics: MetricWriter,
    private readonly models: LoggedModelsSql,
  ) {}

  /** The batch writes run inside the unit's transaction (a savepoint of it, so all or none). */
  insertRuns(_tx: WriteTransaction, runs: RecordedRunInput[]): RunInfo[] {
    const experiments = new Map<string, ExperimentRow>();
    return this.db
      .transaction((): RunInfo[] =>
        runs.map((input) => {
          let experiment = experiments.get(input.experimentId);
          if (!experiment) {
            experiment = this.rows.experimentRow(input.experimentId);
            experiments.set(input.experimentId, experiment);
          }
          if (experiment.lifecycle_stage !== 'active') {
            throw invalid(`The experiment ${input.experimentId} must be in the 'active' state.`);
          }
          const runId = input.runId ?? newRunId();
          const runNameTag = input.tags.find((t) => t.key === 'mlflow.runName')?.value;
          const name = input.runName || runNameTag || generateRunName();
          const artifactUri = runArtifactUri(experiment.artifact_location, runId);
          const result = this.sql(
            `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            runId,
            experiment.experiment_id,
            name,
            input.userId,
            input.status,
            input.startTime,
            input.endTime,
            artifactUri,
          );
          const pk = Number(result.lastInsertRowid);
          for (const tag of input.tags) this.sql(SQL.upsertTag).run(pk, tag.key, tag.value);
          this.sql(SQL.upsertTag).run(pk, 'mlflow.runName', name);
          for (const param of input.params)
            this.sql(SQL.insertParam).run(pk, param.key, param.value);
          if (input.metrics.length > 0) {
            this.metrics.write(pk, input.metrics);
            this.models.recordMetrics(runId, input.metrics);
          }
          return toRunInfo({
            run_pk: pk,
            run_uuid: runId,
            experiment_id: experiment.experiment_id,
            name,
            user_id: input.userId,
            status: input.status,
            start_time: input.startTime,
            end_time: input.endTime,
            artifact_uri: artifactUri,
            lifecycle_stage: 'active',
          });
        }),
      )
      .immediate();
  }

  updateRuns(_tx: WriteTransaction, updates: RunUpdate[]): RunInfo[] {
    return this.db
      .transaction((): RunInfo[] =>
        updates.map((update) => {
          const row = this.rows.activeRunRow(update.runId);
          const status = update.status ?? (row.status as RunStatus);
          let endTime = update.endTime ?? row.end_time;
          if (endTime === null && TERMINAL.includes(status) && update.status) endTime = Date.now();
          const startTime = update.startTime ?? row.start_time;
          this.sql('UPDATE runs SET status = ?, start_time = ?, end_time = ? WHERE run_pk = ?').run(
            status,
            startTime,
            endTime,
            row.run_pk,
          );
          for (const tag of update.tags)
            this.sql(SQL.upsertTag).run(row.run_pk, tag.key, tag.value);
          if (update.metrics.length > 0) {
            this.metrics.write(row.run_pk, update.metrics);
            this.models.recordMetrics(update.runId, update.metrics);
          }
          return toRunInfo({ ...row, status, start_time: startTime, end_time: endTime });
        }),
      )
      .immediate();
  }
}
