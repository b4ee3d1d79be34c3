/**
 * The model registry with MLflow's semantics: registered models, versions, aliases, tags and
 * legacy stages, with each version's deploy facts and lineage, and every change kept as an event.
 * Its service ({@link RegistryService}) is what others use; its store ({@link RegistryStore}) is
 * an interface, filled on SQLite today.
 */
export {
  RegistryService,
  type RegisterVersionInput,
  type RegistryChange,
  type RegistryChangeDetail,
  type RegistryEvents,
  type SearchRegistryInput,
} from './service';
export type { Actor, RegistryStore } from './store';
export type { ResolvedSource } from './sources';
// The SQLite implementation of the store: engine.ts composes it; other capabilities never name it.
export { SqliteRegistryStore } from './sqliteStore';
export { deployability, readDeployFacts, SERVABLE_FLAVORS, type ArtifactReader } from './facts';
export { REGISTRY_LIMITS, validateAlias } from './validation';
