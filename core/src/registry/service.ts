import { EventEmitter } from 'node:events';
import type {
  Deployability,
  KeyValue,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  RegistryEvent,
} from '../model';
import { invalid, notFound } from '../model/errors';
import type { TrackingService } from '../tracking';
import { deployability, lineageOf, readDeployFacts, type ArtifactReader } from './facts';
import { resolveSource, type ResolvedSource, type SourceLookups } from './sources';
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

/** A change the registry kept: to the model now called `name` (and its `version`, when one). */
export interface RegistryChange {
  name: string;
  version?: string;
  /** The model's name before a rename. */
  previousName?: string;
  /** What was done, with its fields, for the changes that MLflow announces to webhooks. */
  detail?: RegistryChangeDetail;
}

/**
 * The announced kinds of change (MLflow's webhook events; a registered model's tags only matter
 * for prompts, which MLflow keeps as registered models tagged `mlflow.prompt.is_prompt`).
 */
export type RegistryChangeDetail =
  | { kind: 'model.created'; tags: KeyValue[]; description: string }
  | {
      kind: 'version.created';
      version: string;
      source: string;
      runId: string;
      tags: KeyValue[];
      description: string;
    }
  | { kind: 'model.tag.set'; key: string; value: string }
  | { kind: 'model.tag.deleted'; key: string }
  | { kind: 'version.tag.set'; version: string; key: string; value: string }
  | { kind: 'version.tag.deleted'; version: string; key: string }
  | { kind: 'alias.set'; alias: string; version: string }
  | { kind: 'alias.deleted'; alias: string };

/** What {@link RegistryService.events} emits. */
export interface RegistryEvents {
  /** A model or version was created, changed (alias, stage, tag, description) or deleted. */
  changed: [RegistryChange];
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

  /** Live updates: fired after each change is stored, whoever made it (HTTP API, CLI, IDE). */
  readonly events = new EventEmitter<RegistryEvents>();

  private async changed<T>(
    work: Promise<T>,
    change: RegistryChange | ((result: T) => RegistryChange),
  ): Promise<T> {
    const result = await work;
    this.events.emit('changed', typeof change === 'function' ? change(result) : change);
    return result;
  }

