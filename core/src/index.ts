export * from './model';
export { Engine, type EngineOptions } from './engine';
export { startServer, buildServer, type ServerOptions, type RunningServer } from './server/app';
export type { TrackingService } from './tracking/service';
export type { TrackingEvents } from './tracking/events';
export { LIMITS, validateTag } from './tracking/validation';
export { normalizeArtifactPath, parseArtifactUri } from './artifacts/paths';
export type { ArtifactEntry } from './artifacts/localStore';
export { publishServer, SERVER_FILE } from './server/serverFile';
