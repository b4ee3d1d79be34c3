/**
 * The one message contract between a view of `media` and its host (a VS Code webview panel, a
 * JupyterLab widget). Messages are a union keyed on {@link MessageType}; a view posts
 * {@link MessageType.Ready} first, then the host pushes whole snapshots, and later series updates
 * for live runs.
 */
import type {
  ArtifactFile,
  ArtifactsReadResult,
  PipelineGraph,
  PipelineRun,
  PipelinesStepLogResult,
  RegistryCompareResult,
  RegistryVersionResult,
  EvaluationSummary,
  OnlineExperimentSummary,
  OnlineReport,
  Run,
  RunModelArtifact,
  RunsCompareResult,
  RunSummary,
  SampledSeries,
  ServingGetResult,
  ServingLoggedRequest,
  ServingPredictResult,
  ServingStatsResult,
  TimelineItem,
  TimelineTarget,
  MonitorSummary,
  MonitoringAlertEvent,
  MonitoringHistogram,
  MonitoringRule,
  MonitoringWindow,
} from '@sextant/language-server/protocol';
import type { ColumnId, ColumnKeys, TableSort } from './runsTable/columns';

/** Every message type, in both directions. */
export enum MessageType {
  /** View → host: the view is listening; answer with a snapshot. */
  Ready = 'ready',
  /** Host → view: everything the comparison view shows. */
  CompareSnapshot = 'compareSnapshot',
  /** Host → view: everything the run view shows. */
  RunSnapshot = 'runSnapshot',
  /** Host → view: new versions of some series (a live run logged points); replace by run and key. */
  SeriesUpdate = 'seriesUpdate',
  /** View → host: open one run in its own view. */
  OpenRun = 'openRun',
  /** View → host: save text (a CSV export) to a file the user picks. */
  SaveFile = 'saveFile',
  /** View → host: something went wrong in the view (a script error, a CSP violation). */
  ViewError = 'viewError',
  /** View → host: read one artifact of the shown run for a preview. */
  ReadArtifact = 'readArtifact',
  /** Host → view: the content of an artifact, answering {@link ReadArtifact}. */
  ArtifactContent = 'artifactContent',
  /** View → host: list one folder of the shown run's artifacts. */
  ListArtifacts = 'listArtifacts',
  /** Host → view: one folder of artifacts, answering {@link ListArtifacts}. */
  ArtifactListing = 'artifactListing',
  /** View → host: save an artifact of the shown run to a file the user picks. */
  DownloadArtifact = 'downloadArtifact',
  /** Host → view: show the preview of one artifact (opened from the Run Details tree). */
  RevealArtifact = 'revealArtifact',
  /** Host → view: the DAG of a pipeline with each step's status (re-laid out when its shape changes). */
  PipelineSnapshot = 'pipelineSnapshot',
  /** Host → view: a run of the shown pipeline started or changed (`sextant/pipelines/changed`). */
  PipelineRunUpdate = 'pipelineRunUpdate',
  /** Host → view: output of a running step (`sextant/pipelines/log`). */
  PipelineLog = 'pipelineLog',
  /** Host → view: what the side panel shows of one step: its stored log and its tracked run. */
  PipelineStepDetails = 'pipelineStepDetails',
  /** View → host: run the pipeline, or one step and what it needs. */
  RunPipeline = 'runPipeline',
  /** View → host: cancel a pipeline run. */
  CancelPipelineRun = 'cancelPipelineRun',
  /** View → host: a step was selected; answer with its details. */
  SelectStep = 'selectStep',
  /** Host → view: everything the model version page shows. */
  ModelVersionSnapshot = 'modelVersionSnapshot',
  /** Host → view: everything the model comparison view shows. */
  ModelCompareSnapshot = 'modelCompareSnapshot',
  /** View → host: open a model version's page. */
  OpenModelVersion = 'openModelVersion',
  /** View → host: copy text (a load snippet) to the clipboard. */
  CopyText = 'copyText',
  /** View → host: compare on another eval set. */
  SelectEvalSet = 'selectEvalSet',
  /** Host → view: the models the shown run logged (artifact folders with an MLmodel, logged models). */
  RunModels = 'runModels',
  /** View → host: register one of the run's models (the IDE's Register Model command). */
  RegisterModel = 'registerModel',
  /** Host → view: the runs of the runs table, filtered and sorted, with the keys to choose from. */
  RunsTableSnapshot = 'runsTableSnapshot',
  /** View → host: filter and sort the runs table anew. */
  QueryRuns = 'queryRuns',
  /** View → host: compare the selected runs. */
  CompareRuns = 'compareRuns',
  /** Host → view: a deployment's page (summary, events, test request) and its logged requests. */
  DeploymentSnapshot = 'deploymentSnapshot',
  /** Host → view: a deployment's live figures (null while it is not running). */
  DeploymentStats = 'deploymentStats',
  /** Host → view: the latest logged requests of the deployment (when they changed). */
  DeploymentRequests = 'deploymentRequests',
  /** Host → view: the answer of a test request. */
  DeploymentPredicted = 'deploymentPredicted',
  /** Host → view: an action on the deployment failed or is under way. */
  DeploymentNotice = 'deploymentNotice',
  /** View → host: send a test request to the deployment. */
  SendTestRequest = 'sendTestRequest',
  /** View → host: set the deployment's traffic weights. */
  SetDeploymentTraffic = 'setDeploymentTraffic',
  /** View → host: promote a challenger of the deployment. */
  PromoteDeployment = 'promoteDeployment',
  /** View → host: roll the last promotion of the deployment back. */
  RollbackDeployment = 'rollbackDeployment',
  /** Host → view: the loop's timeline, grouped by iteration. */
  TimelineSnapshot = 'timelineSnapshot',
  /** View → host: open what a timeline item points at (a run, a version, a deployment). */
  OpenTimelineTarget = 'openTimelineTarget',
  /** View → host: set a tag of the shown run (its note is the `mlflow.note.content` tag). */
  SetRunTag = 'setRunTag',
  /** View → host: delete a tag of the shown run. */
  DeleteRunTag = 'deleteRunTag',
  /** Host → view: an edit of the shown run failed (the view keeps the user's text). */
  RunEditFailed = 'runEditFailed',
  /** Host → view: a deployment's monitors, drift windows, alert timeline and a histogram. */
  MonitoringSnapshot = 'monitoringSnapshot',
  /** Host → view: the reference vs current histogram of the feature picked. */
  MonitoringHistogramShown = 'monitoringHistogramShown',
  /** View → host: show another monitor of the deployment. */
  SelectMonitor = 'selectMonitor',
  /** View → host: show a feature's histogram in a window (a heatmap cell, the picker). */
  SelectMonitoringFeature = 'selectMonitoringFeature',
  /** View → host: open the pipeline run that an alert triggered. */
  OpenTriggeredRun = 'openTriggeredRun',
  /** Host → view: everything the experiment report shows (or why there is no experiment). */
  ExperimentReportSnapshot = 'experimentReportSnapshot',
  /** Host → view: an action on the experiment is under way, done or failed. */
  ExperimentNotice = 'experimentNotice',
  /** View → host: promote, stop or roll back a variant of the experiment (confirmed in the view). */
  ExperimentAction = 'experimentAction',
  /** View → host: open the experiment report of the shown deployment. */
  OpenExperimentReport = 'openExperimentReport',
}

