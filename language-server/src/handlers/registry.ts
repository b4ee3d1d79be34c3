import os from 'node:os';
import {
  invalid,
  MODEL_STAGES,
  parseArtifactUri,
  readDeployFacts,
  type Engine,
  type RegistryChange,
} from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { toResponseError } from '../errors';
import { optionalBoolean, optionalInteger, optionalString, requiredString } from '../params';
import {
  RegistryChangedNotification,
  RegistryCompareRequest,
  RegistryDeleteAliasRequest,
  RegistryDeleteModelRequest,
  RegistryDeleteVersionRequest,
  RegistryListRequest,
  RegistryModelRequest,
  RegistryRegisterRequest,
  RegistryRunModelsRequest,
  RegistrySetAliasRequest,
  RegistrySetStageRequest,
  RegistrySnippetRequest,
  RegistryVersionRequest,
  type ModelStage,
  type RegistryModelResult,
  type RegistrySnippet,
  type RunModelArtifact,
} from '../protocol';
import { runSummary } from '../summaries';
import { KeyedThrottle } from '../throttle';
import { handle, type HandlerContext } from './context';
import { compareVersions, versionRefs } from './registryCompare';
import { modelSummary, quoted, versionSummary, versionsOf } from './registryData';
import { evaluationDetails, listEvaluations } from './evaluationData';

/** Default least time between two `sextant/registry/changed` about the same model. */
export const REGISTRY_NOTIFY_INTERVAL_MS = 100;
const DEFAULT_PAGE_SIZE = 100;
/** How deep `runModels` looks for MLmodel files among a run's artifacts. */
const MODEL_SEARCH_DEPTH = 3;

/** Who the language server's changes are recorded as. */
const actor = (): { user: string } => {
  try {
    return { user: os.userInfo().username };
  } catch {
    return { user: 'unknown' };
  }
};

async function modelResult(engine: Engine, name: string): Promise<RegistryModelResult> {
  const [model, versions, evaluations] = await Promise.all([
    engine.registry.getModel(name),
    versionsOf(engine.registry, name),
    listEvaluations(engine, { name }),
  ]);
  return {
    model: modelSummary(model),
    versions: versions.map((v) => versionSummary(v, evaluations)),
  };
}

/** `models:/name@alias` (or `/version`) and the Python that loads it. */
export function loadSnippet(
  name: string,
  at: { version?: string; alias?: string },
): RegistrySnippet {
  const uri = at.alias ? `models:/${name}@${at.alias}` : `models:/${name}/${at.version ?? ''}`;
  return {
    uri,
    code: `import mlflow\n\nmodel = mlflow.pyfunc.load_model(${JSON.stringify(uri)})\npredictions = model.predict(data)\n`,
  };
}

/** The signature and size of a model, from its deploy facts when they could be read. */
function modelFacts(
  facts: Awaited<ReturnType<typeof readDeployFacts>> | undefined,
): Pick<RunModelArtifact, 'signature' | 'sizeBytes'> {
  if (!facts) return {};
  return {
    ...(facts.signature ? { signature: facts.signature } : {}),
    ...(facts.sizeBytes !== undefined ? { sizeBytes: facts.sizeBytes } : {}),
  };
}

/** Most bytes of an MLmodel file sent with a run's logged model. */
const MLMODEL_TEXT_BYTES = 64 * 1024;

