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
} from '@sextant/core/model';

export type {
  CellPayload,
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