  async createModel(
    input: { name: string; description?: string; tags?: KeyValue[] },
    actor: Actor = UNKNOWN,
  ): Promise<RegisteredModel> {
    return this.changed(
      this.store.createModel(
        {
          name: validateModelName(input.name),
          description: validateDescription(input.description),
          tags: (input.tags ?? []).map(validateRegistryTag),
        },
        actor,
      ),
      (model) => ({
        name: model.name,
        detail: { kind: 'model.created', tags: model.tags, description: input.description ?? '' },
      }),
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
    return this.changed(
      this.store.renameModel(
        validateModelName(name),
        validateModelName(newName, 'new_name'),
        actor,
      ),
      { name: newName, previousName: name },
    );
  }

  async updateModel(
    name: string,
    description: string,
    actor: Actor = UNKNOWN,
  ): Promise<RegisteredModel> {
    return this.changed(
      this.store.updateModel(validateModelName(name), validateDescription(description), actor),
      { name },
    );
  }

  async deleteModel(name: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.changed(this.store.deleteModel(validateModelName(name), actor), { name });
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
    return this.changed(
      this.store.setModelTag(validateModelName(name), validateRegistryTag(tag), actor),
      { name, detail: { kind: 'model.tag.set', key: tag.key, value: tag.value } },
    );
  }

  async deleteModelTag(name: string, key: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.changed(this.store.deleteModelTag(validateModelName(name), key, actor), {
      name,
      detail: { kind: 'model.tag.deleted', key },
    });
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
    return this.changed(
      this.store.setAlias(
        validateModelName(name),
        validateAlias(alias),
        validateVersion(version),
        actor,
      ),
      { name, version, detail: { kind: 'alias.set', alias, version } },
    );
  }

  async deleteAlias(name: string, alias: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.changed(
      this.store.deleteAlias(validateModelName(name), validateAlias(alias), actor),
      { name, detail: { kind: 'alias.deleted', alias } },
    );
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
    const resolved = await resolveSource(input.source, this.lookups);
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
    const version = await this.changed(
      this.store.createVersion(
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
      ),
      (created) => ({
        name,
        version: created.version,
        detail: {
          kind: 'version.created',
          version: created.version,
          source: created.source,
          runId: created.runId,
          tags,
          description,
        },
      }),
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

  /**
   * Sextant's one model-URI resolver, for reading a model's files (evaluation, serving):
   * `runs:/<run_id>/<path>` (or, as MLflow 3, the logged model of that name the run produced),
   * `models:/<name>/latest` and `models:/<name>/<stage>` (the newest version, as MLflow's client), `models:/m-<id>`, `models:/<name>/<version>`, `models:/<name>@<alias>` and
   * `mlflow-artifacts:/` paths under a run's or logged model's artifacts, resolved to a folder
   * inside the artifact root, with the run, logged model and registered version it names.
   * @throws SextantError INVALID_PARAMETER_VALUE for anything outside the store or not there.
   */
  async resolveModelUri(uri: string): Promise<ResolvedSource> {
    return resolveSource(uri, {
      ...this.lookups,
      latestVersion: async (name, stage) => {
        const versions = await this.latestVersions(name, stage ? [stage] : []);
        const newest = versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
        if (!newest) {
          throw notFound(
            `Registered model '${name}' has no version${stage ? ` in stage ${stage}` : ''}.`,
          );
        }
        return newest;
      },
      loggedModels: {
        hasMlmodel: async (relativePath) => {
          try {
            (await this.artifacts.read(`${relativePath}/MLmodel`)).stream.destroy();
            return true;
          } catch {
            return false;
          }
        },
        ofRun: async (run) =>
          (
            await this.tracking.searchLoggedModels({
              experimentIds: [run.info.experimentId],
              filter: `source_run_id = '${run.info.runId}'`,
              maxResults: 100,
            })
          ).items,
      },
    });
  }

  /** What resolving a version's source asks of tracking and of the registry's store. */
  private readonly lookups: SourceLookups = {
    getRun: (id) => this.tracking.getRun(id),
    getLoggedModel: (id) => this.tracking.getLoggedModel(id),
    registeredVersion: async (model, at) =>
      at.alias !== undefined
        ? await this.store.getVersionByAlias(validateModelName(model), validateAlias(at.alias))
        : await this.store.getVersion(validateModelName(model), validateVersion(at.version)),
  };

  async getVersion(name: string, version: string): Promise<ModelVersion> {
    return this.store.getVersion(validateModelName(name), validateVersion(version));
  }

  async updateVersion(
    name: string,
    version: string,
    description: string,
    actor: Actor = UNKNOWN,
  ): Promise<ModelVersion> {
    return this.changed(
      this.store.updateVersion(
        validateModelName(name),
        validateVersion(version),
        validateDescription(description),
        actor,
      ),
      { name, version },
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
    return this.changed(
      this.store.transitionStage(
        validateModelName(name),
        validateVersion(version),
        target,
        archiveExisting,
        actor,
      ),
      { name, version },
    );
  }

  async deleteVersion(name: string, version: string, actor: Actor = UNKNOWN): Promise<void> {
    return this.changed(
      this.store.deleteVersion(validateModelName(name), validateVersion(version), actor),
      { name, version },
    );
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
    return this.changed(
      this.store.setVersionTag(
        validateModelName(name),
        validateVersion(version),
        validateRegistryTag(tag),
        actor,
      ),
      {
        name,
        version,
        detail: { kind: 'version.tag.set', version, key: tag.key, value: tag.value },
      },
    );
  }

  async deleteVersionTag(
    name: string,
    version: string,
    key: string,
    actor: Actor = UNKNOWN,
  ): Promise<void> {
    return this.changed(
      this.store.deleteVersionTag(validateModelName(name), validateVersion(version), key, actor),
      { name, version, detail: { kind: 'version.tag.deleted', version, key } },
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
