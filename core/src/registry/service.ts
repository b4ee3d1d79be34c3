import type {
  Deployability,
  KeyValue,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  RegistryEvent,
} from '../model';
import { invalid } from '../model/errors';
import type { TrackingService } from '../tracking';

import { deployability, lineageOf, readDeployFacts, type ArtifactReader } from './facts';
import { resolveSource } from './sources';
import type { Actor, RegistryStore } from './store';
import {
  REGISTRY_LIMITS,
  validateAlias,
  validateDescription,
  validateModelName,
  validatePageSize,
  validateRegistryTag,
  validateStage,
  validateVersion,
} from './validation';

/** The logged-model tag listing the registered versions made from it (MLflow's). */
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/** Who did it when the caller does not say. */
const UNKNOWN: Actor = { user: 'unknown' };

export interface RegisterVersionInput {
  name: string;
  source: string;
  runId?: string;
  runLink?: string;
  modelId?: string;
  description?: string;
  tags?: KeyValue[];
}

export interface SearchRegistryInput {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/**
 * The model registry with MLflow's semantics (registered models, versions, tags, aliases, legacy
 * stages) and MLflow's limits and error codes; each version also records what deploying it needs
 * (read from its MLmodel and environment files) and its lineage, and every change is kept as an
 * event of the model's history. Sources must resolve inside the artifact root.
 */
export class RegistryService {
  constructor(
    readonly store: RegistryStore,
    private readonly tracking: TrackingService,
    private readonly artifacts: ArtifactReader,
  ) {}

  async createModel(
    input: { name: string; description?: string; tags?: KeyValue[] },
    actor: Actor = UNKNOWN,
  ): Promise<RegisteredModel> {
    return this.store.createModel(
      {
        name: validateModelName(input.name),
        description: validateDescription(input.description),
        tags: (input.tags ?? []).map(validateRegistryTag),
      },
      actor,
    );
  }

  async getModel(name: string): Promise<RegisteredModel> {
    return this.store.getModel(validateModelName(name));
  }

  async renameModel(
    name: string,
    newName: string,
    actor: Actor = UNKNOWN,
  ): Promise<RegisteredModel> {
    return this.store.renameModel(
      validateModelName(name),
      validateModelName(newName, 'new_name'),
      actor,
    );
  }

  async updateModel(
    name: string,
    description: string,
    actor: Actor = UNKNOWN,
  ): Promise<RegisteredModel> {
    return this.store.updateModel(validateModelName(name), validateDescription(description), actor);
  }

  async deleteModel(name: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.store.deleteModel(validateModelName(name), actor);
  }

  async searchModels(input: SearchRegistryInput = {}): Promise<Page<RegisteredModel>> {
    return this.store.searchModels({
      ...input,
      maxResults: validatePageSize(
        input.maxResults,
        REGISTRY_LIMITS.modelsPageDefault,
        REGISTRY_LIMITS.modelsPageMax,
      ),
    });
  }

  async setModelTag(name: string, tag: KeyValue, actor: Actor = UNKNOWN): Promise<void> {
    return this.store.setModelTag(validateModelName(name), validateRegistryTag(tag), actor);
  }

  async deleteModelTag(name: string, key: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.store.deleteModelTag(validateModelName(name), key, actor);
  }

  async latestVersions(name: string, stages: readonly string[] = []): Promise<ModelVersion[]> {
    const valid = [...new Set(stages.map(validateStage))];
    return this.store.latestVersions(validateModelName(name), valid);
  }

  async setAlias(
    name: string,
    alias: string,
    version: string,
    actor: Actor = UNKNOWN,
  ): Promise<void> {
    return this.store.setAlias(
      validateModelName(name),
      validateAlias(alias),
      validateVersion(version),
      actor,
    );
  }

  async deleteAlias(name: string, alias: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.store.deleteAlias(validateModelName(name), validateAlias(alias), actor);
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.store.getVersionByAlias(validateModelName(name), validateAlias(alias));
  }

