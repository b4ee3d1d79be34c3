import type {
  KeyValue,
  ModelDeployFacts,
  ModelLineage,
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  Page,
  RegisteredModel,
  RegistryEvent,
} from '../model';

/** Who does a change, and why (kept in the model's history). */
export interface Actor {
  /** The request's user, the client's `mlflow.user`, or 'unknown'. */
  user: string;
  reason?: string;
}

export interface CreateModelInput {
  name: string;
  description: string;
  tags: KeyValue[];
}

export interface CreateVersionInput {
  name: string;
  source: string;
  storageLocation: string;
  runId: string;
  runLink: string;
  modelId: string;
  description: string;
  tags: KeyValue[];
  status: ModelVersionStatus;
  statusMessage: string;
  facts?: ModelDeployFacts;
  lineage?: ModelLineage;
}

export interface SearchInput {
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  pageToken?: string;
}

/**
 * Where the registry keeps registered models, versions, tags, aliases and events. Each write
 * records its event in the same transaction, so the history never misses a change. Reads of a
 * missing model or version throw RESOURCE_DOES_NOT_EXIST.
 */
export interface RegistryStore {
  createModel(input: CreateModelInput, actor: Actor): Promise<RegisteredModel>;
  getModel(name: string): Promise<RegisteredModel>;
  renameModel(name: string, newName: string, actor: Actor): Promise<RegisteredModel>;
  updateModel(name: string, description: string, actor: Actor): Promise<RegisteredModel>;
  deleteModel(name: string, actor: Actor): Promise<void>;
  searchModels(input: SearchInput): Promise<Page<RegisteredModel>>;
  setModelTag(name: string, tag: KeyValue, actor: Actor): Promise<void>;
  deleteModelTag(name: string, key: string, actor: Actor): Promise<void>;
  setAlias(name: string, alias: string, version: string, actor: Actor): Promise<void>;
  deleteAlias(name: string, alias: string, actor: Actor): Promise<void>;
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The newest version in each of `stages` (all stages when empty), oldest stage order first. */
  latestVersions(name: string, stages: readonly ModelStage[]): Promise<ModelVersion[]>;

  createVersion(input: CreateVersionInput, actor: Actor): Promise<ModelVersion>;
  getVersion(name: string, version: string): Promise<ModelVersion>;
  updateVersion(
    name: string,
    version: string,
    description: string,
    actor: Actor,
  ): Promise<ModelVersion>;
  transitionStage(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExisting: boolean,
    actor: Actor,
  ): Promise<ModelVersion>;
  deleteVersion(name: string, version: string, actor: Actor): Promise<void>;
  searchVersions(input: SearchInput): Promise<Page<ModelVersion>>;
  setVersionTag(name: string, version: string, tag: KeyValue, actor: Actor): Promise<void>;
  deleteVersionTag(name: string, version: string, key: string, actor: Actor): Promise<void>;

  /** The events of the model now called `name` (its history follows renames), oldest first. */
  history(name: string): Promise<RegistryEvent[]>;
}
