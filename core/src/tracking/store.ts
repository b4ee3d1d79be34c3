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
import type { UnitOfWork, WriteTransaction } from '../store';
import type { RunCell } from './cellsSql';
import type { DatasetFilter, LoggedModelOrder } from './search/loggedModelSearch';

/** A metric point as logged, with the MLflow 3 model and dataset links it may carry. */
export interface MetricInput extends Metric {
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  runName: string;
  startTime: number;
  tags: KeyValue[];
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  viewType: ViewType;
  maxResults: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface SearchExperimentsInput {
  filter?: string;
  viewType: ViewType;
  maxResults: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name: string;
  modelType?: string;
  sourceRunId?: string;
  tags: KeyValue[];
  params: KeyValue[];
}

export interface SearchLoggedModelsInput {
  experimentIds: string[];
  /** MLflow's filter grammar, as runs take it: attributes, `metrics.`, `params.`, `tags.`. */
  filter?: string;
  /** Metric clauses and metric orderings look only at points on these datasets. */
  datasets?: DatasetFilter[];
  /** Then creation time descending and model id ascending, unless named. */
  orderBy?: LoggedModelOrder[];
  maxResults: number;
  pageToken?: string;
}

/** A run written whole by {@link TrackingStore.insertRuns}: running, or already ended. */
export interface RecordedRunInput extends CreateRunInput {
  /** The run's id when the caller chose it (a new run id, see `newRunId`); a new one else. */
  runId?: string;
  status: RunStatus;
  /** When it ended; null while it runs. */
  endTime: number | null;
  params: KeyValue[];
  metrics: MetricInput[];
}

/** A change to a run made by {@link TrackingStore.updateRuns}. */
export interface RunUpdate {
  runId: string;
  status?: RunStatus;
  startTime?: number;
  endTime?: number;
  tags: KeyValue[];
  metrics: MetricInput[];
}

/** A dataset some run of an experiment used, and the context it was used in (MLflow's summary). */
export interface DatasetSummary {
  experimentId: string;
  name: string;
  digest: string;
  /** The input's `mlflow.data.context` tag (`training`, `eval`...), when it has one. */
  context?: string;
}

/** A metric point of one run, as `get-history-bulk-interval` returns it. */
export interface RunMetric extends Metric {
  runId: string;
}

/**
 * Persistence of the tracking model. Every method is async so that a networked store
 * (PostgreSQL) can implement the same contract; callers never see SQL.
 * Methods throw SextantError with RESOURCE_DOES_NOT_EXIST for unknown ids.
 */
export interface TrackingStore {
  createExperiment(
    name: string,
    artifactLocation: string | undefined,
    tags: KeyValue[],
  ): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, name: string): Promise<void>;
  setExperimentLifecycle(experimentId: string, stage: LifecycleStage): Promise<void>;
  setExperimentTag(experimentId: string, tag: KeyValue): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo>;
  setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void>;
  /** Writes metrics, params and tags atomically; refuses to change a logged param's value. */
  logBatch(
    runId: string,
    metrics: MetricInput[],
    params: KeyValue[],
    tags: KeyValue[],
  ): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  logInputs(runId: string, datasets: DatasetInput[], models: ModelIo[]): Promise<void>;
  /** Distinct datasets (with context) that runs of the experiments used, at most `limit`. */
  searchDatasets(experimentIds: string[], limit: number): Promise<DatasetSummary[]>;
  logOutputs(runId: string, models: ModelIo[]): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;
  /** Ids of the active experiments holding an active run tagged `key` = `value`, ascending. */
  experimentsWithRunTag(key: string, value: string): Promise<string[]>;

  /**
   * Whether this store's writes can take part in `unit`'s transactions (the same database and
   * connection): the batch writes below run only inside one.
   */
  joins(unit: UnitOfWork): boolean;
  /**
   * Writes runs whole, each with its tags, params and metrics, inside `tx` (a transaction of a
   * unit this store {@link joins}): a writer recording many runs at once (a pipeline's steps)
   * does so instead of a create, logs and an update each. Answers their infos in order; throws,
   * writing none, when an experiment is missing or deleted. Synchronous, as the unit is.
   */
  insertRuns(tx: WriteTransaction, runs: RecordedRunInput[]): RunInfo[];
  /**
   * Applies status, times, tags and metrics to active runs inside `tx`; throws, changing none,
   * when a run is missing or deleted.
   */
  updateRuns(tx: WriteTransaction, updates: RunUpdate[]): RunInfo[];
  getMetricHistory(
    runId: string,
    key: string,
    maxResults: number,
    pageToken?: string,
  ): Promise<Page<Metric>>;
  getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep: number | undefined,
    endStep: number | undefined,
    maxResults: number,
  ): Promise<RunMetric[]>;
  /** Min, max and point count of every metric series of a run, without reading the points. */
  metricRanges(runId: string): Promise<MetricRange[]>;
  /** The series downsampled to at most `budget` points, keeping each bucket's extremes. */
  sampleMetric(runId: string, key: string, budget: number): Promise<SampledSeries>;

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>>;
  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void>;
  deleteLoggedModel(modelId: string): Promise<void>;

  /** Appends executed notebook cells to a run, after those already recorded. */
  logCells(runId: string, cells: CellExecution[]): Promise<void>;
  /** The cells a run recorded, in execution order. */
  listCells(runId: string): Promise<RunCell[]>;
  /** The latest recorded execution of each cell id (for notebook cell badges). */
  findCells(cellIds: string[]): Promise<RunCell[]>;

  close(): Promise<void>;
}