/** The text of the MLmodel file in `dir`, unless it is missing or larger than the limit. */
async function mlmodelText(engine: Engine, dir: string): Promise<string | undefined> {
  const file = await engine.artifacts.read(`${dir}/MLmodel`).catch(() => undefined);
  if (!file) return undefined;
  if (file.size > MLMODEL_TEXT_BYTES) {
    file.stream.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Folders among a run's artifacts (a few levels down) that hold an MLmodel, and its logged models. */
async function runModels(engine: Engine, runId: string): Promise<RunModelArtifact[]> {
  const run = await engine.tracking.getRun(runId);
  const root = parseArtifactUri(run.info.artifactUri).relative;
  const found: RunModelArtifact[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await engine.artifacts.list(dir).catch(() => []);
    if (entries.some((e) => !e.isDir && e.path === `${dir}/MLmodel`) && dir !== root) {
      const relative = dir.slice(root.length + 1);
      const facts = await readDeployFacts(engine.artifacts, dir).catch(() => undefined);
      found.push({
        source: `runs:/${runId}/${relative}`,
        name: relative,
        flavors: facts?.flavors ?? [],
        ...modelFacts(facts),
        artifactPath: relative,
      });
      return;
    }
    if (depth >= MODEL_SEARCH_DEPTH) return;
    for (const entry of entries) if (entry.isDir) await walk(entry.path, depth + 1);
  };
  await walk(root, 0);
  const logged = await engine.tracking.searchLoggedModels({
    experimentIds: [run.info.experimentId],
    filter: `source_run_id = '${runId}'`,
    maxResults: 100,
  });
  for (const model of logged.items) {
    if (found.some((f) => f.name === model.name)) continue;
    const dir = parseArtifactUri(model.artifactUri).relative;
    const facts = await readDeployFacts(engine.artifacts, dir).catch(() => undefined);
    const inRun = dir.startsWith(`${root}/`);
    const text = inRun ? undefined : await mlmodelText(engine, dir);
    found.push({
      source: `models:/${model.modelId}`,
      name: model.name,
      flavors: facts?.flavors ?? [],
      ...modelFacts(facts),
      ...(inRun ? { artifactPath: dir.slice(root.length + 1) } : {}),
      ...(text !== undefined ? { mlmodel: text } : {}),
    });
  }
  return found;
}

function stageParam(params: unknown): ModelStage {
  const stage = requiredString(params, 'stage');
  if (!(MODEL_STAGES as readonly string[]).includes(stage)) {
    throw invalid(
      `Invalid 'stage' ${JSON.stringify(stage)}: give one of ${MODEL_STAGES.join(', ')}.`,
    );
  }
  return stage as ModelStage;
}

/**
 * `sextant/registry/*`: registered models and versions for the Models views (list, model, version,
 * the models of a run, register, aliases, stages, deletes, load snippets, comparisons).
 */
export function registerRegistryHandlers(connection: Connection, context: HandlerContext): void {
  const engine = (): Engine => context.workspace().engine;

  handle(connection, RegistryListRequest, async (params) => {
    const search = optionalString(params, 'search')?.trim();
    const filter = optionalString(params, 'filter');
    const clauses = [
      ...(search ? [`name ILIKE ${quoted(`%${search}%`)}`] : []),
      ...(filter ? [filter] : []),
    ];
    const orderBy = (params as { orderBy?: unknown } | undefined)?.orderBy;
    const page = await engine().registry.searchModels({
      ...(clauses.length > 0 ? { filter: clauses.join(' AND ') } : {}),
      orderBy: Array.isArray(orderBy) ? orderBy.map(String) : ['name ASC'],
      maxResults: optionalInteger(params, 'maxResults', 1, 1000) ?? DEFAULT_PAGE_SIZE,
      pageToken: optionalString(params, 'pageToken'),
    });
    return {
      models: page.items.map(modelSummary),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  });

  handle(connection, RegistryModelRequest, (params) =>
    modelResult(engine(), requiredString(params, 'name')),
  );

  handle(connection, RegistryVersionRequest, async (params) => {
    const name = requiredString(params, 'name');
    const number = requiredString(params, 'version');
    const e = engine();
    const [version, history, evaluations] = await Promise.all([
      e.registry.getVersion(name, number),
      e.registry.history(name),
      listEvaluations(e, { name, version: number }),
    ]);
    const sourceRun = version.runId
      ? await e.tracking.getRun(version.runId).catch(() => undefined)
      : undefined;
    const latest = evaluations[0];
    const latestEvaluation = latest ? await evaluationDetails(e, latest.runId) : undefined;
    const alias = version.aliases[0];
    return {
      summary: versionSummary(version, evaluations),
      version,
      ...(sourceRun ? { sourceRun: runSummary(sourceRun) } : {}),
      history: history.filter(
        (event) =>
          event.version === number ||
          event.details['to'] === number ||
          event.details['from'] === number,
      ),
      evaluations,
      ...(latestEvaluation ? { latestEvaluation } : {}),
      snippet: loadSnippet(name, alias ? { alias } : { version: number }),
    };
  });

  handle(connection, RegistryRunModelsRequest, async (params) => ({
    models: await runModels(engine(), requiredString(params, 'runId')),
  }));

  handle(connection, RegistryRegisterRequest, async (params) => {
    const name = requiredString(params, 'name');
    const source = requiredString(params, 'source');
    const description = optionalString(params, 'description');
    const { registry } = engine();
    const who = actor();
    const exists = await registry.getModel(name).then(
      () => true,
      () => false,
    );
    if (!exists) await registry.createModel({ name }, who);
    const version = await registry.createVersion(
      { name, source, ...(description !== undefined ? { description } : {}) },
      who,
    );
    return versionSummary(version);
  });

  handle(connection, RegistrySetAliasRequest, async (params) => {
    const name = requiredString(params, 'name');
    await engine().registry.setAlias(
      name,
      requiredString(params, 'alias'),
      requiredString(params, 'version'),
      actor(),
    );
    return modelResult(engine(), name);
  });

  handle(connection, RegistryDeleteAliasRequest, async (params) => {
    const name = requiredString(params, 'name');
    await engine().registry.deleteAlias(name, requiredString(params, 'alias'), actor());
    return modelResult(engine(), name);
  });

  handle(connection, RegistrySetStageRequest, async (params) => {
    const version = await engine().registry.transitionStage(
      requiredString(params, 'name'),
      requiredString(params, 'version'),
      stageParam(params),
      optionalBoolean(params, 'archiveExisting'),
      actor(),
    );
    return versionSummary(version);
  });

  handle(connection, RegistryDeleteModelRequest, async (params) => {
    const name = requiredString(params, 'name');
    await engine().registry.deleteModel(name, actor());
    return { name };
  });

  handle(connection, RegistryDeleteVersionRequest, async (params) => {
    const name = requiredString(params, 'name');
    const version = requiredString(params, 'version');
    await engine().registry.deleteVersion(name, version, actor());
    return { name, version };
  });

  handle(connection, RegistrySnippetRequest, async (params) => {
    const name = requiredString(params, 'name');
    const alias = optionalString(params, 'alias');
    const version = optionalString(params, 'version');
    if (alias !== undefined) {
      await engine().registry.getVersionByAlias(name, alias);
      return loadSnippet(name, { alias });
    }
    if (version === undefined) throw invalid("Give the 'version' or the 'alias' to load.");
    await engine().registry.getVersion(name, version);
    return loadSnippet(name, { version });
  });

  handle(connection, RegistryCompareRequest, async (params) =>
    compareVersions(engine(), versionRefs(params, 2, 10), optionalString(params, 'evalSet')),
  );
}

/**
 * Turns one engine's registry changes into `sextant/registry/changed` notifications, coalesced
 * per model and version (the last change of an interval is sent).
 */
export class RegistryUpdates {
  private disposed = false;
  private readonly pending = new Map<string, RegistryChange>();
  private readonly throttle: KeyedThrottle;
  private readonly listener = (change: RegistryChange): void => {
    if (this.disposed) return;
    const key = `${change.name}\u0000${change.version ?? ''}`;
    this.pending.set(key, {
      name: change.name,
      ...(change.version !== undefined ? { version: change.version } : {}),
      ...(change.previousName !== undefined ? { previousName: change.previousName } : {}),
    });
    this.throttle.add(key);
  };

  constructor(
    private readonly connection: Connection,
    private readonly engine: Engine,
    intervalMs = REGISTRY_NOTIFY_INTERVAL_MS,
  ) {
    this.throttle = new KeyedThrottle(intervalMs, (name) => this.send(name));
    engine.registry.events.on('changed', this.listener);
  }

  /** Stops listening; pending notifications are dropped. */
  dispose(): void {
    this.disposed = true;
    this.engine.registry.events.off('changed', this.listener);
    this.throttle.dispose();
  }

  private send(key: string): void {
    const change = this.pending.get(key);
    this.pending.delete(key);
    if (this.disposed || !change) return;
    this.connection
      .sendNotification(RegistryChangedNotification, change)
      .catch((error: unknown) => {
        if (!this.disposed) {
          this.connection.console.warn(
            `sextant: a registry update was lost: ${toResponseError(error).message}`,
          );
        }
      });
  }
}