  /**
   * Registers a new version of `name` (which must exist). The source is resolved inside the
   * artifact root (refused otherwise with INVALID_PARAMETER_VALUE); the version's MLmodel and
   * environment files are read for its deploy facts, and its run for its lineage. The version is
   * READY; FAILED_REGISTRATION with a message when its files could not be read.
   */
  async createVersion(input: RegisterVersionInput, actor: Actor = UNKNOWN): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    const tags = (input.tags ?? []).map(validateRegistryTag);
    const description = validateDescription(input.description);
    await this.store.getModel(name);
    if (input.modelId) await this.tracking.getLoggedModel(input.modelId);
    const resolved = await resolveSource(input.source, {
      getRun: (id) => this.tracking.getRun(id),
      getLoggedModel: (id) => this.tracking.getLoggedModel(id),
      versionLocation: async (model, at) =>
        (at.alias !== undefined
          ? await this.store.getVersionByAlias(validateModelName(model), validateAlias(at.alias))
          : await this.store.getVersion(validateModelName(model), validateVersion(at.version))
        ).storageLocation,
    });
    const runId = input.runId || resolved.runId || '';
    let status: ModelVersion['status'] = 'READY';
    let statusMessage = '';
    let facts;
    try {
      facts = await readDeployFacts(this.artifacts, resolved.relativePath);
    } catch (error) {
      status = 'FAILED_REGISTRATION';
      statusMessage = `Could not read the model files at ${resolved.storageLocation}: ${(error as Error).message}`;
    }
    const run = runId ? await this.tracking.getRun(runId).catch(() => undefined) : undefined;
    const lineage = lineageOf(run);
    const runUser =
      run?.data.tags.find((t) => t.key === 'mlflow.user')?.value || run?.info.userId || undefined;
    const by = actor.user === UNKNOWN.user && runUser ? { ...actor, user: runUser } : actor;
    const version = await this.store.createVersion(
      {
        name,
        source: resolved.source,
        storageLocation: resolved.storageLocation,
        runId,
        runLink: input.runLink ?? '',
        modelId: input.modelId || resolved.modelId || '',
        description,
        tags,
        status,
        statusMessage,
        ...(facts ? { facts } : {}),
        ...(lineage ? { lineage } : {}),
      },
      by,
    );
    if (version.modelId) await this.listVersionOnLoggedModel(version);
    return version;
  }

  /**
   * Adds the version to its logged model's `mlflow.modelVersions` tag, as MLflow's server does
   * (MLflow's UI reads a logged model's registered versions from it).
   */
  private async listVersionOnLoggedModel(version: ModelVersion): Promise<void> {
    const model = await this.tracking.getLoggedModel(version.modelId);
    const tag = model.tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
    let listed: { name: string; version: number }[] = [];
    try {
      const parsed: unknown = tag ? JSON.parse(tag) : [];
      if (Array.isArray(parsed)) listed = parsed as typeof listed;
    } catch {
      listed = [];
    }
    listed.push({ name: version.name, version: Number(version.version) });
    const value = `[${listed
      .map((v) => `{"name": ${JSON.stringify(String(v.name))}, "version": ${Number(v.version)}}`)
      .join(', ')}]`;
    await this.tracking.setLoggedModelTags(version.modelId, [{ key: MODEL_VERSIONS_TAG, value }]);
  }

  async getVersion(name: string, version: string): Promise<ModelVersion> {
    return this.store.getVersion(validateModelName(name), validateVersion(version));
  }

  async updateVersion(
    name: string,
    version: string,
    description: string,
    actor: Actor = UNKNOWN,
  ): Promise<ModelVersion> {
    return this.store.updateVersion(
      validateModelName(name),
      validateVersion(version),
      validateDescription(description),
      actor,
    );
  }

  async transitionStage(
    name: string,
    version: string,
    stage: string,
    archiveExisting = false,
    actor: Actor = UNKNOWN,
  ): Promise<ModelVersion> {
    const target: ModelStage = validateStage(stage);
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      throw invalid(
        `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are Staging, Production.`,
      );
    }
    return this.store.transitionStage(
      validateModelName(name),
      validateVersion(version),
      target,
      archiveExisting,
      actor,
    );
  }

  async deleteVersion(name: string, version: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.store.deleteVersion(validateModelName(name), validateVersion(version), actor);
  }

  async searchVersions(input: SearchRegistryInput = {}): Promise<Page<ModelVersion>> {
    return this.store.searchVersions({
      ...input,
      maxResults: validatePageSize(
        input.maxResults,
        REGISTRY_LIMITS.versionsPageDefault,
        REGISTRY_LIMITS.versionsPageMax,
      ),
    });
  }

  async setVersionTag(
    name: string,
    version: string,
    tag: KeyValue,
    actor: Actor = UNKNOWN,
  ): Promise<void> {
    return this.store.setVersionTag(
      validateModelName(name),
      validateVersion(version),
      validateRegistryTag(tag),
      actor,
    );
  }

  async deleteVersionTag(
    name: string,
    version: string,
    key: string,
    actor: Actor = UNKNOWN,
  ): Promise<void> {
    return this.store.deleteVersionTag(
      validateModelName(name),
      validateVersion(version),
      key,
      actor,
    );
  }

  /** Where a version's files are, for MLflow's get-download-uri. */
  async downloadUri(name: string, version: string): Promise<string> {
    return (await this.getVersion(name, version)).storageLocation;
  }

  /** Whether Sextant could deploy the version, and why not. */
  async deployability(name: string, version: string): Promise<Deployability> {
    return deployability((await this.getVersion(name, version)).facts);
  }

  /** What was done to the model now called `name`, oldest first. */
  async history(name: string): Promise<RegistryEvent[]> {
    return this.store.history(validateModelName(name));
  }
}
