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
import type { RunCell } from './cellsSql';
import { TrackingEventBus } from './events';
import type {
  CreateLoggedModelInput,
  MetricInput,
  RunMetric,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
} from './store';
import { checkDuplicateParams, LIMITS, validateBatchSize, validateKey } from './validation';

const MAX_SEARCH_RESULTS = 50_000;

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

  getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    startStep?: number,
    endStep?: number,
    maxResults = 1000,
  ): Promise<RunMetric[]> {
    if (runIds.length === 0 || runIds.length > 100) {
      throw invalid(
        `GetMetricHistoryBulkInterval takes between 1 and 100 run_ids; got ${runIds.length}.`,
      );
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw invalid(
        `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
      );
    }
    return this.store.getMetricHistoryBulkInterval(
      runIds,
      key,
      startStep,
      endStep,
      checkMaxResults(maxResults, 1000),
    );
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

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    checkName('model', input.name, LIMITS.runNameLength);
    return this.store.createLoggedModel(input);
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
