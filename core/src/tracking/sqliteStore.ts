import type Database from 'better-sqlite3';
import type {
  CellExecution,
  DatasetInput,
  Experiment,
  KeyValue,
  LifecycleStage,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricRange,
  ModelIo,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SampledSeries,
  ViewType,
} from '../model';
import { invalid, notFound, SextantError } from '../model/errors';
import {
  BLOCK_LEVELS,
  StatementCache,
  SqliteUnitOfWork,
  type UnitOfWork,
  type WriteTransaction,
} from '../store';
import { CellsSql, type RunCell } from './cellsSql';
import { LoggedModelsSql } from './loggedModelsSql';
import { MetricWriter } from './metricWriter';
import { newRunId, runArtifactUri } from './runIds';
import { generateRunName } from './runNames';
import { decodePageToken, toPage } from './pageToken';
import {
  groupByRun,
  toDataset,
  toExperiment,
  toMetric,
  toRunInfo,
  type DatasetRow,
  type ExperimentRow,
  type MetricRow,
  type RunRow,
} from './rows';
import { sampleSeries } from './sampleSql';
import { compileExperimentSearch, compileRunSearch } from './search/sql';
import type {
  CreateLoggedModelInput,
  CreateRunInput,
  MetricInput,
  RecordedRunInput,
  RunMetric,
  RunUpdate,
  SearchExperimentsInput,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
} from './store';

const stagesFor = (viewType: ViewType): string[] =>
  viewType === 'ALL'
    ? ['active', 'deleted']
    : viewType === 'DELETED_ONLY'
      ? ['deleted']
      : ['active'];

