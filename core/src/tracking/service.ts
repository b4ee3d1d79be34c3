import type {
  CellExecution,
  DatasetInput,
  Experiment,
  KeyValue,
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
import { invalid } from '../model/errors';
import type { UnitOfWork } from '../store';
import { trackingBatchWriter, type TrackingBatchWriter } from './batch';
import { CELL_LIMITS } from './cells';
import { generateRunName } from './runNames';
import type { RunCell } from './cellsSql';
import { TrackingEventBus } from './events';
import type {
  CreateLoggedModelInput,
  DatasetSummary,
  MetricInput,
  RunMetric,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
} from './store';
import { checkDuplicateParams, LIMITS, validateBatchSize, validateKey } from './validation';

const MAX_SEARCH_RESULTS = 50_000;
/** MLflow's limits on a dataset search: experiments asked, summaries answered. */
const MAX_DATASET_EXPERIMENTS = 20;
const MAX_DATASET_SUMMARIES = 1000;
/** MLflow's limit on the runs of one bulk metric-history request. */
const MAX_BULK_RUNS = 100;
/** MLflow's limit on the steps per run of `get-history-bulk-interval`. */
const MAX_INTERVAL_RESULTS = 2500;

function checkMaxResults(maxResults: number, limit = MAX_SEARCH_RESULTS): number {
  if (!Number.isInteger(maxResults) || maxResults <= 0 || maxResults > limit) {
    throw invalid(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a positive integer at most ${limit}.`,
    );
  }
  return maxResults;
}

function checkName(kind: string, name: unknown, limit: number): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`Invalid ${kind} name: ${JSON.stringify(name)}. It must be a non-empty string.`);
  }
  if (name.length > limit)
    throw invalid(`${kind} name exceeds the maximum length of ${limit} characters.`);
  return name;
}

/**
 * Experiment tracking with MLflow's semantics: validation and limits on top of a
 * {@link TrackingStore}, and events for every change so editors can update live.
 */
export class TrackingService {
  readonly events = new TrackingEventBus();

  constructor(readonly store: TrackingStore) {}

  async createExperiment(
    name: string,
    artifactLocation?: string,
    tags: KeyValue[] = [],
  ): Promise<string> {
    const id = await this.store.createExperiment(
      checkName('experiment', name, LIMITS.experimentNameLength),
      artifactLocation,
      tags,
    );
    this.events.emit('experimentChanged', { experimentId: id });
    return id;
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.store.getExperimentByName(name);
  }

  searchExperiments(input: {
    filter?: string;
    viewType?: ViewType;
    maxResults?: number;
    orderBy?: string[];
    pageToken?: string;
  }): Promise<Page<Experiment>> {
    return this.store.searchExperiments({
      ...input,
      viewType: input.viewType ?? 'ACTIVE_ONLY',
      maxResults: checkMaxResults(input.maxResults ?? 1000),
    });
  }

  async renameExperiment(experimentId: string, name: string): Promise<void> {
    await this.store.renameExperiment(
      experimentId,
      checkName('experiment', name, LIMITS.experimentNameLength),
    );
    this.events.emit('experimentChanged', { experimentId });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.store.setExperimentLifecycle(experimentId, 'deleted');
    this.events.emit('experimentChanged', { experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.store.setExperimentLifecycle(experimentId, 'active');
    this.events.emit('experimentChanged', { experimentId });
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    await this.store.setExperimentTag(experimentId, {
      key: validateKey('tag', tag.key),
      value: tag.value,
    });
    this.events.emit('experimentChanged', { experimentId });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.store.deleteExperimentTag(experimentId, key);
    this.events.emit('experimentChanged', { experimentId });
  }

  async createRun(input: {
    experimentId?: string;
    userId?: string;
    runName?: string;
    startTime?: number;
    tags?: KeyValue[];
  }): Promise<Run> {
    const tags = input.tags ?? [];
    if (tags.length > LIMITS.tagsPerBatch * 10)
      throw invalid('Too many tags in one create-run request.');
    const run = await this.store.createRun({
      experimentId: input.experimentId || '0',
      userId: input.userId ?? '',
      runName: input.runName ?? '',
      startTime: input.startTime ?? Date.now(),
      tags,
    });
    this.emitRun(run.info);
    return run;
  }

  getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    const info = await this.store.updateRun(runId, update);
    this.emitRun(info);
    return info;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.store.setRunLifecycle(runId, 'deleted');
    this.emitRun((await this.store.getRun(runId)).info);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.store.setRunLifecycle(runId, 'active');
    this.emitRun((await this.store.getRun(runId)).info);
  }

  /** Logs metrics, params and tags in one transaction, within MLflow's batch limits. */
  async logBatch(
    runId: string,
    metrics: MetricInput[],
    params: KeyValue[],
    tags: KeyValue[],
  ): Promise<void> {
    validateBatchSize(metrics.length, params.length, tags.length);
    await this.store.logBatch(runId, metrics, checkDuplicateParams(params), tags);
    if (metrics.length > 0) {
      this.events.emit('metricsAppended', { runId, keys: [...new Set(metrics.map((m) => m.key))] });
    }
    if (params.length > 0 || tags.length > 0)
      this.events.emit('runChanged', { runId, experimentId: '' });
  }

  logMetric(runId: string, metric: MetricInput): Promise<void> {
    return this.logBatch(runId, [metric], [], []);
  }

  logParam(runId: string, param: KeyValue): Promise<void> {
    return this.logBatch(runId, [], [param], []);
  }

  setTag(runId: string, tag: KeyValue): Promise<void> {
    return this.logBatch(runId, [], [], [tag]);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.store.deleteTag(runId, key);
    this.events.emit('runChanged', { runId, experimentId: '' });
  }

  /** The datasets runs of up to 20 experiments used, with their context (MLflow's summaries). */
  searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]> {
    if (experimentIds.length === 0) {
      throw invalid('SearchDatasets request must specify at least one experiment_id.');
    }
    if (experimentIds.length > MAX_DATASET_EXPERIMENTS) {
      throw invalid(
        `SearchDatasets request cannot specify more than ${MAX_DATASET_EXPERIMENTS} experiment_ids. Received ${experimentIds.length} experiment_ids.`,
      );
    }
    return this.store.searchDatasets(experimentIds, MAX_DATASET_SUMMARIES);
  }

  async logInputs(runId: string, datasets: DatasetInput[], models: ModelIo[] = []): Promise<void> {
    await this.store.logInputs(runId, datasets, models);
    this.events.emit('runChanged', { runId, experimentId: '' });
  }

  async logOutputs(runId: string, models: ModelIo[]): Promise<void> {
    await this.store.logOutputs(runId, models);
    this.events.emit('runChanged', { runId, experimentId: '' });
  }

  searchRuns(input: Partial<SearchRunsInput> & { experimentIds: string[] }): Promise<Page<Run>> {
    return this.store.searchRuns({
      ...input,
      viewType: input.viewType ?? 'ACTIVE_ONLY',
      maxResults: checkMaxResults(input.maxResults ?? 1000),
    });
  }

  /**
   * Ids of the active experiments that hold an active run tagged `key` = `value`, found through
   * the tag index: where to search for runs carrying a known tag without listing every experiment.
   */
  experimentsWithRunTag(key: string, value: string): Promise<string[]> {
    return this.store.experimentsWithRunTag(key, value);
  }

  getMetricHistory(
    runId: string,
    key: string,
    maxResults = 25_000,
    pageToken?: string,
  ): Promise<Page<Metric>> {
    return this.store.getMetricHistory(
      runId,
      key,
      checkMaxResults(maxResults, 1_000_000),
      pageToken,
    );
  }

  /**
   * The whole history of `key` for up to 100 runs (MLflow's `get-history-bulk`): runs in id
   * order, each run's points by step then time, at most `maxResults` points in all.
   */
  async getMetricHistoryBulk(
    runIds: string[],
    key: string,
    maxResults = 25_000,
  ): Promise<RunMetric[]> {
    if (runIds.length === 0) {
      throw invalid('GetMetricHistoryBulk request must specify at least one run_id.');
    }
    if (runIds.length > MAX_BULK_RUNS) {
      throw invalid(
        `GetMetricHistoryBulk request cannot specify more than ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
      );
    }
    if (!key) throw invalid('GetMetricHistoryBulk request must specify a metric_key.');
    const limit = checkMaxResults(maxResults, 25_000);
    const out: RunMetric[] = [];
    for (const runId of [...new Set(runIds)].sort()) {
      if (out.length >= limit) break;
      const page = await this.store.getMetricHistory(runId, key, limit - out.length);
      for (const m of page.items) out.push({ ...m, runId });
    }
    return out;
  }

  /** A sample of `key`'s history over up to 100 runs, as MLflow's `get-history-bulk-interval`. */
  getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep?: number,
    endStep?: number,
    maxResults = 1000,
  ): Promise<RunMetric[]> {
    if (runIds.length === 0) throw invalid("Missing value for required parameter 'run_ids'.");
    if (runIds.length > MAX_BULK_RUNS) {
      throw invalid(
        `GetMetricHistoryBulkInterval request must specify at most ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
      );
    }
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_INTERVAL_RESULTS) {
      throw invalid(`max_results must be between 1 and ${MAX_INTERVAL_RESULTS}.`);
    }
    if (!key) throw invalid("Missing value for required parameter 'metric_key'.");
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw invalid('If either start step or end step are specified, both must be specified.');
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw invalid(
        `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
      );
    }
    return this.store.getMetricHistoryBulkInterval(runIds, key, startStep, endStep, maxResults);
  }

  /** Min, max and point count of each metric of a run. */
  metricRanges(runId: string): Promise<MetricRange[]> {
    return this.store.metricRanges(runId);
  }

  /** A chart-ready sample of one series: at most `budget` points, extremes kept. */
  sampleMetric(runId: string, key: string, budget = 1000): Promise<SampledSeries> {
    if (!Number.isInteger(budget) || budget < 4 || budget > 100_000) {
      throw invalid(`Point budget must be an integer between 4 and 100000; got ${budget}.`);
    }
    return this.store.sampleMetric(runId, key, budget);
  }

  /** Creates a logged model; without a name it gets a generated one, as MLflow gives. */
  createLoggedModel(
    input: Omit<CreateLoggedModelInput, 'name'> & { name?: string },
  ): Promise<LoggedModel> {
    const name = input.name || generateRunName();
    checkName('model', name, LIMITS.runNameLength);
    return this.store.createLoggedModel({ ...input, name });
  }

  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.store.getLoggedModel(modelId);
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.store.finalizeLoggedModel(modelId, status);
  }

  /**
   * Logged models of the experiments, filtered and ordered as MLflow's SearchLoggedModels asks
   * (the filter grammar of runs), one page of at most `maxResults` (100 unless given).
   */
  searchLoggedModels(
    input: Omit<SearchLoggedModelsInput, 'maxResults'> & { maxResults?: number },
  ): Promise<Page<LoggedModel>> {
    return this.store.searchLoggedModels({
      ...input,
      maxResults: checkMaxResults(input.maxResults ?? 100),
    });
  }

  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    return this.store.setLoggedModelTags(modelId, tags);
  }

  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.store.deleteLoggedModelTag(modelId, key);
  }

  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    return this.store.logLoggedModelParams(modelId, params);
  }

  deleteLoggedModel(modelId: string): Promise<void> {
    return this.store.deleteLoggedModel(modelId);
  }

  /** Records executed notebook cells against a run (at most {@link CELL_LIMITS}.perRequest). */
  async logCells(runId: string, cells: CellExecution[]): Promise<void> {
    if (cells.length > CELL_LIMITS.perRequest) {
      throw invalid(`At most ${CELL_LIMITS.perRequest} cells per request; got ${cells.length}.`);
    }
    await this.store.logCells(runId, cells);
    this.events.emit('runChanged', { runId, experimentId: '' });
  }

  listCells(runId: string): Promise<RunCell[]> {
    return this.store.listCells(runId);
  }

  findCells(cellIds: string[]): Promise<RunCell[]> {
    if (cellIds.length > 10_000) throw invalid('Ask for at most 10000 cell ids at once.');
    return this.store.findCells(cellIds);
  }

  /**
   * A writer of runs in bulk inside `unit`'s transactions (see {@link TrackingBatchWriter}):
   * tracking announces what it wrote once each transaction commits. Throws when the store
   * cannot write inside `unit`.
   */
  batchWriter(unit: UnitOfWork): TrackingBatchWriter {
    return trackingBatchWriter(this.store, this.events, unit);
  }

  private emitRun(info: RunInfo): void {
    this.events.emit('runChanged', { runId: info.runId, experimentId: info.experimentId });
  }
}
