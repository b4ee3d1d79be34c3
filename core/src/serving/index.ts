/**
 * Serving: a registered model behind an HTTP endpoint that speaks the Open Inference Protocol
 * (KServe V2 REST) and MLflow's scoring protocol, run by replicas of a long-lived Python worker
 * (the MLflow pyfunc flavour, in the model's environment) fed length-prefixed JSON frames; with
 * dynamic batching, back-pressure, replicas replaced when they die or hang, Prometheus metrics
 * and a sampled inference log in the store.
 */
export { serveModel, SERVE_DEFAULTS, type RunningServer, type ServeOptions } from './server';
export { resolveServedModel, type ServedModel } from './modelRef';
export { servingPython, type ServingEnvironment } from './python';
export { InferenceLog, type InferenceLogOptions, type InferenceLogRow } from './inferenceLog';
export { ReplicaPool, type PoolEvent, type PoolOptions } from './pool';
export { ServingError } from './errors';
export { DEFAULT_PARITY_TOLERANCE, type ParityReport } from './onnx';
export type { Runtime } from './runtime';
export { SERVE_SCRIPT, WorkerProcess, type WorkerReady, type WorkerResult } from './worker';
export {
  DeploymentRecords,
  validateDeploymentName,
  type DeploymentActor,
  type DeploymentEvent,
  type DeploymentEventKind,
  type DeploymentFailure,
  type DeploymentRecord,
  type DeploymentState,
  type VariantState,
} from './deploymentRecords';
export {
  serveDeployment,
  type DeploymentOptions,
  type RunningDeployment,
  type VariantOptions,
  type VariantReplicas,
} from './deployment';
export {
  Autoscaler,
  AUTOSCALING_DEFAULTS,
  autoscalingConfig,
  ConcurrencyMeter,
  decideReplicas,
  initialScalerState,
  type AutoscalingConfig,
  type ConcurrencySample,
  type ScaleDecision,
  type ScaleEvidence,
  type ScalerState,
} from './autoscaler';
export { rollVariant, RuntimeSlot, type RolloutResult, type RolloutTarget } from './rollout';
export {
  TrafficRouter,
  seededRandom,
  type LiveVariant,
  type RollbackEvidence,
  type RollbackGuard,
} from './traffic';
export { VARIANT_HEADER } from './http';
export {
  deploymentProblems,
  parseDeployments,
  readDeployments,
  readDeploymentSchema,
  type DeploymentProblem,
  type DeploymentSpec,
  type VariantSpec,
} from './deploymentSpec';
export { parseCondition, evaluateCondition, type Condition } from './condition';
export {
  graphModelUris,
  parseGraph,
  type GraphNode,
  type GraphNodeType,
  type GraphSpec,
  type GraphStep,
} from './graphSpec';
export type { GraphServing } from './graph';
export { checkFunctionRef, type ProcessingSpec } from './processing';
export { parseExperiment, type ExperimentSpec } from './experimentSpec';
export { answerFeedback, FEEDBACK_PATH } from './feedbackRoute';
export { aliasOf, promoteVariant, weightsOf, withWeights, type PromotionHost } from './promotion';
export { followedWeights, movedAliases, type MovedAlias } from './aliasFollow';
export { adminPost, isServing, remoteWeights, sendWeights } from './adminClient';
export {
  LiveStats,
  quantile,
  type DeploymentStats,
  type VariantSeries,
  type VariantWindowStats,
  type WindowTotal,
} from './liveStats';
export { testRequestFor, type TestRequest } from './testRequest';
export { writeDeploymentDraft, writeReplicas, type DeploymentDraft } from './deploymentFile';
export {
  DeploymentSupervisor,
  type PredictResult,
  type SupervisedDeployment,
  type SupervisorOptions,
} from './supervisor';
export {
  kserveManifest,
  kubernetesName,
  modelFormatOf,
  storageUriOf,
  type KServeExport,
  type KServeVariant,
} from './kserve';
