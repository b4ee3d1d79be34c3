/**
 * The package barrel of `@sextant/core`: the data model, the engine that composes the
 * capabilities, and what the language server uses of each capability's front door.
 */
export * from './model';
export { Engine, type EngineOptions } from './engine';
export {
  startServer,
  buildServer,
  publishServer,
  SERVER_FILE,
  type ServerOptions,
  type RunningServer,
} from './server';
export { LIMITS, validateTag, type TrackingService, type TrackingEvents } from './tracking';
export { normalizeArtifactPath, parseArtifactUri, type ArtifactEntry } from './artifacts';
export {
  describeCollection,
  type PipelineService,
  type StepLog,
  type PipelineRunner,
  type PlannedStep,
  type StartOptions,
  type StepState,
  type LoadedPipelineFile,
  type ChosenPython,
} from './pipelines';
export { PipelineHost, type PipelineHostOptions } from './pipelines/triggers/host';
export { alertEventOf } from './pipelines';
export {
  deployability,
  REGISTRY_LIMITS,
  type Actor,
  type RegistryService,
  type RegisterVersionInput,
  type SearchRegistryInput,
} from './registry';
export type { LineageService, LineageQuery, LineageGraph, OpenLineageRunEvent } from './lineage';
export { readDeployFacts, type RegistryChange } from './registry';
export {
  EVALUATION_ARTIFACTS,
  EvaluationCancelled,
  type EvaluationService,
  type EvaluateRequest,
} from './evaluation';
export { deploymentProblems, readDeploymentSchema, type DeploymentProblem } from './serving';
export {
  actOnExperiment,
  concluded,
  decideExperiment,
  experimentReport,
  type ExperimentHost,
  type ExperimentReport,
} from './onlineExperiments';
export { isServing, readDeployments, remoteWeights, type ExperimentSpec } from './serving';
export {
  formatWindow,
  readMonitoring,
  SCORE_KIND,
  type AlertEvent,
  type FeatureHistogram,
  type MonitorSpec,
  type MonitorWindow,
} from './monitoring';
export {
  DeploymentSupervisor,
  testRequestFor,
  type DeploymentDraft,
  type DeploymentEvent,
  type DeploymentStats,
  type InferenceLogRow,
  type PredictResult,
  type SupervisedDeployment,
  type VariantState,
  type VariantWindowStats,
} from './serving';
export { loopTimeline, type TimelineQuery } from './timeline';