/** Snapshot of the comparison of some runs. */
export interface CompareSnapshot {
  type: MessageType.CompareSnapshot;
  /** Runs, params diff and metric stats, in the order the runs were chosen. */
  compare: RunsCompareResult;
  /** Downsampled series of every metric of every run. */
  series: SampledSeries[];
}

/** Snapshot of one run. */
export interface RunSnapshot {
  type: MessageType.RunSnapshot;
  run: Run;
  /** Top level of the run's artifact directory. */
  artifacts: ArtifactFile[];
  /** Downsampled series of every metric of the run. */
  series: SampledSeries[];
}

/** Replacement series for some (run, key) pairs. */
export interface SeriesUpdate {
  type: MessageType.SeriesUpdate;
  series: SampledSeries[];
}

/** A request to open a run. */
export interface OpenRun {
  type: MessageType.OpenRun;
  runId: string;
}

/** A request to save text to a file. */
export interface SaveFile {
  type: MessageType.SaveFile;
  /** A suggested file name, e.g. `comparison.csv`. */
  fileName: string;
  content: string;
}

/** A view's report of an error. */
export interface ViewError {
  type: MessageType.ViewError;
  message: string;
}

/** The view's first message. */
export interface Ready {
  type: MessageType.Ready;
}

/** A request for an artifact preview; the host picks how much to read from its kind. */
export interface ReadArtifact {
  type: MessageType.ReadArtifact;
  /** Path relative to the run's artifact root. */
  path: string;
}

