export {
  PipelineService,
  STEP_LOG_LIMIT,
  type PipelineServiceOptions,
  type StepLog,
} from './runner';
export { ContentCache, describeCollection, type CacheEntry, type CachedOutput } from './cache';
export { FileHasher, type PathHash, type ManifestEntry } from './fileHash';
export { stepCacheKey, canonicalJson } from './cacheKey';
export { selectSteps, downstreamOf } from './plan';
export { experimentNameOf } from './tracking';
export { workspacePython, type ChosenPython } from './stepPython';
