export * from './model';
export { Engine, type EngineOptions } from './engine';
export { startServer, buildServer, type ServerOptions, type RunningServer } from './server/app';
export type { TrackingService } from './tracking/service';
export type { TrackingEvents } from './tracking/events';
export { LIMITS, validateTag } from './tracking/validation';
export { normalizeArtifactPath, parseArtifactUri } from './artifacts/paths';
export type { ArtifactEntry } from './artifacts/localStore';
export { publishServer, SERVER_FILE } from './server/serverFile';
export type { PipelineService, StepLog } from './pipelines/run/runner';
export { describeCollection } from './pipelines/run/cache';
export type { LineageService } from './lineage/service';
export type { LineageQuery, LineageGraph } from './lineage/query';
export type { OpenLineageRunEvent } from './lineage/openlineage';
export type {
  PipelineRunner,
  PlannedStep,
  StartOptions,
  StepState,
  LoadedPipelineFile,
} from './pipelines/api';
export { PipelineHost, type PipelineHostOptions } from './pipelines/triggers/host';
