import type { KeyValue } from './tracking';

/**
 * The model registry's data, as MLflow's Model Registry has it (registered models, versions,
 * aliases, tags, legacy stages), plus what Sextant records beside it: the facts a deployment needs
 * (read from the version's MLmodel and environment files), its lineage, and a history of events.
 */

/** MLflow's legacy stages of a model version. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** The stages, in MLflow's spelling. */
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** MLflow's `ModelVersionStatus`. */
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

/** An alias of a registered model (`champion`) and the version it points at. */
export interface ModelAlias {
  alias: string;
  version: string;
}

/** A registered model: a name that versions are registered under. */
export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string;
  description: string;
  tags: KeyValue[];
  aliases: ModelAlias[];
  /** The newest version in each stage (MLflow's `latest_versions`). */
  latestVersions: ModelVersion[];
}

/** What a version's MLmodel and environment files say (empty fields when a file is missing). */
export interface ModelDeployFacts {
  /** Flavor names of the MLmodel file, e.g. `python_function`, `sklearn`. */
  flavors: string[];
  /** Whether an MLmodel file was found at the version's location. */
  hasMlmodel: boolean;
  /** The signature's inputs and outputs as MLflow writes them (JSON text), when present. */
  signature?: { inputs?: string; outputs?: string; params?: string };
  hasInputExample: boolean;
  pythonVersion?: string;
  /** Lines of requirements.txt (pip), comments and blanks left out. */
  pipRequirements: string[];
  /** Whether requirements.txt exists. */
  hasRequirements: boolean;
  /** Whether conda.yaml exists. */
  hasConda: boolean;
  /** Dependencies listed in conda.yaml (pip ones included as `pip:<req>`). */
  condaDependencies: string[];
  /** Total bytes of the files under the version's location. */
  sizeBytes: number;
  /** MLmodel's `mlflow_version`, when given. */
  mlflowVersion?: string;
}

/** Where a version came from. */
export interface ModelLineage {
  runId?: string;
  experimentId?: string;
  /** The run's `mlflow.source.git.commit` tag. */
  gitCommit?: string;
  /** The pipeline run and step that made it, when the run was a pipeline step. */
  pipelineRunId?: string;
  pipelineStep?: string;
  pipeline?: string;
  /** The dataset versions the run logged as inputs (name and content digest). */
  datasets?: { name: string; digest: string; context?: string }[];
}

/** Whether Sextant can deploy a version, and why not. */
export interface Deployability {
  deployable: boolean;
  /** Why not, each an action a user can take; empty when deployable. */
  reasons: string[];
}

/** One version of a registered model. */
export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string;
  currentStage: ModelStage;
  description: string;
  /** The source as the client gave it (`runs:/...`, `models:/m-...`, `mlflow-artifacts:/...`). */
  source: string;
  /** Where the files are: an `mlflow-artifacts:/` URI inside the artifact root. */
  storageLocation: string;
  runId: string;
  runLink: string;
  modelId: string;
  status: ModelVersionStatus;
  statusMessage: string;
  tags: KeyValue[];
  aliases: string[];
  facts?: ModelDeployFacts;
  lineage?: ModelLineage;
}

/** What happened to a registered model or one of its versions. */
export type RegistryEventKind =
  | 'model_created'
  | 'model_renamed'
  | 'model_updated'
  | 'model_deleted'
  | 'model_tag_set'
  | 'model_tag_deleted'
  | 'version_created'
  | 'version_updated'
  | 'version_deleted'
  | 'version_tag_set'
  | 'version_tag_deleted'
  | 'stage_transitioned'
  | 'alias_set'
  | 'alias_moved'
  | 'alias_deleted';

/** One entry of a registered model's history. */
export interface RegistryEvent {
  id: number;
  /** The model's current name: a rename carries its history along (the rename event says from what). */
  name: string;
  version?: string;
  kind: RegistryEventKind;
  /** The request's user, the client's `mlflow.user`, or 'unknown'. */
  user: string;
  time: number;
  /** What changed, e.g. `{alias: 'champion', from: '1', to: '2'}`. */
  details: Record<string, string>;
  reason?: string;
}
