/**
 * Experiment tracking with MLflow's semantics: experiments, runs, metrics, params, tags, logged
 * models and notebook cells. Its service ({@link TrackingService}) is what other capabilities
 * use; its store ({@link TrackingStore}) is an interface, filled on SQLite today.
 */
export { TrackingService } from './service';
export { TrackingEventBus, type TrackingEvents } from './events';
export type { TrackingBatchWriter } from './batch';
export type {
  CreateLoggedModelInput,
  CreateRunInput,
  DatasetSummary,
  MetricInput,
  RecordedRunInput,
  RunMetric,
  RunUpdate,
  SearchExperimentsInput,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
} from './store';
// The SQLite implementation of the store: engine.ts composes it; other capabilities never name it.
export { SqliteTrackingStore } from './sqliteStore';
export { newRunId, runArtifactUri } from './runIds';
export {
  checkDuplicateParams,
  LIMITS,
  toInteger,
  toNumber,
  validateBatchSize,
  validateKey,
  validateMetric,
  validateParam,
  validateTag,
} from './validation';
export { CELL_LIMITS, encodeCell, parseCellExecution } from './cells';
export type { RunCell } from './cellsSql';
export { captureGit, gitTags, type GitSource } from './source';
export { decodePageToken, encodePageToken, toPage } from './pageToken';
export type { DatasetFilter, LoggedModelOrder } from './search/loggedModelSearch';
// The filter grammar and its SQL pieces, for other capabilities' searches (the registry's).
export {
  parseAttributeTagFilter,
  type AttributeTagClause,
  type NumberTest,
  type TextTest,
  type PresenceTest,
} from './search/filter';
export { parseAttributeOrderBy, type AttributeOrderKey } from './search/orderBy';
export { conjunction, likeToGlob, testSql } from './search/sql';