/** An artifact's content, or why it could not be read. */
export interface ArtifactContent {
  type: MessageType.ArtifactContent;
  path: string;
  result?: ArtifactsReadResult;
  error?: string;
}

/** A request for one folder of artifacts. */
export interface ListArtifacts {
  type: MessageType.ListArtifacts;
  path: string;
}

/** One folder of artifacts, or why it could not be listed. */
export interface ArtifactListing {
  type: MessageType.ArtifactListing;
  path: string;
  files: ArtifactFile[];
  error?: string;
}

/** A request to download an artifact. */
export interface DownloadArtifact {
  type: MessageType.DownloadArtifact;
  path: string;
}

/** Asks the run view to preview one artifact. */
export interface RevealArtifact {
  type: MessageType.RevealArtifact;
  path: string;
}

/** The DAG of the shown pipeline. */
export interface PipelineSnapshot {
  type: MessageType.PipelineSnapshot;
  graph: PipelineGraph;
}

/** A run of the shown pipeline as it is now. */
export interface PipelineRunUpdate {
  type: MessageType.PipelineRunUpdate;
  run: PipelineRun;
}

/** A chunk of a running step's output. */
export interface PipelineLog {
  type: MessageType.PipelineLog;
  pipelineRunId: string;
  step: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The details of one step of one pipeline run, answering {@link SelectStep}. */
export interface PipelineStepDetails {
  type: MessageType.PipelineStepDetails;
  step: string;
  pipelineRunId?: string;
  /** Stored stdout and stderr; absent when the step has not run. */
  log?: PipelinesStepLogResult;
  /** The tracked run of the step's latest execution (params, metrics). */
  run?: Run;
  /** Why something could not be loaded, for people. */
  error?: string;
}

/** A request to run the pipeline (or one step and its upstream). */
export interface RunPipeline {
  type: MessageType.RunPipeline;
  step?: string;
  force?: boolean;
}

/** A request to cancel a pipeline run. */
export interface CancelPipelineRun {
  type: MessageType.CancelPipelineRun;
  pipelineRunId: string;
}

/** A step was selected in the graph. */
export interface SelectStep {
  type: MessageType.SelectStep;
  step: string;
  pipelineRunId?: string;
  /** The tracked run of the step, when the view knows it. */
  runId?: string;
}

/** Snapshot of one model version: its page and the evaluations of every version of its model. */
export interface ModelVersionSnapshot {
  type: MessageType.ModelVersionSnapshot;
  page: RegistryVersionResult;
  /** The model's evaluations on the page's eval set, newest first: a metric across versions. */
  modelEvaluations: EvaluationSummary[];
}

/** Snapshot of a comparison of model versions. */
export interface ModelCompareSnapshot {
  type: MessageType.ModelCompareSnapshot;
  compare: RegistryCompareResult;
}

/** A request to open a model version's page. */
export interface OpenModelVersion {
  type: MessageType.OpenModelVersion;
  name: string;
  version: string;
}

/** A request to copy text. */
export interface CopyText {
  type: MessageType.CopyText;
  text: string;
}

/** A request to compare on another eval set. */
export interface SelectEvalSet {
  type: MessageType.SelectEvalSet;
  evalSet: string;
}

/** The models a run logged. */
export interface RunModels {
  type: MessageType.RunModels;
  models: RunModelArtifact[];
  /** Why they could not be listed. */
  error?: string;
}

/** A request to register a model of the shown run. */
export interface RegisterModel {
  type: MessageType.RegisterModel;
  /** A source of {@link RunModels}: `runs:/<run>/<path>` or `models:/m-<id>`. */
  source: string;
}

/** A request to set a tag of the shown run. */
export interface SetRunTag {
  type: MessageType.SetRunTag;
  key: string;
  value: string;
}

/** A request to delete a tag of the shown run. */
export interface DeleteRunTag {
  type: MessageType.DeleteRunTag;
  key: string;
}

/** An edit of the shown run that failed, with the server's words. */
export interface RunEditFailed {
  type: MessageType.RunEditFailed;
  /** The tag the edit was about. */
  key: string;
  error: string;
}

/** Snapshot of the runs table: the runs of some experiments, filtered and sorted. */
export interface RunsTableSnapshot {
  type: MessageType.RunsTableSnapshot;
  /** The experiments shown (kept in the view's state to restore it). */
  experimentIds: string[];
  /** The experiments' names, for the title. */
  experiments: string[];
  /** The runs matching the filter, in the table's order. */
  runs: RunSummary[];
  /** True when there were more runs than the table loads. */
  truncated: boolean;
  /** Every param, metric and tag key of the experiments' runs (for the column chooser). */
  keys: ColumnKeys;
  /** The columns shown until the user picks: metrics and params that vary across all the runs. */
  defaultColumns: ColumnId[];
  /** Distinct values of params, tags and some attributes, for completion. */
  values: Record<ColumnId, string[]>;
  /** The filter the runs match. */
  filter: string;
  sort: TableSort;
  /** Why the filter was refused (MLflow's message), when it was; `runs` are then the last good ones. */
  error?: string;
}

/** A request to filter and sort the runs table. */
export interface QueryRuns {
  type: MessageType.QueryRuns;
  filter: string;
  sort: TableSort;
}

/** A request to compare runs. */
export interface CompareRuns {
  type: MessageType.CompareRuns;
  runIds: string[];
}

/** Everything the deployment dashboard shows but its live figures. */
export interface DeploymentSnapshot {
  type: MessageType.DeploymentSnapshot;
  page: ServingGetResult;
  /** The latest logged requests, newest first. */
  requests: ServingLoggedRequest[];
  /** The deployment's online experiment, when it was started with one (links to its report). */
  experiment?: OnlineExperimentSummary;
}

/** A deployment's live figures; null while it is not running. */
export interface DeploymentStatsMessage {
  type: MessageType.DeploymentStats;
  stats: ServingStatsResult | null;
}

/** The latest logged requests of the deployment, newest first. */
export interface DeploymentRequests {
  type: MessageType.DeploymentRequests;
  requests: ServingLoggedRequest[];
}

/** The answer of a test request, or why it could not be sent. */
export interface DeploymentPredicted {
  type: MessageType.DeploymentPredicted;
  result?: ServingPredictResult;
  error?: string;
}

/** An action under way (`busy`), done, or failed with its message. */
export interface DeploymentNotice {
  type: MessageType.DeploymentNotice;
  level: 'busy' | 'info' | 'error';
  message: string;
}

/** Send a test request: its JSON body and path (`/invocations` or an OIP infer path). */
export interface SendTestRequest {
  type: MessageType.SendTestRequest;
  body: string;
  path: string;
}

/** New traffic weights for the deployment's variants. */
export interface SetDeploymentTraffic {
  type: MessageType.SetDeploymentTraffic;
  weights: Record<string, number>;
}

/** Promote a challenger (the only one when `variant` is absent). */
export interface PromoteDeployment {
  type: MessageType.PromoteDeployment;
  variant?: string;
}

/** Roll the last promotion back. */
export interface RollbackDeployment {
  type: MessageType.RollbackDeployment;
}

/** One turn of the loop: the items from an alert (or a pipeline run no alert caused) on. */
export interface TimelineIteration {
  /** `Before any alert`, or what started the turn. */
  title: string;
  /** ms since the epoch of its first item. */
  start: number;
  items: TimelineItem[];
}

/** Snapshot of the loop timeline. */
export interface TimelineSnapshot {
  type: MessageType.TimelineSnapshot;
  /** What the timeline covers, in words (`deployment fraud`, `model churn`, `every deployment`). */
  scope: string;
  /** The deployment and model it covers (kept by the view, to be restored after a reload). */
  deployment?: string;
  model?: string;
  iterations: TimelineIteration[];
  /** Older items were left out. */
  truncated: boolean;
}

/** A request to open what a timeline item points at. */
export interface OpenTimelineTarget {
  type: MessageType.OpenTimelineTarget;
  target: TimelineTarget;
}

/** A pipeline run that an alert triggered, as the alert timeline links to it. */
export interface TriggeredRunLink {
  pipelineRunId: string;
  pipeline: string;
  file: string;
  status: string;
}

/** Everything the monitoring dashboard of one deployment shows. */
export interface MonitoringSnapshot {
  type: MessageType.MonitoringSnapshot;
  deployment: string;
  /** The deployment's monitors (of sextant.yaml). */
  monitors: MonitorSummary[];
  /** The alert rules of those monitors. */
  rules: MonitoringRule[];
  /** The monitor shown; absent when the deployment has none. */
  monitor?: string;
  /** Its checked windows, oldest first (none yet: empty). */
  features: string[];
  windows: MonitoringWindow[];
  /** The alert events of the deployment's monitors, oldest first. */
  alerts: MonitoringAlertEvent[];
  /** Pipeline runs triggered by the alert events, by event id. */
  triggered: Record<number, TriggeredRunLink>;
  /** The histogram shown with the snapshot. */
  histogram?: MonitoringHistogramShown;
}

/** The reference vs current histogram of one feature in one window, or why there is none. */
export interface MonitoringHistogramShown {
  type: MessageType.MonitoringHistogramShown;
  feature: string;
  window: number;
  histogram?: MonitoringHistogram;
  error?: string;
}

/** Show another monitor of the deployment. */
export interface SelectMonitor {
  type: MessageType.SelectMonitor;
  monitor: string;
}

/** Show a feature's histogram in a window (the newest when absent). */
export interface SelectMonitoringFeature {
  type: MessageType.SelectMonitoringFeature;
  feature: string;
  window?: number;
}

/** Open a pipeline run that an alert triggered. */
export interface OpenTriggeredRun {
  type: MessageType.OpenTriggeredRun;
  run: TriggeredRunLink;
}

/** Everything the experiment report shows. */
export interface ExperimentReportSnapshot {
  type: MessageType.ExperimentReportSnapshot;
  deployment: string;
  /** The report; null when the deployment has no `experiment:` block (then see `snippet`). */
  report: OnlineReport | null;
  /** An `experiment:` block to paste under the deployment, for the empty state. */
  snippet?: string;
  /** When the shown experiment ended with a promotion that serving can still roll back. */
  promotionToRollBack?: boolean;
  /** Why the report could not be made. */
  error?: string;
}

/** An action on the experiment under way (`busy`), done, or failed with its message. */
export interface ExperimentNotice {
  type: MessageType.ExperimentNotice;
  level: 'busy' | 'info' | 'error';
  message: string;
}

/**
 * A person's decision on the experiment: `promote` or `stop` a treatment, `rollback` all traffic
 * to the control (while it runs), or `undoPromotion` (serving's rollback of a promotion).
 */
export interface ExperimentAction {
  type: MessageType.ExperimentAction;
  action: 'promote' | 'stop' | 'rollback' | 'undoPromotion';
  variant?: string;
}

/** A request to open the experiment report of the shown deployment. */
export interface OpenExperimentReport {
  type: MessageType.OpenExperimentReport;
}

/** Messages a host sends to a view. */
export type HostMessage =
  | CompareSnapshot
  | RunSnapshot
  | SeriesUpdate
  | PipelineSnapshot
  | PipelineRunUpdate
  | PipelineLog
  | PipelineStepDetails
  | ArtifactContent
  | ArtifactListing
  | RevealArtifact
  | ModelVersionSnapshot
  | ModelCompareSnapshot
  | RunModels
  | RunsTableSnapshot
  | DeploymentSnapshot
  | DeploymentStatsMessage
  | DeploymentRequests
  | DeploymentPredicted
  | DeploymentNotice
  | TimelineSnapshot
  | RunEditFailed
  | MonitoringSnapshot
  | MonitoringHistogramShown
  | ExperimentReportSnapshot
  | ExperimentNotice;

/** Messages a view sends to its host. */
export type ViewMessage =
  | Ready
  | OpenRun
  | SaveFile
  | ViewError
  | RunPipeline
  | CancelPipelineRun
  | SelectStep
  | ReadArtifact
  | ListArtifacts
  | DownloadArtifact
  | OpenModelVersion
  | CopyText
  | SelectEvalSet
  | RegisterModel
  | QueryRuns
  | CompareRuns
  | SendTestRequest
  | SetDeploymentTraffic
  | PromoteDeployment
  | RollbackDeployment
  | OpenTimelineTarget
  | SetRunTag
  | DeleteRunTag
  | SelectMonitor
  | SelectMonitoringFeature
  | OpenTriggeredRun
  | ExperimentAction
  | OpenExperimentReport;

const HOST_TYPES: ReadonlySet<string> = new Set([
  MessageType.CompareSnapshot,
  MessageType.RunSnapshot,
  MessageType.SeriesUpdate,
  MessageType.PipelineSnapshot,
  MessageType.PipelineRunUpdate,
  MessageType.PipelineLog,
  MessageType.PipelineStepDetails,
  MessageType.ArtifactContent,
  MessageType.ArtifactListing,
  MessageType.RevealArtifact,
  MessageType.ModelVersionSnapshot,
  MessageType.ModelCompareSnapshot,
  MessageType.RunModels,
  MessageType.RunsTableSnapshot,
  MessageType.DeploymentSnapshot,
  MessageType.DeploymentStats,
  MessageType.DeploymentRequests,
  MessageType.DeploymentPredicted,
  MessageType.DeploymentNotice,
  MessageType.TimelineSnapshot,
  MessageType.RunEditFailed,
  MessageType.MonitoringSnapshot,
  MessageType.MonitoringHistogramShown,
  MessageType.ExperimentReportSnapshot,
  MessageType.ExperimentNotice,
]);

const VIEW_TYPES: ReadonlySet<string> = new Set([
  MessageType.Ready,
  MessageType.OpenRun,
  MessageType.SaveFile,
  MessageType.ViewError,
  MessageType.RunPipeline,
  MessageType.CancelPipelineRun,
  MessageType.SelectStep,
  MessageType.ReadArtifact,
  MessageType.ListArtifacts,
  MessageType.DownloadArtifact,
  MessageType.OpenModelVersion,
  MessageType.CopyText,
  MessageType.SelectEvalSet,
  MessageType.RegisterModel,
  MessageType.QueryRuns,
  MessageType.CompareRuns,
  MessageType.SendTestRequest,
  MessageType.SetDeploymentTraffic,
  MessageType.PromoteDeployment,
  MessageType.RollbackDeployment,
  MessageType.OpenTimelineTarget,
  MessageType.SetRunTag,
  MessageType.DeleteRunTag,
  MessageType.SelectMonitor,
  MessageType.SelectMonitoringFeature,
  MessageType.OpenTriggeredRun,
  MessageType.ExperimentAction,
  MessageType.OpenExperimentReport,
]);

function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** True when `value` has the type tag of a host → view message. */
export function isHostMessage(value: unknown): value is HostMessage {
  const type = typeOf(value);
  return type !== undefined && HOST_TYPES.has(type);
}

/** True when `value` has the type tag of a view → host message. */
export function isViewMessage(value: unknown): value is ViewMessage {
  const type = typeOf(value);
  return type !== undefined && VIEW_TYPES.has(type);
}

/** Identity of a series: one run, one key. */
export function seriesId(series: Pick<SampledSeries, 'runId' | 'key'>): string {
  return `${series.runId}\u0000${series.key}`;
}

/** `current` with every series of `updates` replacing the one of the same run and key, or added. */
export function mergeSeries(current: SampledSeries[], updates: SampledSeries[]): SampledSeries[] {
  const byId = new Map(updates.map((series) => [seriesId(series), series]));
  const merged = current.map((series) => {
    const id = seriesId(series);
    const update = byId.get(id);
    if (!update) return series;
    byId.delete(id);
    return update;
  });
  return [...merged, ...byId.values()];
}
