/**
 * The one contract between Sextant's language server and its clients (the VS Code extension, the
 * JupyterLab extension, the shared views in `media`). Every custom request and notification is a
 * typed constant here, named `sextant/<area>/<verb>`, and documented in `PROTOCOL.md`; a test
 * fails when the two disagree.
 *
 * Browser-safe: this module loads only `vscode-jsonrpc`'s common entry at run time; the core model
 * comes in as types and is erased from the emitted JavaScript.
 *
 * Numbers follow JSON: NaN and infinities (which MLflow metrics may hold) arrive as `null`.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type {
  CellsAnswer,
  CellsFindBody,
  CellsListQuery,
  CellsLogAnswer,
  CellsLogBody,
  CacheCollection,
  EvaluationProgress,
  EvaluationSlice,
  EvaluationTask,
  KeyValue,
  ModelAlias,
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  RegistryEvent,
  CellExecution,
  LineageEdge,
  LineageNode,
  PipelineDiagnostic,
  PipelineRun,
  StepStatus,
  ErrorCode,
  Experiment,
  LifecycleStage,
  Metric,
  Run,
  RunStatus,
  SampledSeries,
  ViewType,
  Timeline,
} from '@sextant/core/model';

export type {
  CellPayload,
  Deployability,
  EvaluationProgress,
  EvaluationSlice,
  EvaluationTask,
  ModelAlias,
  ModelDeployFacts,
  ModelLineage,
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  RegistryEvent,
  RegistryEventKind,
  CellRecordPayload,
  CellsAnswer,
  CellsFindBody,
  CellsListQuery,
  CellsLogAnswer,
  CellsLogBody,
  CellExecution,
  CellLogged,
  LineageEdge,
  LineageNode,
  PipelineDiagnostic,
  PipelineEvent,
  PipelineRun,
  PipelineRunStatus,
  StepRun,
  StepStatus,
  TriggerRecord,
  ErrorCode,
  Experiment,
  KeyValue,
  LifecycleStage,
  Metric,
  Run,
  RunInfo,
  RunStatus,
  SampledSeries,
  ViewType,
} from '@sextant/core/model';

/** `data` of every error response to a `sextant/...` request. */
export interface SextantErrorData {
  /** MLflow's error code, e.g. `RESOURCE_DOES_NOT_EXIST`. */
  errorCode: ErrorCode;
}

/** The `initializationOptions` the server reads. */
export interface InitializationOptions {
  /** The store directory; relative paths resolve against the first workspace folder. */
  storeDir?: string;
  /**
   * The interpreter the client chose (VS Code: the Python extension's selected one), which
   * pipeline steps without requirements run with unless the `sextant.python` setting names one.
   */
  python?: PythonChoice;
}

/** An interpreter and where it was chosen, as the user reads it. */
export interface PythonChoice {
  path: string;
  source: string;
}

/** Where this workspace's Sextant lives. */
export interface ServerInfo {
  /** Base URL of the MLflow-compatible HTTP endpoint: the value for `MLFLOW_TRACKING_URI`. */
  trackingUri: string;
  /** Absolute path of the store directory. */
  storeDir: string;
  /** Version of the language server. */
  version: string;
}

/** `InitializeResult.capabilities.experimental` as this server fills it. */
export interface ExperimentalCapabilities {
  /** The same value `sextant/server/info` answers with. */
  sextant: ServerInfo;
}

