import type Database from 'better-sqlite3';
import type { CellExecution, KeyValue, LoggedModel, LoggedModelStatus, Page } from '../model';
import { SqliteUnitOfWork, StatementCache, type UnitOfWork } from '../store';
import { CellsSql, type RunCell } from './cellsSql';
import { ExperimentsSql } from './experimentsSql';
import { LoggedModelsSql } from './loggedModelsSql';
import { MetricReadsSql } from './metricReadsSql';
import { MetricWriter } from './metricWriter';
import { RunBatchSql } from './runBatchSql';
import { RunsSql } from './runsSql';
import { RowLookups } from './sqlLookups';
import type { CreateLoggedModelInput, SearchLoggedModelsInput, TrackingStore } from './store';

/**
 * The tracking store on SQLite (better-sqlite3). Writes that read first run IMMEDIATE. It
 * composes one part per thing it holds, over one connection and statement cache: experiments
 * ({@link ExperimentsSql}), runs ({@link RunsSql}), runs written in bulk ({@link RunBatchSql}),
 * metric reads ({@link MetricReadsSql}), logged models ({@link LoggedModelsSql}) and notebook
 * cells ({@link CellsSql}).
 */
export class SqliteTrackingStore implements TrackingStore {
  private readonly experiments: ExperimentsSql;
  private readonly runs: RunsSql;
  private readonly batch: RunBatchSql;
  private readonly metricReads: MetricReadsSql;
  private readonly models: LoggedModelsSql;
  private readonly cells: CellsSql;
  private readonly rows: RowLookups;

  constructor(
    private readonly db: Database.Database,
    artifactRootUri = 'mlflow-artifacts:/',
  ) {
    const cache = new StatementCache(db);
    const sql = (text: string): Database.Statement => cache.get(text);
    const metrics = new MetricWriter(db);
    this.rows = new RowLookups(sql);
    this.models = new LoggedModelsSql(db, sql);
    this.cells = new CellsSql(sql);
    this.experiments = new ExperimentsSql(db, sql, this.rows, artifactRootUri);
    this.runs = new RunsSql(db, sql, this.rows, metrics, this.models);
    this.batch = new RunBatchSql(db, sql, this.rows, metrics, this.models);
    this.metricReads = new MetricReadsSql(db, sql, this.rows);
    this.experiments.ensureDefaultExperiment();
  }

  joins(unit: UnitOfWork): boolean {
    return unit instanceof SqliteUnitOfWork && unit.writesThrough(this.db);
  }

  readonly createExperiment: TrackingStore['createExperiment'] = (...a) =>
    this.experiments.createExperiment(...a);
  readonly getExperiment: TrackingStore['getExperiment'] = (...a) =>
    this.experiments.getExperiment(...a);
  readonly getExperimentByName: TrackingStore['getExperimentByName'] = (...a) =>
    this.experiments.getExperimentByName(...a);
  readonly searchExperiments: TrackingStore['searchExperiments'] = (...a) =>
    this.experiments.searchExperiments(...a);
  readonly renameExperiment: TrackingStore['renameExperiment'] = (...a) =>
    this.experiments.renameExperiment(...a);
  readonly setExperimentLifecycle: TrackingStore['setExperimentLifecycle'] = (...a) =>
    this.experiments.setExperimentLifecycle(...a);
  readonly setExperimentTag: TrackingStore['setExperimentTag'] = (...a) =>
    this.experiments.setExperimentTag(...a);
  readonly deleteExperimentTag: TrackingStore['deleteExperimentTag'] = (...a) =>
    this.experiments.deleteExperimentTag(...a);

  readonly createRun: TrackingStore['createRun'] = (...a) => this.runs.createRun(...a);
  readonly getRun: TrackingStore['getRun'] = (...a) => this.runs.getRun(...a);
  readonly updateRun: TrackingStore['updateRun'] = (...a) => this.runs.updateRun(...a);
  readonly setRunLifecycle: TrackingStore['setRunLifecycle'] = (...a) =>
    this.runs.setRunLifecycle(...a);
  readonly logBatch: TrackingStore['logBatch'] = (...a) => this.runs.logBatch(...a);
  readonly deleteTag: TrackingStore['deleteTag'] = (...a) => this.runs.deleteTag(...a);
  readonly logInputs: TrackingStore['logInputs'] = (...a) => this.runs.logInputs(...a);
  readonly searchDatasets: TrackingStore['searchDatasets'] = (...a) =>
    this.runs.searchDatasets(...a);
  readonly logOutputs: TrackingStore['logOutputs'] = (...a) => this.runs.logOutputs(...a);
  readonly searchRuns: TrackingStore['searchRuns'] = (...a) => this.runs.searchRuns(...a);
  readonly experimentsWithRunTag: TrackingStore['experimentsWithRunTag'] = (...a) =>
    this.runs.experimentsWithRunTag(...a);

  readonly insertRuns: TrackingStore['insertRuns'] = (...a) => this.batch.insertRuns(...a);
  readonly updateRuns: TrackingStore['updateRuns'] = (...a) => this.batch.updateRuns(...a);

  readonly getMetricHistory: TrackingStore['getMetricHistory'] = (...a) =>
    this.metricReads.getMetricHistory(...a);
  readonly getMetricHistoryBulkInterval: TrackingStore['getMetricHistoryBulkInterval'] = (...a) =>
    this.metricReads.getMetricHistoryBulkInterval(...a);
  readonly metricRanges: TrackingStore['metricRanges'] = (...a) =>
    this.metricReads.metricRanges(...a);
  readonly sampleMetric: TrackingStore['sampleMetric'] = (...a) =>
    this.metricReads.sampleMetric(...a);

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return this.db
      .transaction(() => {
        const experiment = this.rows.experimentRow(input.experimentId);
        // As MLflow does, a source run id is recorded as given: the run may live in another
        // server, or be written after the model (MLflow's own tests create one with "123").
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
      .transaction(() => this.cells.append(this.rows.activeRunRow(runId).run_pk, cells))
      .immediate();
  }

  async listCells(runId: string): Promise<RunCell[]> {
    return this.cells.ofRun(this.rows.runRow(runId).run_pk);
  }

  async findCells(cellIds: string[]): Promise<RunCell[]> {
    return this.cells.latestOf(cellIds);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
