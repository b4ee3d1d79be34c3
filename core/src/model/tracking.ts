/**
 * Tracking entities, shaped as MLflow's `service.proto` has them so the REST API maps one to one.
 * Times are epoch milliseconds. These are pure data types: nothing here imports anything.
 */

/** Whether an entity is live or soft-deleted (MLflow's `lifecycle_stage`). */
export type LifecycleStage = 'active' | 'deleted';

/** MLflow's `RunStatus`. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export const RUN_STATUSES: readonly RunStatus[] = [
  'RUNNING',
  'SCHEDULED',
  'FINISHED',
  'FAILED',
  'KILLED',
];

/** A key/value string pair: run tags, experiment tags, params. */
export interface KeyValue {
  key: string;
  value: string;
}

/** One logged metric point. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: KeyValue[];
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

/** A dataset as MLflow's `log_inputs` describes it. */
export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags: KeyValue[];
  dataset: Dataset;
}

/** A model used as an input of a run, or produced as an output (MLflow 3 logged models). */
export interface ModelIo {
  modelId: string;
  step?: number;
}

export interface Run {
  info: RunInfo;
  data: {
    /** The latest value of each metric (highest step, then timestamp). */
    metrics: Metric[];
    params: KeyValue[];
    tags: KeyValue[];
  };
  inputs: { datasetInputs: DatasetInput[]; modelInputs: ModelIo[] };
  outputs: { modelOutputs: ModelIo[] };
}

/** A page of results with an opaque token for the next page, absent on the last one. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Which entities a search returns, as MLflow's `ViewType`. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Extremes of one metric series of a run, for tables and comparisons. */
export interface MetricRange {
  key: string;
  /** Points in the series. */
  points: number;
  /** Smallest and largest non-NaN values; null when every value is NaN. */
  min: number | null;
  max: number | null;
}

/** A downsampled metric series for charts: columns rather than objects, ordered by step. */
export interface SampledSeries {
  key: string;
  runId: string;
  /** Points in the stored series. */
  total: number;
  steps: number[];
  timestamps: number[];
  values: number[];
  /** True when `steps` holds fewer points than the stored series. */
  downsampled: boolean;
}

/** Status of an MLflow 3 logged model. */
export type LoggedModelStatus =
  | 'LOGGED_MODEL_STATUS_UNSPECIFIED'
  | 'LOGGED_MODEL_PENDING'
  | 'LOGGED_MODEL_READY'
  | 'LOGGED_MODEL_UPLOAD_FAILED';

/** A metric point of a logged model: which run logged it, on which dataset. */
export interface LoggedModelMetric extends Metric {
  runId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** An MLflow 3 logged model (a model that a run or a notebook produced). */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  sourceRunId?: string;
  tags: KeyValue[];
  params: KeyValue[];
  metrics: LoggedModelMetric[];
}

/** What one notebook cell execution logged to its run: the keys, by kind. */
export interface CellLogged {
  params: string[];
  metrics: string[];
  tags: string[];
}

/** One executed notebook cell recorded against the run that was active while it ran. */
export interface CellExecution {
  /** The frontend's cell id (nbformat 4.5 `id`); empty when the frontend sent none. */
  cellId: string;
  executionCount: number | null;
  source: string;
  /** sha256 of `source`, hex. */
  sourceHash: string;
  startTime: number;
  durationMs: number;
  status: 'ok' | 'error';
  /** `ExceptionType: message` when the cell raised. */
  error?: string;
  logged: CellLogged;
  /** The notebook's path, when the kernel knows it. */
  notebook?: string;
}
