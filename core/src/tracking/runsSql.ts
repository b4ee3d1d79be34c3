import type Database from 'better-sqlite3';
import type {
  DatasetInput,
  KeyValue,
  LifecycleStage,
  ModelIo,
  Page,
  Run,
  RunInfo,
  RunStatus,
} from '../model';
import { invalid, notFound } from '../model/errors';
import { limitClause } from '../store';
import type { LoggedModelsSql } from './loggedModelsSql';
import type { MetricWriter } from './metricWriter';
import { decodePageToken, toPage } from './pageToken';
import { newRunId, runArtifactUri } from './runIds';
import { generateRunName } from './runNames';
import {
  groupByRun,
  toDataset,
  toMetric,
  toRunInfo,
  type DatasetRow,
  type MetricRow,
  type RunRow,
} from './rows';
import { compileRunSearch } from './search/sql';
import { placeholders, SQL, stagesFor, TERMINAL, type RowLookups, type Sql } from './sqlLookups';
import type { CreateRunInput, DatasetSummary, MetricInput, SearchRunsInput } from './store';

/** Runs one at a time in the SQLite tracking store: create, log, tag, link, search and load. */
export class RunsSql {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Sql,
    private readonly rows: RowLookups,
    private readonly metrics: MetricWriter,
    private readonly models: LoggedModelsSql,
  ) {}

  async createRun(input: CreateRunInput): Promise<Run> {
    const runId = newRunId();
    return this.db
      .transaction((): Run => {
        const experiment = this.rows.experimentRow(input.experimentId);
        if (experiment.lifecycle_stage !== 'active') {
          throw invalid(`The experiment ${input.experimentId} must be in the 'active' state.`);
        }
        const runNameTag = input.tags.find((t) => t.key === 'mlflow.runName')?.value;
        const name = input.runName || runNameTag || generateRunName();
        const artifactUri = runArtifactUri(experiment.artifact_location, runId);
        const result = this.sql(
          `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri)
             VALUES (?, ?, ?, ?, 'RUNNING', ?, ?)`,
        ).run(runId, experiment.experiment_id, name, input.userId, input.startTime, artifactUri);
        const pk = Number(result.lastInsertRowid);
        // The run as written, not read back: tags upserted in order (the last value of a key
        // wins), listed by key in SQLite's BINARY order as a read of the run lists them.
        const tags = new Map<string, string>();
        for (const tag of input.tags) {
          this.sql(SQL.upsertTag).run(pk, tag.key, tag.value);
          tags.set(tag.key, tag.value);
        }
        this.sql(SQL.upsertTag).run(pk, 'mlflow.runName', name);
        tags.set('mlflow.runName', name);
        const info = toRunInfo({
          run_pk: pk,
          run_uuid: runId,
          experiment_id: experiment.experiment_id,
          name,
          user_id: input.userId,
          status: 'RUNNING',
          start_time: input.startTime,
          end_time: null,
          artifact_uri: artifactUri,
          lifecycle_stage: 'active',
        });
        return {
          info,
          data: {
            metrics: [],
            params: [],
            tags: [...tags]
              .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
              .map(([key, value]) => ({ key, value })),
          },
          inputs: { datasetInputs: [], modelInputs: [] },
          outputs: { modelOutputs: [] },
        };
      })
      .immediate();
  }

  async getRun(runId: string): Promise<Run> {
    return this.loadRuns([this.rows.runRow(runId).run_pk])[0] as Run;
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    return this.db
      .transaction(() => {
        const row = this.rows.activeRunRow(runId);
        const status = update.status ?? (row.status as RunStatus);
        let endTime = update.endTime ?? row.end_time;
        if (endTime === null && TERMINAL.includes(status) && update.status) endTime = Date.now();
        const name = update.runName || row.name;
        this.sql('UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_pk = ?').run(
          status,
          endTime,
          name,
          row.run_pk,
        );
        if (update.runName) this.sql(SQL.upsertTag).run(row.run_pk, 'mlflow.runName', name);
        return toRunInfo({ ...row, status, end_time: endTime, name });
      })
      .immediate();
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.runRow(runId);
        this.sql('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_pk = ?').run(
          stage,
          stage === 'deleted' ? Date.now() : null,
          row.run_pk,
        );
      })
      .immediate();
  }

  async logBatch(
    runId: string,
    metrics: MetricInput[],
    params: KeyValue[],
    tags: KeyValue[],
  ): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.activeRunRow(runId);
        for (const param of params) {
          const existing = this.sql(SQL.paramValue).get(row.run_pk, param.key) as
            { value: string } | undefined;
          if (existing === undefined)
            this.sql(SQL.insertParam).run(row.run_pk, param.key, param.value);
          else if (existing.value !== param.value) {
            throw invalid(
              `Changing param values is not allowed. Param with key='${param.key}' was already logged with ` +
                `value='${existing.value}' for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
            );
          }
        }
        for (const tag of tags) {
          this.sql(SQL.upsertTag).run(row.run_pk, tag.key, tag.value);
          if (tag.key === 'mlflow.runName')
            this.sql(SQL.renameRunFromTag).run(tag.value, row.run_pk);
        }
        if (metrics.length > 0) this.metrics.write(row.run_pk, metrics);
        this.models.recordMetrics(runId, metrics);
      })
      .immediate();
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.activeRunRow(runId);
        const result = this.sql('DELETE FROM tags WHERE run_pk = ? AND key = ?').run(
          row.run_pk,
          key,
        );
        if (result.changes === 0)
          throw notFound(`No tag with name: ${key} in run with id ${runId}`);
      })
      .immediate();
  }

  async searchDatasets(experimentIds: string[], limit: number): Promise<DatasetSummary[]> {
    const rows = this.sql(
      `SELECT DISTINCT d.experiment_id, d.name, d.digest,
         (SELECT json_extract(t.value, '$.value') FROM json_each(i.tags) t
            WHERE json_extract(t.value, '$.key') = 'mlflow.data.context' LIMIT 1) AS context
       FROM datasets d JOIN run_inputs i ON i.dataset_pk = d.dataset_pk
       WHERE d.experiment_id IN (SELECT value FROM json_each(?))
       ORDER BY d.experiment_id, d.dataset_pk ${limitClause(limit)}`,
    ).all(JSON.stringify(experimentIds.map(Number).filter(Number.isSafeInteger))) as {
      experiment_id: number;
      name: string;
      digest: string;
      context: string | null;
    }[];
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      digest: r.digest,
      ...(r.context !== null ? { context: r.context } : {}),
    }));
  }

  async logInputs(runId: string, datasets: DatasetInput[], models: ModelIo[]): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.activeRunRow(runId);
        const upsertDataset = this.sql(
          `INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (experiment_id, name, digest) DO UPDATE SET source = datasets.source
           RETURNING dataset_pk`,
        );
        const link = this.sql(
          'INSERT OR IGNORE INTO run_inputs (run_pk, dataset_pk, tags) VALUES (?, ?, ?)',
        );
        for (const input of datasets) {
          const d = input.dataset;
          const { dataset_pk } = upsertDataset.get(
            row.experiment_id,
            d.name,
            d.digest,
            d.sourceType,
            d.source,
            d.schema ?? null,
            d.profile ?? null,
          ) as { dataset_pk: number };
          link.run(row.run_pk, dataset_pk, JSON.stringify(input.tags));
        }
        this.models.linkRun(row.run_pk, models, 'input');
      })
      .immediate();
  }

  async logOutputs(runId: string, models: ModelIo[]): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.activeRunRow(runId);
        this.models.linkRun(row.run_pk, models, 'output');
      })
      .immediate();
  }

  async experimentsWithRunTag(key: string, value: string): Promise<string[]> {
    // From the (key, value, run_pk) tag index: no experiment is scanned for its runs.
    const ids = this.sql(
      `SELECT DISTINCT r.experiment_id FROM tags t
         JOIN runs r ON r.run_pk = t.run_pk
         JOIN experiments e ON e.experiment_id = r.experiment_id
        WHERE t.key = ? AND t.value = ? AND r.lifecycle_stage = 'active'
          AND e.lifecycle_stage = 'active'
        ORDER BY r.experiment_id`,
    )
      .pluck()
      .all(key, value) as number[];
    return ids.map(String);
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const compiled = compileRunSearch(input.filter, input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const experimentIds = input.experimentIds.map(Number).filter(Number.isInteger);
    const stages = stagesFor(input.viewType);
    const sql = `SELECT r.run_pk FROM runs r ${compiled.joins}
      WHERE (${compiled.where})
        AND r.experiment_id IN (${placeholders(experimentIds.length)})
        AND r.lifecycle_stage IN (${placeholders(stages.length)})
      ORDER BY ${compiled.orderBy} ${limitClause(input.maxResults + 1, offset)}`;
    const pks = this.sql(sql)
      .pluck()
      .all(...compiled.params, ...experimentIds, ...stages) as number[];
    const page = toPage(pks, offset, input.maxResults);
    return { ...page, items: this.loadRuns(page.items) };
  }

  /** Loads whole runs (info, latest metrics, params, tags, inputs, outputs) keeping `runPks` order. */
  private loadRuns(runPks: number[]): Run[] {
    if (runPks.length === 0) return [];
    const ids = JSON.stringify(runPks);
    const inList = '(SELECT value FROM json_each(?))';
    const infos = new Map(
      (this.sql(`SELECT * FROM runs WHERE run_pk IN ${inList}`).all(ids) as RunRow[]).map((r) => [
        r.run_pk,
        r,
      ]),
    );
    const params = groupByRun(
      this.sql(`SELECT run_pk, key, value FROM params WHERE run_pk IN ${inList}`).all(
        ids,
      ) as (KeyValue & {
        run_pk: number;
      })[],
    );
    const tags = groupByRun(
      this.sql(`SELECT run_pk, key, value FROM tags WHERE run_pk IN ${inList}`).all(
        ids,
      ) as (KeyValue & {
        run_pk: number;
      })[],
    );
    const metrics = groupByRun(
      this.sql(
        `SELECT run_pk, key, value, is_nan, step, timestamp FROM metric_series WHERE run_pk IN ${inList}`,
      ).all(ids) as (MetricRow & { run_pk: number })[],
    );
    const inputs = groupByRun(
      this.sql(
        `SELECT i.run_pk, i.tags, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
           FROM run_inputs i JOIN datasets d ON d.dataset_pk = i.dataset_pk WHERE i.run_pk IN ${inList}`,
      ).all(ids) as (DatasetRow & { run_pk: number; tags: string })[],
    );
    const models = groupByRun(this.models.runLinks(ids));
    const strip = (kv: KeyValue): KeyValue => ({ key: kv.key, value: kv.value });
    return runPks.map((pk) => {
      const links = models.get(pk) ?? [];
      return {
        info: toRunInfo(infos.get(pk) as RunRow),
        data: {
          metrics: (metrics.get(pk) ?? []).map(toMetric),
          params: (params.get(pk) ?? []).map(strip),
          tags: (tags.get(pk) ?? []).map(strip),
        },
        inputs: {
          datasetInputs: (inputs.get(pk) ?? []).map((row) => ({
            tags: JSON.parse(row.tags) as KeyValue[],
            dataset: toDataset(row),
          })),
          modelInputs: links
            .filter((l) => l.direction === 'input')
            .map((l) => ({ modelId: l.model_id, step: l.step })),
        },
        outputs: {
          modelOutputs: links
            .filter((l) => l.direction === 'output')
            .map((l) => ({ modelId: l.model_id, step: l.step })),
        },
      };
    });
  }
}