/** Params of `sextant/experiments/list`. */
export interface ExperimentsListParams {
  /** MLflow experiment filter, e.g. `name LIKE 'mnist%'`. */
  filter?: string;
  /** Default `ACTIVE_ONLY`. */
  viewType?: ViewType;
  /** MLflow order_by clauses, e.g. `['last_update_time DESC']`. */
  orderBy?: string[];
  /** Default 1000. */
  maxResults?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** Result of `sextant/experiments/list`. */
export interface ExperimentsListResult {
  experiments: Experiment[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** Params of `sextant/runs/search`. */
export interface RunsSearchParams {
  /** At least one experiment id. */
  experimentIds: string[];
  /** MLflow run filter, e.g. `metrics.loss < 0.1 and params.lr = '0.01'`. */
  filter?: string;
  /** MLflow order_by clauses, e.g. `['metrics.loss ASC']`; default newest first. */
  orderBy?: string[];
  /** Default `ACTIVE_ONLY`. */
  viewType?: ViewType;
  /** Default 100, at most 50000. */
  maxResults?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
  /** Metric keys to put in each summary; every latest metric when absent. */
  metricKeys?: string[];
  /** Also put every param and tag in each summary (a runs table); default false. */
  withData?: boolean;
}

/** A run as a tree item shows it: no params, tags or inputs. */
export interface RunSummary {
  runId: string;
  runName: string;
  experimentId: string;
  status: RunStatus;
  /** Epoch milliseconds. */
  startTime: number;
  /** Epoch milliseconds; null while the run has not ended. */
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  /** The parent run's id, from the `mlflow.parentRunId` tag. */
  parentRunId?: string;
  /** Latest value of each chosen metric, by key. */
  metrics: Record<string, number>;
  /** Every param by key; only when the search asked `withData`. */
  params?: Record<string, string>;
  /** Every tag by key; only when the search asked `withData`. */
  tags?: Record<string, string>;
}

/** Result of `sextant/runs/search`. */
export interface RunsSearchResult {
  runs: RunSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** Params naming one run. */
export interface RunIdParams {
  runId: string;
}

/** Params of `sextant/runs/rename`. */
export interface RunsRenameParams {
  runId: string;
  /** The new name, non-empty. */
  name: string;
}

/** Params of `sextant/runs/setTag`. */
export interface RunsSetTagParams {
  runId: string;
  key: string;
  value: string;
}

/** Params of `sextant/runs/deleteTag`. */
export interface RunsDeleteTagParams {
  runId: string;
  key: string;
}

/** Params naming one experiment. */
export interface ExperimentIdParams {
  experimentId: string;
}

/** Params of `sextant/experiments/setTag`. */
export interface ExperimentsSetTagParams {
  experimentId: string;
  key: string;
  value: string;
}

/** Params of `sextant/experiments/deleteTag`. */
export interface ExperimentsDeleteTagParams {
  experimentId: string;
  key: string;
}

/** Params of `sextant/runs/compare`. */
export interface RunsCompareParams {
  /** Between 1 and 100 run ids; results keep this order. */
  runIds: string[];
}

/** One param across the compared runs. */
export interface ParamComparison {
  key: string;
  /** The value in each run, in `runIds` order; null where the run lacks the param. */
  values: (string | null)[];
  /** True when not every run has the same value (a missing param counts as a value). */
  differs: boolean;
}

/** One metric of one run, summarised. */
export interface MetricStats {
  /** Value at the highest step. */
  latest: number;
  /** Step of `latest`. */
  step: number;
  /** Extremes over every point, NaN ignored; null when every point is NaN. */
  min: number | null;
  max: number | null;
}

/** One metric across the compared runs. */
export interface MetricComparison {
  key: string;
  /** Stats in each run, in `runIds` order; null where the run lacks the metric. */
  runs: (MetricStats | null)[];
}

/** Result of `sextant/runs/compare`. */
export interface RunsCompareResult {
  runs: RunSummary[];
  /** Every param of any run, sorted by key; filter on `differs` for "only differences". */
  params: ParamComparison[];
  /** Every metric of any run, sorted by key. */
  metrics: MetricComparison[];
}

/** Params of `sextant/metrics/history`. */
export interface MetricsHistoryParams {
  /** Between 1 and 100 run ids. */
  runIds: string[];
  /** Metric keys; every key each run logged when absent. */
  keys?: string[];
  /** Most points per series, 4 to 100000; default 1000. */
  budget?: number;
}

/** Result of `sextant/metrics/history`. */
export interface MetricsHistoryResult {
  /** One series per (run, key) that has points, runs in `runIds` order, then keys sorted. */
  series: SampledSeries[];
}

/** Params of `sextant/artifacts/list`. */
export interface ArtifactsListParams {
  runId: string;
  /** Directory relative to the run's artifact root; the root when absent. */
  path?: string;
}

/** One entry of an artifact listing. */
export interface ArtifactFile {
  /** Path relative to the run's artifact root. */
  path: string;
  isDir: boolean;
  /** Bytes; files only. */
  fileSize?: number;
}

/** Result of `sextant/artifacts/list`. */
export interface ArtifactsListResult {
  /** The run's artifact URI, e.g. `mlflow-artifacts:/1/<run>/artifacts`. */
  rootUri: string;
  /** One level of the directory, sorted by path; empty for a missing directory. */
  files: ArtifactFile[];
}

/** How `sextant/artifacts/read` encodes content. */
export type ArtifactEncoding = 'utf8' | 'base64';

/** Params of `sextant/artifacts/read`. */
export interface ArtifactsReadParams {
  runId: string;
  /** File path relative to the run's artifact root. */
  path: string;
  /** Most bytes to return, up to 16 MiB; default 1 MiB. */
  maxBytes?: number;
  /** Forced encoding; by default utf8 for UTF-8 text without NUL bytes, base64 otherwise. */
  encoding?: ArtifactEncoding;
}

/** Result of `sextant/artifacts/read`. */
export interface ArtifactsReadResult {
  path: string;
  /** Size of the whole file in bytes. */
  size: number;
  encoding: ArtifactEncoding;
  content: string;
  /** True when `content` holds only the first `maxBytes` bytes. */
  truncated: boolean;
}

/** Params of `sextant/runs/changed`. */
export interface RunsChangedParams {
  /** The run as it is now (also after a delete: then `lifecycleStage` is `deleted`). */
  run: RunSummary;
}

/** Params of `sextant/metrics/appended`. */
export interface MetricsAppendedParams {
  runId: string;
  experimentId: string;
  /** Keys that received points since the previous notification for this run. */
  keys: string[];
  /** The latest point of each key in `keys`. */
  latest: Metric[];
}

/** Params of `sextant/experiments/changed`. */
export interface ExperimentsChangedParams {
  experimentId: string;
}

/** Where the server is: tracking URI, store directory and version. */
export const ServerInfoRequest = new RequestType0<ServerInfo, SextantErrorData>(
  'sextant/server/info',
);

/** Experiments of the store, one page. */
export const ExperimentsListRequest = new RequestType<
  ExperimentsListParams,
  ExperimentsListResult,
  SextantErrorData
>('sextant/experiments/list');

/** Runs of some experiments as compact summaries, one page, filtered and ordered as MLflow does. */
export const RunsSearchRequest = new RequestType<
  RunsSearchParams,
  RunsSearchResult,
  SextantErrorData
>('sextant/runs/search');

/** One run in full: params, latest metrics, tags, inputs and outputs. */
export const RunsGetRequest = new RequestType<RunIdParams, Run, SextantErrorData>(
  'sextant/runs/get',
);

/** Params that differ and metric stats (latest, min, max) across runs. */
export const RunsCompareRequest = new RequestType<
  RunsCompareParams,
  RunsCompareResult,
  SextantErrorData
>('sextant/runs/compare');

/** Soft-deletes a run; answers the run as it is now. */
export const RunsDeleteRequest = new RequestType<RunIdParams, RunSummary, SextantErrorData>(
  'sextant/runs/delete',
);

/** Restores a deleted run; answers the run as it is now. */
export const RunsRestoreRequest = new RequestType<RunIdParams, RunSummary, SextantErrorData>(
  'sextant/runs/restore',
);

/** Renames an active run; answers the run as it is now. */
export const RunsRenameRequest = new RequestType<RunsRenameParams, RunSummary, SextantErrorData>(
  'sextant/runs/rename',
);

/** Sets a tag on a run; answers the run as it is now. */
export const RunsSetTagRequest = new RequestType<RunsSetTagParams, RunSummary, SextantErrorData>(
  'sextant/runs/setTag',
);

/** Deletes a tag of a run; answers the run as it is now. */
export const RunsDeleteTagRequest = new RequestType<
  RunsDeleteTagParams,
  RunSummary,
  SextantErrorData
>('sextant/runs/deleteTag');

/** Soft-deletes an experiment (and, as MLflow does, hides its runs); answers it as it is now. */
export const ExperimentsDeleteRequest = new RequestType<
  ExperimentIdParams,
  Experiment,
  SextantErrorData
>('sextant/experiments/delete');

/** Restores a deleted experiment; answers it as it is now. */
export const ExperimentsRestoreRequest = new RequestType<
  ExperimentIdParams,
  Experiment,
  SextantErrorData
>('sextant/experiments/restore');

/** Sets a tag on an experiment (e.g. its `mlflow.note.content`); answers it as it is now. */
export const ExperimentsSetTagRequest = new RequestType<
  ExperimentsSetTagParams,
  Experiment,
  SextantErrorData
>('sextant/experiments/setTag');

/** Deletes a tag of an experiment; answers it as it is now. */
export const ExperimentsDeleteTagRequest = new RequestType<
  ExperimentsDeleteTagParams,
  Experiment,
  SextantErrorData
>('sextant/experiments/deleteTag');

/** Metric series of several runs and keys, each downsampled to a point budget (M4, extremes kept). */
export const MetricsHistoryRequest = new RequestType<
  MetricsHistoryParams,
  MetricsHistoryResult,
  SextantErrorData
>('sextant/metrics/history');

/** One level of a run's artifact directory. */
export const ArtifactsListRequest = new RequestType<
  ArtifactsListParams,
  ArtifactsListResult,
  SextantErrorData
>('sextant/artifacts/list');

/** The content of a run's artifact file, as text or base64, up to a size cap. */
export const ArtifactsReadRequest = new RequestType<
  ArtifactsReadParams,
  ArtifactsReadResult,
  SextantErrorData
>('sextant/artifacts/read');

/** A recorded notebook cell execution with the run it was recorded against. */
export type CellRecord = CellExecution & { runId: string };

export interface CellsListParams {
  runId: string;
}

export interface CellsFindParams {
  /** Notebook cell ids (nbformat `id`), at most 10,000. */
  cellIds: string[];
}

export interface CellsResult {
  cells: CellRecord[];
}

/** The cells a run recorded (the `%sextant` cell tracker), in execution order. */
export const CellsListRequest = new RequestType<CellsListParams, CellsResult, SextantErrorData>(
  'sextant/cells/list',
);

/** The latest recorded execution of each given cell id, across runs: notebook cell badges. */
export const CellsFindRequest = new RequestType<CellsFindParams, CellsResult, SextantErrorData>(
  'sextant/cells/find',
);

/**
 * A route of Sextant's own HTTP API (`/api/2.0/sextant/...`, beside MLflow's), which clients
 * without LSP call: the `%sextant` magics, from the kernel. Typed like the requests: `B` is the
 * JSON body (the query, for GET), `A` the JSON answer; errors answer with MLflow's error shape.
 */
export class HttpRoute<B, A> {
  /** Type-only: the body and answer types, for `typeof route.body`. */
  declare readonly body: B;
  declare readonly answer: A;
  constructor(
    readonly verb: 'GET' | 'POST',
    readonly path: string,
  ) {}
}

/** Records executed cells against a run (the `%sextant` cell tracker, after each cell). */
export const CellsLogRoute = new HttpRoute<CellsLogBody, CellsLogAnswer>(
  'POST',
  '/api/2.0/sextant/cells/log',
);

/** The cells a run recorded, in execution order. */
export const CellsListRoute = new HttpRoute<CellsListQuery, CellsAnswer>(
  'GET',
  '/api/2.0/sextant/cells/list',
);

/** The latest recorded execution of each given cell id, across runs. */
export const CellsFindRoute = new HttpRoute<CellsFindBody, CellsAnswer>(
  'POST',
  '/api/2.0/sextant/cells/find',
);

/** A run was created, updated, renamed, tagged, deleted or restored. At most one per run per 100 ms. */
export const RunsChangedNotification = new NotificationType<RunsChangedParams>(
  'sextant/runs/changed',
);

/** Metric points were logged to a run. At most one per run per 100 ms; keys are merged. */
export const MetricsAppendedNotification = new NotificationType<MetricsAppendedParams>(
  'sextant/metrics/appended',
);

/** An experiment was created, renamed, tagged, deleted or restored. At most one per 100 ms each. */
export const ExperimentsChangedNotification = new NotificationType<ExperimentsChangedParams>(
  'sextant/experiments/changed',
);

/** The server moved to another store (the `sextant.storeDir` setting changed). */
export const ServerChangedNotification = new NotificationType<ServerInfo>('sextant/server/changed');

/** A pipeline as the Pipelines tree lists it. */
export interface PipelineSummary {
  name: string;
  /** Absolute path of the file that declares it. */
  file: string;
  /** Step names after expansion, in a topological order. */
  steps: string[];
  /** The newest run of this pipeline, if any. */
  lastRun?: PipelineRun;
}

/** A pipeline file found in the workspace. */
export interface PipelineFileSummary {
  /** Absolute path. */
  file: string;
  pipelines: PipelineSummary[];
  /** Problems that keep the file (or some of its pipelines) from running. */
  diagnostics: PipelineDiagnostic[];
}

/** Result of `sextant/pipelines/list`. */
export interface PipelinesListResult {
  files: PipelineFileSummary[];
}

/** Params naming one pipeline of one file. */
export interface PipelineRef {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The pipeline's name; the file's only (or first) pipeline when absent. */
  pipeline?: string;
}

/** Params of `sextant/pipelines/graph`. */
export interface PipelinesGraphParams extends PipelineRef {
  /** Colour the graph by this run; by the newest run (and staleness) when absent. */
  pipelineRunId?: string;
}

/** One step of the graph. */
export interface PipelineGraphNode {
  step: string;
  status: StepStatus;
  /** The step's command, for tooltips. */
  run: string;
  compute: string;
  /** Milliseconds, when it ran (or was restored from the cache). */
  durationMs?: number;
  /** The tracking run of its latest execution. */
  runId?: string;
  outputs: string[];
}

/** The DAG of one pipeline, with each step's status. */
export interface PipelineGraph {
  pipeline: string;
  file: string;
  nodes: PipelineGraphNode[];
  /** `from` must finish before `to`. */
  edges: Array<{ from: string; to: string }>;
  /** The run the statuses come from. */
  run?: PipelineRun;
}

/** Params of `sextant/pipelines/run`. */
export interface PipelinesRunParams extends PipelineRef {
  /** Run only this step and what it needs. */
  step?: string;
  /** Ignore the cache. */
  force?: boolean;
  /** Plan only: answer what would run, start nothing. */
  dry?: boolean;
}

/** Result of `sextant/pipelines/run`. */
export interface PipelinesRunResult {
  /** Absent for a dry run. */
  pipelineRunId?: string;
  /** Each step of the plan and whether it will run or come from the cache. */
  plan: Array<{ step: string; action: 'run' | 'cached' }>;
}

/** Params naming one pipeline run. */
export interface PipelineRunIdParams {
  pipelineRunId: string;
}

/** Params of `sextant/pipelines/runs`. */
export interface PipelinesRunsParams {
  file?: string;
  pipeline?: string;
  /** Default 50. */
  limit?: number;
}

/** Result of `sextant/pipelines/runs`. */
export interface PipelinesRunsResult {
  /** Newest first. */
  runs: PipelineRun[];
}

/** Params of `sextant/pipelines/stepLog`. */
export interface PipelinesStepLogParams {
  pipelineRunId: string;
  step: string;
}

/** Result of `sextant/pipelines/stepLog`. */
export interface PipelinesStepLogResult {
  stdout: string;
  stderr: string;
  /** True when the logs were cut to their last 1 MiB each. */
  truncated: boolean;
}

/** Params of `sextant/pipelines/gc`. */
export interface PipelinesGcParams {
  /** Versions of each step to keep, 0 or more; default 1 (0 empties the cache). */
  keep?: number;
  /** Remove nothing: answer what would go. */
  dry?: boolean;
}

/** Result of `sextant/pipelines/gc`: what was (or, dry, would be) removed and kept. */
export interface PipelinesGcResult extends CacheCollection {
  /** The same figures as one sentence for people. */
  summary: string;
}

/** Params of `sextant/lineage/query`. */
export interface LineageQueryParams {
  /** Start from an artifact (workspace-relative path); its newest version unless `digest`. */
  path?: string;
  digest?: string;
  /** Or start from a step execution. */
  pipelineRunId?: string;
  step?: string;
  /** `upstream`: what produced it; `downstream`: what used it. */
  direction: 'upstream' | 'downstream';
  /** Default 10. */
  depth?: number;
}

/** Result of `sextant/lineage/query`. */
export interface LineageQueryResult {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Params of `sextant/pipelines/changed`. */
export interface PipelinesChangedParams {
  /** The pipeline run as it is now. */
  run: PipelineRun;
}

/** Params of `sextant/pipelines/log`. */
export interface PipelinesLogParams {
  pipelineRunId: string;
  step: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Pipeline files of the workspace, their pipelines, problems and newest runs. */
export const PipelinesListRequest = new RequestType0<PipelinesListResult, SextantErrorData>(
  'sextant/pipelines/list',
);

/** The DAG of a pipeline with each step's status. */
export const PipelinesGraphRequest = new RequestType<
  PipelinesGraphParams,
  PipelineGraph,
  SextantErrorData
>('sextant/pipelines/graph');

/** Starts a pipeline run (or plans one with `dry`); answers before the steps finish. */
export const PipelinesRunRequest = new RequestType<
  PipelinesRunParams,
  PipelinesRunResult,
  SextantErrorData
>('sextant/pipelines/run');

/** Cancels a pipeline run: running steps' process trees are stopped. */
export const PipelinesCancelRequest = new RequestType<
  PipelineRunIdParams,
  PipelineRun,
  SextantErrorData
>('sextant/pipelines/cancel');

/** Pipeline runs, newest first. */
export const PipelinesRunsRequest = new RequestType<
  PipelinesRunsParams,
  PipelinesRunsResult,
  SextantErrorData
>('sextant/pipelines/runs');

/** The stored stdout and stderr of one step of one pipeline run. */
export const PipelinesStepLogRequest = new RequestType<
  PipelinesStepLogParams,
  PipelinesStepLogResult,
  SextantErrorData
>('sextant/pipelines/stepLog');

/** Removes cached step outputs no step needs; each step keeps its newest `keep` versions. */
export const PipelinesGcRequest = new RequestType<
  PipelinesGcParams,
  PipelinesGcResult,
  SextantErrorData
>('sextant/pipelines/gc');

/** Walks the lineage graph from an artifact or a step execution. */
export const LineageQueryRequest = new RequestType<
  LineageQueryParams,
  LineageQueryResult,
  SextantErrorData
>('sextant/lineage/query');

/** A pipeline run started, a step changed state, or the run ended. At most one per run per 100 ms. */
export const PipelinesChangedNotification = new NotificationType<PipelinesChangedParams>(
  'sextant/pipelines/changed',
);

/** Output of a running step, in chunks as it arrives. */
export const PipelinesLogNotification = new NotificationType<PipelinesLogParams>(
  'sextant/pipelines/log',
);

/** Params of `sextant/pipelines/statesChanged`. */
export interface PipelinesStatesChangedParams {
  /** The workspace files that changed, absolute paths. */
  files: string[];
}

/** Workspace files changed, so the steps' states may have: views ask for the graph again. */
export const PipelinesStatesChangedNotification =
  new NotificationType<PipelinesStatesChangedParams>('sextant/pipelines/statesChanged');

/** A version of a registered model, named. */
export interface VersionRef {
  name: string;
  version: string;
}

/** The key evaluation metric of a version: from its newest evaluation. */
export interface KeyMetric {
  key: string;
  value: number;
  /** The evaluation run it comes from. */
  evaluationRunId: string;
  /** The eval set it was measured on. */
  evalSet: string;
}

/** A version as the Models tree shows it. */
export interface ModelVersionSummary {
  name: string;
  version: string;
  stage: ModelStage;
  status: ModelVersionStatus;
  /** Why registration failed, when it did. */
  statusMessage: string;
  /** Aliases pointing at this version, e.g. `champion`. */
  aliases: string[];
  creationTimestamp: number;
  /** The run that logged the model; empty when unknown. */
  runId: string;
  /** The source as registered (`runs:/...`, `models:/m-...`). */
  source: string;
  description: string;
  /** Whether Sextant can deploy it here, and why not. */
  deployable: boolean;
  reasons: string[];
  /** Bytes of the version's files. */
  sizeBytes: number;
  keyMetric?: KeyMetric;
}

/** A registered model as the Models tree lists it. */
export interface RegisteredModelSummary {
  name: string;
  description: string;
  lastUpdatedTimestamp: number;
  aliases: ModelAlias[];
  tags: KeyValue[];
  /** The highest version number; absent when the model has no version yet. */
  latestVersion?: string;
}

/** Params of `sextant/registry/list`. */
export interface RegistryListParams {
  /** Part of a model name, any case (`churn` finds `Churn-Classifier`). */
  search?: string;
  /** An MLflow registered-model filter, e.g. `tags.team = 'risk'`; combined with `search`. */
  filter?: string;
  /** MLflow order_by clauses; default `name ASC`. */
  orderBy?: string[];
  /** Default 100, at most 1000. */
  maxResults?: number;
  pageToken?: string;
}

/** Result of `sextant/registry/list`. */
export interface RegistryListResult {
  models: RegisteredModelSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** Params naming one registered model. */
export interface RegistryModelParams {
  name: string;
}

/** Result of `sextant/registry/model`. */
export interface RegistryModelResult {
  model: RegisteredModelSummary;
  /** Every version, newest first. */
  versions: ModelVersionSummary[];
}

/** An evaluation run of a model version, summarised. */
export interface EvaluationSummary {
  runId: string;
  experimentId: string;
  /** The model as evaluated (`models:/name/3`, `runs:/...`). */
  modelUri: string;
  /** The registered version evaluated, when the evaluation names one. */
  name?: string;
  version?: string;
  /** The eval set's name (the dataset file's name unless one was given). */
  evalSet: string;
  datasetSha256: string;
  task: string;
  status: RunStatus;
  startTime: number;
  metrics: Record<string, number>;
  /** `passed` or `failed` when the evaluation had a gate. */
  gate?: string;
}

/** One ROC curve (one class against the rest, or the positive class). */
export interface RocCurve {
  label: string;
  fpr: number[];
  tpr: number[];
  auc: number;
}

/** One precision-recall curve. */
export interface PrCurve {
  label: string;
  precision: number[];
  recall: number[];
  averagePrecision: number;
}

/** One calibration curve: fraction of positives against mean predicted probability per bin. */
export interface CalibrationCurve {
  label: string;
  meanPredicted: number[];
  fractionPositive: number[];
}

/** Counts of true (rows) against predicted (columns) labels. */
export interface ConfusionMatrix {
  labels: string[];
  matrix: number[][];
}

/** A regressor's predictions against the truth (a sample of rows). */
export interface Residuals {
  actual: number[];
  predicted: number[];
  residual: number[];
}

/** Permutation importance per feature. */
export interface FeatureImportance {
  /** The score whose drop is measured, e.g. `accuracy_score`. */
  scoring: string;
  features: string[];
  mean: number[];
  std: number[];
}

/** Global SHAP values: mean |SHAP| per feature, one column per model output. */
export interface ShapSummary {
  features: string[];
  /** Output names (classes); one unnamed output for a regressor. */
  outputs: string[];
  /** `meanAbs[feature][output]`. */
  meanAbs: number[][];
  rowsExplained: number;
}

/** The plots an evaluation recorded; absent ones it did not make. */
export interface EvaluationPlots {
  roc?: RocCurve[];
  pr?: PrCurve[];
  calibration?: CalibrationCurve[];
  confusion?: ConfusionMatrix;
  residuals?: Residuals;
  importance?: FeatureImportance;
  shap?: ShapSummary;
}

/** An evaluation in full: its summary, slices, warnings and plots. */
export interface EvaluationDetails {
  summary: EvaluationSummary;
  slices: EvaluationSlice[];
  /** What the evaluation could not compute, and why. */
  warnings: string[];
  plots: EvaluationPlots;
}

/** How to load a version from Python. */
export interface RegistrySnippet {
  /** `models:/name@alias` or `models:/name/3`. */
  uri: string;
  /** `mlflow.pyfunc.load_model("models:/...")` with its imports. */
  code: string;
}

/** Result of `sextant/registry/version`. */
export interface RegistryVersionResult {
  summary: ModelVersionSummary;
  /** Everything the registry holds: deploy facts (signature, requirements, flavors), lineage. */
  version: ModelVersion;
  /** The source run, when it still exists. */
  sourceRun?: RunSummary;
  /** The registry events about this version (created, stages, aliases set to or moved off it). */
  history: RegistryEvent[];
  /** Its evaluations, newest first. */
  evaluations: EvaluationSummary[];
  /** The newest evaluation in full, when there is one. */
  latestEvaluation?: EvaluationDetails;
  snippet: RegistrySnippet;
}

/** A model a run logged, which can be registered. */
export interface RunModelArtifact {
  /** What to register: `runs:/<run>/<path>` or `models:/m-<id>`. */
  source: string;
  /** The artifact path or the logged model's name. */
  name: string;
  flavors: string[];
  /** The MLmodel's signature as MLflow writes it: JSON text per part. */
  signature?: { inputs?: string; outputs?: string; params?: string };
  /** Bytes of every file of the model. */
  sizeBytes?: number;
  /** The model's folder relative to the run's artifact root, when it lies there. */
  artifactPath?: string;
  /**
   * The MLmodel file's text (up to 64 KiB) of a logged model whose folder lies outside the run's
   * artifacts, for the run page's Open to show.
   */
  mlmodel?: string;
}

/** Result of `sextant/registry/runModels`. */
export interface RegistryRunModelsResult {
  models: RunModelArtifact[];
}

/** Params of `sextant/registry/register`. */
export interface RegistryRegisterParams {
  /** The registered model; created when it does not exist. */
  name: string;
  /** A source that `sextant/registry/runModels` answered: `runs:/<run>/<path>` or `models:/m-<id>`. */
  source: string;
  description?: string;
}

/** Params of `sextant/registry/setAlias`. */
export interface RegistrySetAliasParams {
  name: string;
  alias: string;
  /** The version it points at from now on (moved off any other). */
  version: string;
}

/** Params of `sextant/registry/deleteAlias`. */
export interface RegistryAliasParams {
  name: string;
  alias: string;
}

/** Params of `sextant/registry/setStage`. */
export interface RegistrySetStageParams {
  name: string;
  version: string;
  /** `Archived` archives the version. */
  stage: ModelStage;
  /** Archive the versions now in `stage` (Staging or Production only). */
  archiveExisting?: boolean;
}

/** What was deleted. */
export interface RegistryDeleteResult {
  name: string;
  version?: string;
}

/** Params of `sextant/registry/snippet`: a version, or an alias. */
export interface RegistrySnippetParams {
  name: string;
  version?: string;
  alias?: string;
}

/** Params of `sextant/registry/compare`. */
export interface RegistryCompareParams {
  /** 2 to 10 versions, of one model or several; results keep this order. */
  versions: VersionRef[];
  /** The eval set to compare on; the newest one all versions share when absent. */
  evalSet?: string;
}

/** One metric across compared versions. */
export interface ComparedMetric {
  key: string;
  /** In `versions` order; null where that version's evaluation lacks it. */
  values: (number | null)[];
  greaterIsBetter: boolean;
  /**
   * False for counts that say nothing of quality on their own (`example_count`, `sum_on_target`,
   * and confusion counts when the versions' example counts differ): shown without arrow or best.
   */
  ranked: boolean;
  /** Index of the best value; null when fewer than two values or all equal. */
  best: number | null;
}

/** Result of `sextant/registry/compare`. */
export interface RegistryCompareResult {
  versions: ModelVersionSummary[];
  /** The eval set compared on; absent when the versions share none. */
  evalSet?: string;
  /** Eval sets every version was evaluated on, newest first. */
  commonEvalSets: string[];
  /** Each version's newest evaluation on `evalSet`; null where it has none. */
  evaluations: (EvaluationDetails | null)[];
  metrics: ComparedMetric[];
  /** Params of the source runs. */
  params: ParamComparison[];
  /** Pip requirements by package (`key`), with each version's specifier. */
  requirements: ParamComparison[];
  /** Signature columns (`input:age`, `output:0`), with each version's type. */
  signature: ParamComparison[];
  /** Python, flavors, MLflow version and lineage (source run, step, datasets, commit). */
  facts: ParamComparison[];
}

/** Params of `sextant/evaluation/start`. */
export interface EvaluationStartParams {
  /** 1 to 10 versions, evaluated one after the other. */
  versions: VersionRef[];
  /** The eval dataset: a CSV or Parquet file, absolute or relative to the workspace folder. */
  data: string;
  /** The column that holds the true values. */
  target: string;
  task: EvaluationTask;
  /** The eval set's name, which comparisons and histories group by; default the file's name. */
  evalSet?: string;
  /** Metrics per value of this column. */
  sliceColumn?: string;
  /** `current` (the workspace's Python, default) or `model` (a venv from its requirements). */
  environment?: string;
}

/** Result of `sextant/evaluation/start`. */
export interface EvaluationStartResult {
  /** Names this evaluation in progress notifications and `sextant/evaluation/cancel`. */
  evaluationId: string;
}

/** Params naming one evaluation in progress. */
export interface EvaluationIdParams {
  evaluationId: string;
}

/** Where an evaluation started by `sextant/evaluation/start` stands. */
export type EvaluationState = 'running' | 'finished' | 'failed' | 'cancelled';

/** Result of `sextant/evaluation/cancel`, and params of `sextant/evaluation/finished`. */
export interface EvaluationStatus {
  evaluationId: string;
  state: EvaluationState;
  /** The evaluation runs recorded so far, one per evaluated version. */
  runIds: string[];
  /** Why it failed. */
  error?: string;
}

/** Params of `sextant/evaluation/list`. */
export interface EvaluationListParams {
  name: string;
  version?: string;
  evalSet?: string;
}

/** Result of `sextant/evaluation/list`. */
export interface EvaluationListResult {
  /** Newest first. */
  evaluations: EvaluationSummary[];
}

/** Params of `sextant/evaluation/progress`. */
export interface EvaluationProgressParams {
  evaluationId: string;
  /** The version being evaluated, its place (from 0) and the count. */
  name: string;
  version: string;
  index: number;
  total: number;
  progress: EvaluationProgress;
}

/** Params of `sextant/registry/changed`. */
export interface RegistryChangedParams {
  /** The model's name now (after a rename, or a deleted model's name). */
  name: string;
  /** The version that changed, when one did. */
  version?: string;
  /** The model's name before a rename. */
  previousName?: string;
}

/** Registered models, one page, filtered by a name part or an MLflow filter. */
export const RegistryListRequest = new RequestType<
  RegistryListParams,
  RegistryListResult,
  SextantErrorData
>('sextant/registry/list');

/** One registered model with every version (aliases, stage, status, key metric, deployability). */
export const RegistryModelRequest = new RequestType<
  RegistryModelParams,
  RegistryModelResult,
  SextantErrorData
>('sextant/registry/model');

/** One version in full: deploy facts, lineage, history, evaluations, load snippet. */
export const RegistryVersionRequest = new RequestType<
  VersionRef,
  RegistryVersionResult,
  SextantErrorData
>('sextant/registry/version');

/** The models a run logged (artifact folders with an MLmodel, logged models): what to register. */
export const RegistryRunModelsRequest = new RequestType<
  RunIdParams,
  RegistryRunModelsResult,
  SextantErrorData
>('sextant/registry/runModels');

/** Registers a run's or logged model's model as a new version (the model is created if needed). */
export const RegistryRegisterRequest = new RequestType<
  RegistryRegisterParams,
  ModelVersionSummary,
  SextantErrorData
>('sextant/registry/register');

/** Points an alias at a version (moving it off another); answers the model as it is now. */
export const RegistrySetAliasRequest = new RequestType<
  RegistrySetAliasParams,
  RegistryModelResult,
  SextantErrorData
>('sextant/registry/setAlias');

/** Deletes an alias; answers the model as it is now. */
export const RegistryDeleteAliasRequest = new RequestType<
  RegistryAliasParams,
  RegistryModelResult,
  SextantErrorData
>('sextant/registry/deleteAlias');

/** Moves a version to a stage (`Archived` archives it); answers the version as it is now. */
export const RegistrySetStageRequest = new RequestType<
  RegistrySetStageParams,
  ModelVersionSummary,
  SextantErrorData
>('sextant/registry/setStage');

/** Deletes a registered model with all its versions. */
export const RegistryDeleteModelRequest = new RequestType<
  RegistryModelParams,
  RegistryDeleteResult,
  SextantErrorData
>('sextant/registry/deleteModel');

/** Deletes one version. */
export const RegistryDeleteVersionRequest = new RequestType<
  VersionRef,
  RegistryDeleteResult,
  SextantErrorData
>('sextant/registry/deleteVersion');

/** The Python that loads a version or an alias (`mlflow.pyfunc.load_model`). */
export const RegistrySnippetRequest = new RequestType<
  RegistrySnippetParams,
  RegistrySnippet,
  SextantErrorData
>('sextant/registry/snippet');

/** 2 to 10 versions side by side on one eval set: metrics, plots, and the diffs of what made them. */
export const RegistryCompareRequest = new RequestType<
  RegistryCompareParams,
  RegistryCompareResult,
  SextantErrorData
>('sextant/registry/compare');

/** Starts evaluating versions on an eval set; answers at once, then notifies progress. */
export const EvaluationStartRequest = new RequestType<
  EvaluationStartParams,
  EvaluationStartResult,
  SextantErrorData
>('sextant/evaluation/start');

/** Cancels an evaluation in progress (its worker is killed; its run ends KILLED). */
export const EvaluationCancelRequest = new RequestType<
  EvaluationIdParams,
  EvaluationStatus,
  SextantErrorData
>('sextant/evaluation/cancel');

/** The evaluations of a registered model (or one version, or one eval set), newest first. */
export const EvaluationListRequest = new RequestType<
  EvaluationListParams,
  EvaluationListResult,
  SextantErrorData
>('sextant/evaluation/list');

/** One evaluation run in full: metrics, slices, warnings and its plots. */
export const EvaluationGetRequest = new RequestType<
  RunIdParams,
  EvaluationDetails,
  SextantErrorData
>('sextant/evaluation/get');

/** A registered model or one of its versions was created, changed or deleted (by anyone). */
export const RegistryChangedNotification = new NotificationType<RegistryChangedParams>(
  'sextant/registry/changed',
);

/** A step of an evaluation started by `sextant/evaluation/start`. */
export const EvaluationProgressNotification = new NotificationType<EvaluationProgressParams>(
  'sextant/evaluation/progress',
);

/** An evaluation started by `sextant/evaluation/start` ended. */
export const EvaluationFinishedNotification = new NotificationType<EvaluationStatus>(
  'sextant/evaluation/finished',
);

/** An online experiment's kind: a fixed-split A/B test, or a bandit that moves the weights. */
export type OnlineExperimentType = 'ab' | 'bandit';

/** What `sextant/online/decide` does: apply the rules, or a person's Promote, Stop or Roll back. */
export type OnlineAction = 'rules' | 'promote' | 'stop' | 'rollback';

/** A deployment with an online experiment. */
export interface OnlineExperimentSummary {
  deployment: string;
  type: OnlineExperimentType;
  metric: string;
  /** Whether the deployment is served now. */
  running: boolean;
  /** Whether the experiment has ended (promoted or rolled back since it was deployed). */
  concluded: boolean;
}

/** Result of `sextant/online/list`. */
export interface OnlineListResult {
  experiments: OnlineExperimentSummary[];
}

/** Params of `sextant/online/report`. */
export interface OnlineReportParams {
  deployment: string;
  /** Requests served from this time (ms since the epoch). */
  since?: number;
  /** Requests served before this time. */
  until?: number;
}

/** One variant of an experiment. Figures without data are null. */
export interface OnlineVariantResult {
  name: string;
  model: string;
  version: string;
  weight: number;
  /** The control (the deployment's champion). */
  control: boolean;
  requests: number;
  errors: number;
  errorRate: number | null;
  p99Ms: number | null;
  /** Units of the metric (judged requests). */
  n: number;
  /** The rate or the mean of the metric, and its (1 - alpha) interval. */
  mean: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Share of the planned sample reached, 0 to 1 (when the experiment declares a plan). */
  progress?: number;
}

/** A treatment against the control. */
export interface OnlineComparison {
  variant: string;
  control: string;
  /** `two-proportion-z` or `welch-t`. */
  test: string;
  effect: number;
  ciLow: number;
  ciHigh: number;
  pValue: number;
  /** The always-valid (mSPRT) p-value and confidence sequence at this moment. */
  sequentialPValue: number;
  sequentialCiLow: number | null;
  sequentialCiHigh: number | null;
  significant: boolean;
  /** Each guardrail's verdict at this moment (absent until every variant has feedback). */
  guardrails?: OnlineGuardrailVerdict[];
}

/** A guardrail's verdict for a treatment against the control. */
export interface OnlineGuardrailVerdict {
  /** `error_rate` or `p99_latency_ms`. */
  metric: string;
  /** Whether the treatment harms it beyond the rule's allowance. */
  harmed: boolean;
  /** The largest p99 latency allowed for the treatment (latency rules). */
  limit?: number;
}

/** A treatment's always-valid p-value at one look. */
export interface OnlineSequentialPoint {
  time: number;
  variant: string;
  n: number;
  effect: number;
  pValue: number;
}

/** A bandit's weights at one time. */
export interface OnlineAllocation {
  time: number;
  weights: Record<string, number>;
  /** The arm probabilities the weights were made from. */
  probabilities?: Record<string, number>;
}

/** The statistics a decision was taken on. */
export interface OnlineDecisionEvidence {
  variants: { name: string; n: number; mean: number | null }[];
  comparisons: { variant: string; effect: number; pValue: number; sequentialPValue: number }[];
}

/** The planned sample of an experiment's `plan:` (per variant, for the declared power). */
export interface OnlinePlan {
  controlN: number;
  treatmentN: number;
  /** The standardized effect the plan detects. */
  effectSize: number;
  alpha: number;
  power: number;
}

/** A decision: taken (applied), only looked at, or what the rules say now. */
export interface OnlineDecision {
  time: number;
  /** `promote`, `stop`, `rollback`, `continue`, `wait` or `concluded`. */
  action: string;
  variant?: string;
  reason: string;
  applied: boolean;
  /** Who took it: `sextant` for the rules, else the user. */
  by: string;
  /** The statistics at that moment. */
  evidence?: OnlineDecisionEvidence;
}

/** Result of `sextant/online/report`. */
export interface OnlineReport {
  deployment: string;
  type: OnlineExperimentType;
  metric: string;
  /** `proportion` or `mean`. */
  metricKind: string;
  higherIsBetter: boolean;
  alpha: number;
  running: boolean;
  concluded: boolean;
  variants: OnlineVariantResult[];
  comparisons: OnlineComparison[];
  /** Units each variant needs for the declared plan. */
  plannedPerVariant?: number;
  /** The declared plan in full. */
  plan?: OnlinePlan;
  sequential: OnlineSequentialPoint[];
  allocations: OnlineAllocation[];
  /** Decisions applied, oldest first. */
  decisions: OnlineDecision[];
  /** What the rules say now (not applied). */
  current: OnlineDecision;
}

/** Params of `sextant/online/decide`. */
export interface OnlineDecideParams {
  deployment: string;
  action: OnlineAction;
  /** The variant to promote or stop. */
  variant?: string;
}

/** The deployments with an online experiment. */
export const OnlineListRequest = new RequestType0<OnlineListResult, SextantErrorData>(
  'sextant/online/list',
);

/** An experiment's report: per-variant results, tests, the p-value over time, allocations, decisions. */
export const OnlineReportRequest = new RequestType<
  OnlineReportParams,
  OnlineReport,
  SextantErrorData
>('sextant/online/report');

/** Applies the decision rules now, or a person's Promote, Stop or Roll back; answers the decision. */
export const OnlineDecideRequest = new RequestType<
  OnlineDecideParams,
  OnlineDecision,
  SextantErrorData
>('sextant/online/decide');

/** A monitor of sextant.yaml and its latest checked window. */
export interface MonitorSummary {
  name: string;
  deployment: string;
  variant: string;
  /** `1000` (requests) or `1h`. */
  window: string;
  /** The newest window checked (scheduled or on demand), when there is one. */
  latest?: MonitoringWindow;
  /** The monitor's alert rules that are firing now. */
  firing: string[];
  /** The monitor's service-level objectives, when its `slo:` sets any. */
  slo?: MonitoringSlo;
}

/** A monitor's service-level objectives: the most each window may reach. */
export interface MonitoringSlo {
  p99LatencyMs?: number;
  errorRate?: number;
}

/** An alert rule of sextant.yaml. */
export interface MonitoringRule {
  name: string;
  monitor: string;
  metric: string;
  op: string;
  threshold: number;
  for: number;
  severity: string;
  firing: boolean;
}

/** Result of `sextant/monitoring/list`. */
export interface MonitoringListResult {
  monitors: MonitorSummary[];
  rules: MonitoringRule[];
}

/** Params of `sextant/monitoring/windows`. */
export interface MonitoringWindowsParams {
  monitor: string;
  /** Newest windows to return (default 50, at most 1000). */
  limit?: number;
}

/** One feature in one window: a cell of the drift heatmap. */
export interface MonitoringCell {
  feature: string;
  /** The drift method (`ks`, `wasserstein`, ...); empty when the window had no value. */
  method: string;
  /** Whether `score` is a p-value (drift below the threshold) or a distance (drift at or above it). */
  scoreKind?: 'p-value' | 'distance';
  /** The p-value or distance; null when not tested. */
  score: number | null;
  threshold: number;
  drifted: boolean;
  missingShare: number;
}

/** One checked window. */
export interface MonitoringWindow {
  id: number;
  monitor: string;
  deployment: string;
  variant?: string;
  model?: string;
  version?: string;
  /** `scheduled` or `on-demand`. */
  kind: string;
  start: number;
  end: number;
  requests: number;
  rows: number;
  checkedTime: number;
  /** drift_share, error_rate, p99_latency_ms, accuracy, `feature_drift_score:<f>`, ... */
  metrics: Record<string, number | null>;
  cells: MonitoringCell[];
}

/** Result of `sextant/monitoring/windows`: the feature x window heatmap, oldest window first. */
export interface MonitoringWindowsResult {
  monitor: string;
  features: string[];
  windows: MonitoringWindow[];
}

/** Params of `sextant/monitoring/histogram`. */
export interface MonitoringHistogramParams {
  window: number;
  /** A monitored feature, or the reference's prediction column. */
  feature: string;
  /** Bins of a numerical feature (default 20, at most 200). */
  bins?: number;
}

/** One bar: a bin [lo, hi) or a category, with each side's share. */
export interface MonitoringHistogramBin {
  label: string;
  lo?: number;
  hi?: number;
  reference: number;
  current: number;
}

/** Result of `sextant/monitoring/histogram`. */
export interface MonitoringHistogram {
  feature: string;
  kind: string;
  referenceCount: number;
  currentCount: number;
  bins: MonitoringHistogramBin[];
}

/** Params of `sextant/monitoring/alerts`. */
export interface MonitoringAlertsParams {
  rule?: string;
  monitor?: string;
  /** Events after this id only. */
  afterId?: number;
  /** Most events (default 200, at most 10000). */
  limit?: number;
}

/** An alert rule firing or resolving. */
export interface MonitoringAlertEvent {
  id: number;
  rule: string;
  monitor: string;
  deployment: string;
  /** `firing` or `resolved`. */
  state: string;
  severity: string;
  time: number;
  /** `sextant` for a scheduled check, else the user who ran it. */
  user: string;
  window?: number;
  value: number | null;
  threshold: number;
  /** The metric, the deciding values, the drifted features, the version served. */
  evidence: Record<string, unknown>;
}

/** Result of `sextant/monitoring/alerts`. */
export interface MonitoringAlertsResult {
  events: MonitoringAlertEvent[];
}

/** The monitors and alert rules of the workspace's sextant.yaml, with their latest state. */
export const MonitoringListRequest = new RequestType0<MonitoringListResult, SextantErrorData>(
  'sextant/monitoring/list',
);

/** A monitor's checked windows: the drift heatmap (feature x window) and each window's metrics. */
export const MonitoringWindowsRequest = new RequestType<
  MonitoringWindowsParams,
  MonitoringWindowsResult,
  SextantErrorData
>('sextant/monitoring/windows');

/** A feature's distribution in the reference and in a window, side by side. */
export const MonitoringHistogramRequest = new RequestType<
  MonitoringHistogramParams,
  MonitoringHistogram,
  SextantErrorData
>('sextant/monitoring/histogram');

/** Alert events, oldest first. */
export const MonitoringAlertsRequest = new RequestType<
  MonitoringAlertsParams,
  MonitoringAlertsResult,
  SextantErrorData
>('sextant/monitoring/alerts');

/** Params of `sextant/monitoring/triggeredRuns`. */
export interface MonitoringTriggeredRunsParams {
  /** The id of a firing alert event. */
  alertId: number;
}

/** Result of `sextant/monitoring/triggeredRuns`. */
export interface MonitoringTriggeredRunsResult {
  /** The pipeline runs that the alert event started through an `on: alert:` trigger, newest first. */
  runs: PipelineRun[];
}

/** The pipeline runs an alert event triggered (`on: alert: <rule>`), to open from its notification. */
export const MonitoringTriggeredRunsRequest = new RequestType<
  MonitoringTriggeredRunsParams,
  MonitoringTriggeredRunsResult,
  SextantErrorData
>('sextant/monitoring/triggeredRuns');

/** An alert rule fired or resolved (in any process over the store). */
export const MonitoringAlertNotification = new NotificationType<MonitoringAlertEvent>(
  'sextant/monitoring/alert',
);

/** One variant of a deployment: a model version with its share of the traffic and replicas. */
export interface ServingVariant {
  name: string;
  /** The registered model's name. */
  model: string;
  version: string;
  /** The URI it is deployed from (`models:/name@alias`, `models:/name/3`). */
  uri: string;
  /** Share of the traffic (normalized over the variants that are not shadows). */
  weight: number;
  /** Gets a mirrored copy of each request; its answer is logged, never returned. */
  shadow: boolean;
  replicas: number;
}

/** A deployment's figures over the last minute, its variants that take traffic together. */
export interface ServingLiveSummary {
  requestRate: number;
  /** Share of answers with a 5xx status, 0 to 1. */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Where a deployment stands: serving, stopped, or declared in sextant.yaml and never deployed. */
export type ServingStatus = 'running' | 'stopped' | 'declared';

/** A deployment as the Deployments views list it. */
export interface ServingDeploymentSummary {
  name: string;
  status: ServingStatus;
  /** Its base URL while running. */
  url?: string;
  variants: ServingVariant[];
  /** The variant whose model alias promote and rollback move. */
  champion?: string;
  /** ms since the epoch of the last recorded change. */
  lastUpdateTime?: number;
  /** While running: the last minute's figures. */
  live?: ServingLiveSummary;
}

/** Result of `sextant/serving/list`. */
export interface ServingListResult {
  deployments: ServingDeploymentSummary[];
  /** The file that declares deployments (absolute). */
  file: string;
}

/** Params naming one deployment. */
export interface ServingNameParams {
  name: string;
}

/** A recorded change of a deployment (deploy, scale, traffic, promote, rollback, stop, crash). */
export interface ServingEvent {
  kind: string;
  /** ms since the epoch. */
  time: number;
  user: string;
  reason?: string;
  /** The weights after the change. */
  weights: Record<string, number>;
  /** What the change was, and its evidence. */
  details: Record<string, unknown>;
}

/** A request the deployment answers, prefilled from the champion's input example. */
export interface ServingTestRequest {
  /** `/invocations`. */
  path: string;
  /** JSON text. */
  body: string;
  /** `serving_input_example`, `input_example`, `signature` or `none`. */
  source: string;
}

/** How to call a deployment. */
export interface ServingSnippets {
  url: string;
  /** A `curl` command sending the test request. */
  curl: string;
  /** Python (`requests`) sending the test request. */
  python: string;
}

/** Result of `sextant/serving/get`. */
export interface ServingGetResult {
  deployment: ServingDeploymentSummary;
  /** Oldest first, the latest 200. */
  events: ServingEvent[];
  testRequest: ServingTestRequest;
  snippets: ServingSnippets;
}

/** Params of `sextant/serving/deploy`. */
export interface ServingDeployParams {
  name: string;
  /**
   * A model version to deploy (`models:/name/3`, `models:/name@alias`): written into
   * sextant.yaml's `deployments:` first (comments kept). Absent: the declared deployment.
   */
  model?: string;
  runtime?: 'python' | 'onnx';
  replicas?: number;
  /**
   * With `model`: add it to the existing deployment `name` as this variant (a canary) instead;
   * a running deployment restarts with it.
   */
  variant?: string;
  /** The canary's share, 0 to 100 (default 10); the champion gets the rest. */
  weight?: number;
  /** Why (kept in the deployment's history). */
  reason?: string;
}

/** Params of `sextant/serving/stop` and `sextant/serving/rollback`. */
export interface ServingActionParams {
  name: string;
  reason?: string;
}

/** Params of `sextant/serving/scale`. */
export interface ServingScaleParams {
  name: string;
  /** Replicas per variant, 1 to 256. */
  replicas: number;
  reason?: string;
}

/** Params of `sextant/serving/setTraffic`. */
export interface ServingTrafficParams {
  name: string;
  /** Weights of the variants named; the others keep theirs. */
  weights: Record<string, number>;
  reason?: string;
}

/** Params of `sextant/serving/promote`. */
export interface ServingPromoteParams {
  name: string;
  /** The variant to promote; default the only challenger. */
  variant?: string;
  reason?: string;
}

/** Params of `sextant/serving/stats`. */
export interface ServingStatsParams {
  name: string;
  /** Seconds back, 1 to 600; default 60. */
  windowSeconds?: number;
}

/** A variant's per-second series, oldest first (null where a second had no data). */
export interface ServingSeries {
  requests: number[];
  errors: number[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
  batchSize: (number | null)[];
  queueDepth: (number | null)[];
  replicas: (number | null)[];
}

/** A variant's figures over the window, and now. */
export interface ServingVariantStats {
  variant: string;
  model: string;
  version: string;
  weight: number;
  shadow: boolean;
  requests: number;
  requestRate: number;
  errors: number;
  errorRate: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  meanBatchSize: number | null;
  queueDepth: number;
  replicasReady: number;
  replicasStarting: number;
  series: ServingSeries;
}

/** The variants that take traffic together, over the window. */
export interface ServingWindowTotal {
  requests: number;
  requestRate: number;
  errors: number;
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Result of `sextant/serving/stats`. */
export interface ServingStatsResult {
  deployment: string;
  /** When taken, ms since the epoch. */
  time: number;
  windowSeconds: number;
  /** Each second's start (ms since the epoch), oldest first: the x of every series. */
  seconds: number[];
  variants: ServingVariantStats[];
  total: ServingWindowTotal;
}

/** Params of `sextant/serving/predict`. */
export interface ServingPredictParams {
  name: string;
  /** JSON text. */
  body: string;
  /** `/invocations` (default) or `/v2/models/<name>/infer`. */
  path?: string;
}

/** Result of `sextant/serving/predict`: the answer as it came, 4xx and 5xx included. */
export interface ServingPredictResult {
  status: number;
  body: string;
  /** Round trip in ms, measured by the language server. */
  latencyMs: number;
  /** The variant that answered (`X-Sextant-Variant`). */
  variant?: string;
  requestId?: string;
}

/** Params of `sextant/serving/requests`. */
export interface ServingRequestsParams {
  name: string;
  /** Default 50, at most 500. */
  limit?: number;
}

/** One request of the inference log. */
export interface ServingLoggedRequest {
  requestId: string;
  /** ms since the epoch. */
  time: number;
  variant?: string;
  model: string;
  version: string;
  /** `oip` or `mlflow`. */
  protocol: string;
  status: number;
  latencyMs: number;
  inputs?: string;
  outputs?: string;
  error?: string;
}

/** Result of `sextant/serving/requests`. */
export interface ServingRequestsResult {
  /** Newest first. */
  requests: ServingLoggedRequest[];
}

/** Params of `sextant/serving/logs`. */
export interface ServingLogsParams {
  name: string;
  /** Byte offset to read from (the `offset` of the previous answer); default 0. */
  offset?: number;
}

/** Result of `sextant/serving/logs`. */
export interface ServingLogsResult {
  /** The deployment process's output from `offset` (at most the last 256 KiB). */
  text: string;
  /** Where the output ends now: the next call's `offset`. */
  offset: number;
}

/** Params of `sextant/serving/changed`. */
export interface ServingChangedParams {
  name: string;
}

/** The deployments recorded in the store and declared in sextant.yaml, with live figures. */
export const ServingListRequest = new RequestType0<ServingListResult, SextantErrorData>(
  'sextant/serving/list',
);

/** One deployment: status, URL, variants, weights, replicas, events, test request, snippets. */
export const ServingGetRequest = new RequestType<
  ServingNameParams,
  ServingGetResult,
  SextantErrorData
>('sextant/serving/get');

/** Starts a deployment (writing a model version's into sextant.yaml first); answers once ready. */
export const ServingDeployRequest = new RequestType<
  ServingDeployParams,
  ServingDeploymentSummary,
  SextantErrorData
>('sextant/serving/deploy');

/** Stops a running deployment. */
export const ServingStopRequest = new RequestType<
  ServingActionParams,
  ServingDeploymentSummary,
  SextantErrorData
>('sextant/serving/stop');

/** Sets a deployment's replicas per variant (a running one restarts with them, weights kept). */
export const ServingScaleRequest = new RequestType<
  ServingScaleParams,
  ServingDeploymentSummary,
  SextantErrorData
>('sextant/serving/scale');

/** Sets the traffic weights of a running deployment's variants. */
export const ServingSetTrafficRequest = new RequestType<
  ServingTrafficParams,
  ServingDeploymentSummary,
  SextantErrorData
>('sextant/serving/setTraffic');

/** Moves the champion's registry alias to a challenger and sends it all traffic, in one step. */
export const ServingPromoteRequest = new RequestType<
  ServingPromoteParams,
  ServingDeploymentSummary,
  SextantErrorData
>('sextant/serving/promote');

/** Reverses the last promotion: the alias and the traffic back. */
export const ServingRollbackRequest = new RequestType<
  ServingActionParams,
  ServingDeploymentSummary,
  SextantErrorData
>('sextant/serving/rollback');

/** A running deployment's live figures per variant over a recent window. */
export const ServingStatsRequest = new RequestType<
  ServingStatsParams,
  ServingStatsResult,
  SextantErrorData
>('sextant/serving/stats');

/** Sends one request to a running deployment; answers its response and latency. */
export const ServingPredictRequest = new RequestType<
  ServingPredictParams,
  ServingPredictResult,
  SextantErrorData
>('sextant/serving/predict');

/** The latest requests a deployment logged to the inference log. */
export const ServingRequestsRequest = new RequestType<
  ServingRequestsParams,
  ServingRequestsResult,
  SextantErrorData
>('sextant/serving/requests');

/** A deployment process's output from an offset. */
export const ServingLogsRequest = new RequestType<
  ServingLogsParams,
  ServingLogsResult,
  SextantErrorData
>('sextant/serving/logs');

/** A deployment was deployed, stopped, scaled, re-weighted, promoted, rolled back or crashed. */
export const ServingChangedNotification = new NotificationType<ServingChangedParams>(
  'sextant/serving/changed',
);

export type {
  Timeline,
  TimelineItem,
  TimelineItemKind,
  TimelineItemStatus,
  TimelineTarget,
} from '@sextant/core/model';

/** Params of `sextant/timeline/get`: which part of the loop's history. */
export interface TimelineGetParams {
  /** Only what concerns this deployment. */
  deployment?: string;
  /** Only what concerns this registered model. */
  model?: string;
  /** ms since the epoch, inclusive. */
  since?: number;
  /** ms since the epoch, inclusive. */
  until?: number;
  /** The newest items kept (default 500, at most 5000). */
  limit?: number;
}

/**
 * The timeline of the continuous-training loop: alerts, the pipeline runs they triggered,
 * evaluations, registrations and alias moves, deployment changes and experiment decisions,
 * oldest first, each with the item that caused it.
 */
export const TimelineGetRequest = new RequestType<TimelineGetParams, Timeline, SextantErrorData>(
  'sextant/timeline/get',
);
