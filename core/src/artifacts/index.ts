/**
 * Artifacts: the files runs and steps write, kept on local disk the way MLflow's artifact
 * repository lays them out, and the path and URI rules that keep them inside their root.
 */
export {
  LocalArtifactStore,
  type ArtifactEntry,
  type ArtifactRead,
  type LocalArtifactStoreOptions,
} from './localStore';
export {
  normalizeArtifactPath,
  parseArtifactUri,
  resolveArtifactPath,
  validateArtifactLocation,
  validateModelVersionSource,
  type ArtifactUriParts,
} from './paths';