/** Statements of the hot paths, prepared once through the statement cache. */
const SQL = {
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
const placeholders = (n: number): string => (n === 0 ? 'NULL' : Array(n).fill('?').join(', '));

const TERMINAL: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/** The tracking store on SQLite (better-sqlite3). Writes that read first run IMMEDIATE. */
export class SqliteTrackingStore implements TrackingStore {
  private readonly metrics: MetricWriter;
  private readonly models: LoggedModelsSql;
  private readonly cells: CellsSql;
  private readonly sql: (text: string) => Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly artifactRootUri = 'mlflow-artifacts:/',
  ) {
    const cache = new StatementCache(db);
    this.sql = (text) => cache.get(text);
    this.metrics = new MetricWriter(db);
    this.models = new LoggedModelsSql(db, this.sql);
    this.cells = new CellsSql(this.sql);
    this.ensureDefaultExperiment();
  }

  joins(unit: UnitOfWork): boolean {
    return unit instanceof SqliteUnitOfWork && unit.writesThrough(this.db);
  }

  private ensureDefaultExperiment(): void {
    const now = Date.now();
    this.sql(
      `INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
         VALUES (0, 'Default', ?, ?, ?)`,
    ).run(`${this.artifactRootUri}0`, now, now);
  }

  private experimentRow(experimentId: string): ExperimentRow {
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

  private runRow(runId: string): RunRow {
    const row = this.sql(SQL.runByUuid).get(runId) as RunRow | undefined;
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  private activeRunRow(runId: string): RunRow {
    const row = this.runRow(runId);
    if (row.lifecycle_stage !== 'active') {
      throw invalid(
        `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }

  async createExperiment(
    name: string,
    artifactLocation: string | undefined,
    tags: KeyValue[],
  ): Promise<string> {
    return this.db
      .transaction(() => {
        if (this.sql(SQL.experimentByName).get(name)) {
          throw new SextantError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
        }
        const now = Date.now();
        const result = this.sql(
          'INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?)',
        ).run(name, artifactLocation ?? '', now, now);
        const id = Number(result.lastInsertRowid);
        if (!artifactLocation) {
          this.sql('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?').run(
            `${this.artifactRootUri}${id}`,
            id,
          );
        }
        const insertTag = this.sql(
          'INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)',
        );
        for (const tag of tags) insertTag.run(id, tag.key, tag.value);
        return String(id);
      })
      .immediate();
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const row = this.experimentRow(experimentId);
    return toExperiment(row, this.sql(SQL.experimentTags).all(row.experiment_id) as KeyValue[]);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = this.sql(SQL.experimentByName).get(name) as ExperimentRow | undefined;
    return (
      row && toExperiment(row, this.sql(SQL.experimentTags).all(row.experiment_id) as KeyValue[])
    );
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const compiled = compileExperimentSearch(input.filter, input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const rows = this.sql(
      `SELECT e.* FROM experiments e
         WHERE e.lifecycle_stage IN (SELECT value FROM json_each(?)) AND (${compiled.where})
         ORDER BY ${compiled.orderBy} LIMIT ? OFFSET ?`,
    ).all(
      JSON.stringify(stagesFor(input.viewType)),
      ...compiled.params,
      input.maxResults + 1,
      offset,
    ) as ExperimentRow[];
    const page = toPage(rows, offset, input.maxResults);
    return {
      ...page,
      items: page.items.map((row) =>
        toExperiment(row, this.sql(SQL.experimentTags).all(row.experiment_id) as KeyValue[]),
      ),
    };
  }

  async renameExperiment(experimentId: string, name: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.experimentRow(experimentId);
        if (row.lifecycle_stage !== 'active') {
          throw invalid(`Cannot rename a non-active experiment ${experimentId}.`);
        }
        const clash = this.sql(SQL.experimentByName).get(name) as ExperimentRow | undefined;
        if (clash && clash.experiment_id !== row.experiment_id) {
          throw new SextantError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
        }
        this.sql(
          'UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?',
        ).run(name, Date.now(), row.experiment_id);
      })
      .immediate();
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.experimentRow(experimentId);
        if (stage === 'deleted' && row.experiment_id === 0) {
          throw invalid(
            'Cannot delete the default experiment 0. This is an internally reserved experiment.',
          );
        }
        if (row.lifecycle_stage === stage) {
          throw invalid(
            `Cannot ${stage === 'deleted' ? 'delete' : 'restore'} experiment ${experimentId}: it is already ${stage}.`,
          );
        }
        const now = Date.now();
        this.sql(
          'UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?',
        ).run(stage, now, row.experiment_id);
        this.sql(
          'UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage != ?',
        ).run(stage, stage === 'deleted' ? now : null, row.experiment_id, stage);
      })
      .immediate();
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.experimentRow(experimentId);
        if (row.lifecycle_stage !== 'active') {
          throw invalid(`The experiment ${experimentId} must be in the 'active' state.`);
        }
        this.sql(
          'INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)',
        ).run(row.experiment_id, tag.key, tag.value);
      })
      .immediate();
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.experimentRow(experimentId);
        const result = this.sql(
          'DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?',
        ).run(row.experiment_id, key);
        if (result.changes === 0)
          throw notFound(`No tag with name: ${key} in experiment ${experimentId}.`);
      })
      .immediate();
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const runId = newRunId();
    return this.db
      .transaction((): Run => {
        const experiment = this.experimentRow(input.experimentId);
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

  /** The batch writes run inside the unit's transaction (a savepoint of it, so all or none). */
  insertRuns(_tx: WriteTransaction, runs: RecordedRunInput[]): RunInfo[] {
    const experiments = new Map<string, ExperimentRow>();
    return this.db
      .transaction((): RunInfo[] =>
        runs.map((input) => {
          let experiment = experiments.get(input.experimentId);
          if (!experiment) {
            experiment = this.experimentRow(input.experimentId);
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
          const row = this.activeRunRow(update.runId);
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

  async getRun(runId: string): Promise<Run> {
    return this.loadRuns([this.runRow(runId).run_pk])[0] as Run;
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    return this.db
      .transaction(() => {
        const row = this.activeRunRow(runId);
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
        const row = this.runRow(runId);
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
        const row = this.activeRunRow(runId);
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
        const row = this.activeRunRow(runId);
        const result = this.sql('DELETE FROM tags WHERE run_pk = ? AND key = ?').run(
          row.run_pk,
          key,
        );
        if (result.changes === 0)
          throw notFound(`No tag with name: ${key} in run with id ${runId}`);
      })
      .immediate();
  }

  async logInputs(runId: string, datasets: DatasetInput[], models: ModelIo[]): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.activeRunRow(runId);
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
        const row = this.activeRunRow(runId);
        this.models.linkRun(row.run_pk, models, 'output');
      })
      .immediate();
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
      ORDER BY ${compiled.orderBy} LIMIT ? OFFSET ?`;
    const pks = this.sql(sql)
      .pluck()
      .all(
        ...compiled.params,
        ...experimentIds,
        ...stages,
        input.maxResults + 1,
        offset,
      ) as number[];
    const page = toPage(pks, offset, input.maxResults);
    return { ...page, items: this.loadRuns(page.items) };
  }

  async getMetricHistory(
    runId: string,
    key: string,
    maxResults: number,
    pageToken?: string,
  ): Promise<Page<Metric>> {
    const row = this.runRow(runId);
    const offset = decodePageToken(pageToken);
    const rows = this.sql(
      `SELECT ? AS key, p.value, p.is_nan, p.step, p.timestamp FROM metric_points p
         JOIN metric_series s ON s.series_id = p.series_id
         WHERE s.run_pk = ? AND s.key = ? ORDER BY p.step, p.timestamp LIMIT ? OFFSET ?`,
    ).all(key, row.run_pk, key, maxResults + 1, offset) as MetricRow[];
    const page = toPage(rows, offset, maxResults);
    return { ...page, items: page.items.map(toMetric) };
  }

  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
    maxResults: number,
  ): Promise<RunMetric[]> {
    const out: RunMetric[] = [];
    for (const runId of runIds) {
      const row = this.runRow(runId);
      const steps = this.sql(
        `SELECT DISTINCT p.step FROM metric_points p JOIN metric_series s ON s.series_id = p.series_id
           WHERE s.run_pk = ? AND s.key = ? AND p.step BETWEEN ? AND ? ORDER BY p.step`,
      )
        .pluck()
        .all(
          row.run_pk,
          key,
          startStep ?? Number.MIN_SAFE_INTEGER,
          endStep ?? Number.MAX_SAFE_INTEGER,
        ) as number[];
      const chosen = new Set<number>();
      if (steps.length <= maxResults) steps.forEach((s) => chosen.add(s));
      else {
        for (let i = 0; i < maxResults; i++) {
          chosen.add(
            steps[Math.round((i * (steps.length - 1)) / Math.max(1, maxResults - 1))] as number,
          );
        }
      }
      const rows = this.sql(
        `SELECT ? AS key, p.value, p.is_nan, p.step, p.timestamp FROM metric_points p
           JOIN metric_series s ON s.series_id = p.series_id
           WHERE s.run_pk = ? AND s.key = ? AND p.step IN (SELECT value FROM json_each(?))
           ORDER BY p.step, p.timestamp`,
      ).all(key, row.run_pk, key, JSON.stringify([...chosen])) as MetricRow[];
      for (const metricRow of rows) out.push({ ...toMetric(metricRow), runId });
    }
    return out;
  }

  async metricRanges(runId: string): Promise<MetricRange[]> {
    return this.sql(
      `SELECT s.key, s.points, min(b.min_value) AS min, max(b.max_value) AS max
       FROM metric_series s JOIN metric_blocks b ON b.series_id = s.series_id AND b.level = ?
       WHERE s.run_pk = ? GROUP BY s.series_id ORDER BY s.key`,
    ).all(BLOCK_LEVELS - 1, this.runRow(runId).run_pk) as MetricRange[];
  }

  async sampleMetric(runId: string, key: string, budget: number): Promise<SampledSeries> {
    return sampleSeries(this.db, this.runRow(runId).run_pk, runId, key, budget);
  }

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return this.db
      .transaction(() => {
        const experiment = this.experimentRow(input.experimentId);
        if (input.sourceRunId) this.runRow(input.sourceRunId);
        return this.models.create(experiment.experiment_id, experiment.artifact_location, input);
      })
      .immediate();
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.models.get(modelId);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.db.transaction(() => this.models.finalize(modelId, status)).immediate();
  }

  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return this.models.search(input);
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    this.db.transaction(() => this.models.setTags(modelId, tags)).immediate();
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    this.db.transaction(() => this.models.deleteTag(modelId, key)).immediate();
  }

  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    this.db.transaction(() => this.models.logParams(modelId, params)).immediate();
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    this.db.transaction(() => this.models.delete(modelId)).immediate();
  }

  async logCells(runId: string, cells: CellExecution[]): Promise<void> {
    this.db
      .transaction(() => this.cells.append(this.activeRunRow(runId).run_pk, cells))
      .immediate();
  }

  async listCells(runId: string): Promise<RunCell[]> {
    return this.cells.ofRun(this.runRow(runId).run_pk);
  }

  async findCells(cellIds: string[]): Promise<RunCell[]> {
    return this.cells.latestOf(cellIds);
  }

  async close(): Promise<void> {
    this.db.close();
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
