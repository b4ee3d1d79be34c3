/**
 * Model evaluation: a model scored on an eval dataset by a Python worker, recorded as a tracked
 * run (metrics with `mlflow.models.evaluate`'s names, curves and explanations as JSON artifacts),
 * and gated with MLflow's `MetricThreshold` semantics.
 */

/** What the model predicts: classes or a number (`mlflow.models.evaluate`'s `model_type`). */
export type EvaluationTask = 'classifier' | 'regressor';

/**
 * A threshold on one metric, as MLflow's `MetricThreshold`: an absolute bound, and changes the
 * candidate must make over the baseline's value. At least one bound is set.
 */
export interface MetricThreshold {
  metric: string;
  /** The candidate's value must be >= this (<= when lower is better). */
  threshold?: number;
  /** The candidate must beat the baseline by at least this much (absolute). */
  minAbsoluteChange?: number;
  /** The candidate must beat the baseline by at least this fraction of |baseline|. */
  minRelativeChange?: number;
  greaterIsBetter: boolean;
}

/** The verdict of one threshold. */
export interface MetricGateResult {
  metric: string;
  /** The candidate's value; undefined when the evaluation did not produce the metric. */
  value?: number;
  /** The baseline's value, when a baseline was given and has the metric. */
  baseline?: number;
  threshold: MetricThreshold;
  passed: boolean;
  /** Why it failed, one sentence each (empty when it passed). */
  failures: string[];
}

/** A gate's verdict over all its thresholds: passed when every threshold passed. */
export interface GateResult {
  passed: boolean;
  /** The evaluation run the changes were measured against. */
  baselineRunId?: string;
  metrics: MetricGateResult[];
}

/** Metrics of the rows that hold one value of the slice column. */
export interface EvaluationSlice {
  column: string;
  /** The value, as text. */
  value: string;
  rows: number;
  metrics: Record<string, number>;
}

/** A step of an evaluation in progress. */
export interface EvaluationProgress {
  /** `resolve`, `environment`, `load_model`, `load_data`, `predict`, `metrics`, `curves`, `slices`, `permutation_importance`, `shap`, `record`. */
  stage: string;
  message: string;
  /** 0..1, when known. */
  fraction?: number;
}

/** An evaluation, recorded: the run that holds it, and what it measured. */
export interface EvaluationResult {
  runId: string;
  experimentId: string;
  /** The evaluated model as given (`runs:/<id>/<path>`, `models:/m-...` or a folder). */
  modelUri: string;
  /** The registered version the URI named (`models:/name/3`, `models:/name@alias`). */
  registered?: { name: string; version: string };
  /** The eval set's name (default: the dataset file's base name). */
  evalSet: string;
  task: EvaluationTask;
  dataset: {
    path: string;
    /** SHA-256 of the file's bytes, hex. */
    sha256: string;
    rows: number;
    target: string;
  };
  metrics: Record<string, number>;
  slices: EvaluationSlice[];
  /** Artifact paths of the run (curves, confusion matrix, importances...). */
  artifacts: string[];
  /** Things the worker could not compute, and why (e.g. SHAP for a model that is no tree). */
  warnings: string[];
  gate?: GateResult;
  /** The alias a passing gate moved onto the evaluated version. */
  aliasSet?: AliasMove;
}

/** An alias a passing gate set on the evaluated registered version. */
export interface AliasMove {
  name: string;
  alias: string;
  version: string;
  /** The version that held the alias before, if another did. */
  previousVersion?: string;
}

/** The tags an evaluation run carries. */
export const EVALUATION_TAGS = {
  /** `true` on every evaluation run. */
  evaluation: 'sextant.evaluation',
  modelUri: 'sextant.evaluation.model_uri',
  datasetSha256: 'sextant.evaluation.dataset_sha256',
  datasetPath: 'sextant.evaluation.dataset_path',
  task: 'sextant.evaluation.task',
  target: 'sextant.evaluation.target',
  /** `passed` or `failed`, when thresholds were given. */
  gate: 'sextant.evaluation.gate',
  gateBaseline: 'sextant.evaluation.gate_baseline_run_id',
  error: 'sextant.evaluation.error',
  /** The registered model whose version was evaluated (when the URI named one). */
  registeredModel: 'sextant.evaluation.registered_model',
  /** That version's number. */
  registeredVersion: 'sextant.evaluation.registered_version',
  /** The name of the eval set (default: the dataset file's base name). */
  evalSet: 'sextant.evaluation.eval_set',
  /** The alias the gate measured changes against, `alias=version` (e.g. `champion=3`). */
  gateBaselineAlias: 'sextant.evaluation.gate_baseline_alias',
  /** The alias a passing gate set on the version, `alias=version`. */
  aliasSet: 'sextant.evaluation.alias_set',
} as const;

/**
 * The JSON artifacts of an evaluation run that a view draws, as paths inside the run's artifacts
 * (`evaluation/roc_curve.json`); a kind the evaluation did not produce is absent.
 */
export interface EvaluationArtifactPaths {
  rocCurve?: string;
  precisionRecallCurve?: string;
  calibrationCurve?: string;
  confusionMatrix?: string;
  residuals?: string;
  permutationImportance?: string;
  /** Global (mean |SHAP|) and per-row SHAP values. */
  shapValues?: string;
  slices?: string;
  gate?: string;
  /** The whole {@link EvaluationResult}. */
  result?: string;
}

/** Which evaluations of a registered model to list. */
export interface EvaluationQuery {
  /** The registered model. */
  name: string;
  /** Only this version. */
  version?: string;
  /** Only this eval set. */
  evalSet?: string;
}

/** One finished evaluation of a registered model's version on a named eval set. */
export interface ModelEvaluation {
  /** The evaluation run. */
  runId: string;
  experimentId: string;
  /** The registered model and the version evaluated. */
  name: string;
  version: string;
  evalSet: string;
  /** SHA-256 of the eval dataset's bytes, hex. */
  datasetSha256: string;
  task?: EvaluationTask;
  /** When the evaluation ran (the run's start), ms since the epoch. */
  time: number;
  /** Metric name → value. */
  metrics: Record<string, number>;
  /** The gate's verdict, when thresholds were given. */
  gate?: 'passed' | 'failed';
  artifacts: EvaluationArtifactPaths;
}

/** One point of a metric's history: its value in one evaluation of one version. */
export interface EvaluationHistoryPoint {
  version: string;
  runId: string;
  /** When the evaluation ran, ms since the epoch. */
  time: number;
  value: number;
  /** The eval dataset's SHA-256: a change marks an eval set whose content changed. */
  datasetSha256: string;
}

/** Each metric of one eval set across a registered model's versions over time. */
export interface EvaluationHistory {
  evalSet: string;
  /** Metric name → its points, oldest first. */
  metrics: Record<string, EvaluationHistoryPoint[]>;
}
