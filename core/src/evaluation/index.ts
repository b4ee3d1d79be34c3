/**
 * Evaluation: a model scored on an eval dataset in a Python worker started in the model's
 * environment, recorded as a tracked run with `mlflow.models.evaluate`'s metric names, curves,
 * slices and explanations as JSON artifacts, and gated with MLflow's `MetricThreshold` semantics.
 */
export { EVALUATION_ARTIFACTS } from './artifactNames';
export {
  EvaluationService,
  EVALUATIONS_EXPERIMENT,
  fileSha256,
  type EvaluateOptions,
  type EvaluateRequest,
  type EvaluationServiceOptions,
  type GateRequest,
} from './service';
export { applyGate, parseThresholds } from './gate';
export type {
  AliasMove,
  EvaluationArtifactPaths,
  EvaluationHistory,
  EvaluationHistoryPoint,
  EvaluationQuery,
  ModelEvaluation,
} from '../model/evaluation';
export { resolveModel, type ModelSource } from './modelSource';
export { EvaluationCancelled, runWorker, WORKER_SCRIPT, type WorkerOutcome } from './worker';
export { parseWorkerLine, WorkerProtocolError, type WorkerMessage } from './protocol';
