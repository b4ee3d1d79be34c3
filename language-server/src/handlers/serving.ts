import os from 'node:os';
import { DeploymentSupervisor, invalid, type Engine } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { toResponseError } from '../errors';
import { optionalChoice, optionalInteger, optionalString, requiredString } from '../params';
import {
  ServingChangedNotification,
  ServingDeployRequest,
  ServingGetRequest,
  ServingListRequest,
  ServingLogsRequest,
  ServingPredictRequest,
  ServingPromoteRequest,
  ServingRequestsRequest,
  ServingRollbackRequest,
  ServingScaleRequest,
  ServingSetTrafficRequest,
  ServingStatsRequest,
  ServingStopRequest,
  type ServingDeploymentSummary,
  type ServingListResult,
  type ServingTestRequest,
} from '../protocol';
import { handle, type HandlerContext } from './context';
import {
  declaredSummary,
  deploymentSummary,
  loggedRequest,
  servingEvent,
  servingSnippets,
} from './servingData';
import type { Workspace } from '../workspaces';

/** How often the records are checked for changes to notify, in ms. */
export const SERVING_POLL_MS = 1000;

const supervisors = new WeakMap<Engine, Map<string, DeploymentSupervisor>>();

/** The supervisor of a workspace's deployments, for a workspace folder (one per pair). */
export function supervisorOf(workspace: Workspace, root: string): DeploymentSupervisor {
  let byRoot = supervisors.get(workspace.engine);
  if (!byRoot) {
    byRoot = new Map();
    supervisors.set(workspace.engine, byRoot);
  }
  let supervisor = byRoot.get(root);
  if (!supervisor) {
    const { engine } = workspace;
    supervisor = new DeploymentSupervisor({
      deployments: engine.deployments,
      inferenceLog: engine.inferenceLog,
      registry: engine.registry,
      artifactRoot: engine.artifacts.root,
      storeDir: workspace.storeDir,
      root,
    });
    byRoot.set(root, supervisor);
  }
  return supervisor;
}

/** Who the language server's changes are recorded as, and why. */
const actorOf = (params: unknown): { user: string; reason?: string } => {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // An unknown user is recorded as such.
  }
  const reason = optionalString(params, 'reason');
  return { user, ...(reason ? { reason } : {}) };
};

/** `{"variant": weight}` checked. */
function weightsParam(params: unknown): Record<string, number> {
  const weights = (params as { weights?: unknown } | null)?.weights;
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    throw invalid(`Invalid 'weights': expected {"<variant>": <number>, ...}.`);
  }
  const entries = Object.entries(weights as Record<string, unknown>);
  if (entries.length === 0) throw invalid(`Invalid 'weights': name at least one variant.`);
  for (const [name, weight] of entries) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw invalid(`Invalid weight of '${name}': expected a number >= 0, got ${String(weight)}.`);
    }
  }
  return weights as Record<string, number>;
}

/** Registers the `sextant/serving/*` requests. */
export function registerServingHandlers(connection: Connection, context: HandlerContext): void {
  const supervisor = (): DeploymentSupervisor =>
    supervisorOf(context.workspace(), context.folder?.() ?? process.cwd());

  /** A summary with the last minute's figures when the deployment is running. */
  const summary = async (
    s: DeploymentSupervisor,
    name: string,
  ): Promise<ServingDeploymentSummary> => {
    const record = s.get(name);
    const stats = record.running ? await s.stats(name, 60).catch(() => undefined) : undefined;
    return deploymentSummary(record, stats);
  };

  connection.onRequest(ServingListRequest, async () => {
    try {
      return await list();
    } catch (error) {
      throw toResponseError(error);
    }
  });

  const list = async (): Promise<ServingListResult> => {
    const s = supervisor();
    const recorded = s.list();
    let declared: string[] = [];
    try {
      declared = s.declared();
    } catch {
      // A sextant.yaml with errors shows its diagnostics in the editor; the records still list.
    }
    const summaries = await Promise.all(recorded.map((r) => summary(s, r.name)));
    const known = new Set(recorded.map((r) => r.name));
    const deployments = [
      ...summaries,
      ...declared.filter((n) => !known.has(n)).map(declaredSummary),
    ].sort((a, b) => a.name.localeCompare(b.name));
    return { deployments, file: s.file };
  };

  handle(connection, ServingGetRequest, async (params) => {
    const name = requiredString(params, 'name');
    const s = supervisor();
    const recorded = s.list().some((r) => r.name === name);
    if (!recorded && !s.declared().includes(name)) {
      throw invalid(`no deployment named '${name}' is recorded or declared in ${s.file}`);
    }
    const deployment = recorded ? await summary(s, name) : declaredSummary(name);
    const events = recorded ? s.listEvents(name, 200).map(servingEvent) : [];
    let testRequest: ServingTestRequest;
    try {
      testRequest = await s.testRequest(name);
    } catch {
      testRequest = { path: '/invocations', body: '{}', source: 'none' };
    }
    const url = deployment.url ?? 'http://127.0.0.1:PORT';
    return { deployment, events, testRequest, snippets: servingSnippets(url, testRequest) };
  });

  handle(connection, ServingDeployRequest, async (params) => {
    const name = requiredString(params, 'name');
    const model = optionalString(params, 'model');
    const runtime = optionalChoice(params, 'runtime', ['python', 'onnx'] as const);
    const replicas = optionalInteger(params, 'replicas', 1, 256);
    const variant = optionalString(params, 'variant');
    const weight = optionalInteger(params, 'weight', 0, 100);
    const s = supervisor();
    const actor = actorOf(params);
    if (!model && (variant !== undefined || weight !== undefined)) {
      throw invalid(`Give 'model' with 'variant': the version to add as that variant.`);
    }
    if (model) {
      await s.create(
        {
          name,
          model,
          ...(runtime ? { runtime } : {}),
          ...(replicas !== undefined ? { replicas } : {}),
          ...(variant !== undefined ? { variant } : {}),
          ...(weight !== undefined ? { weight } : {}),
        },
        actor,
      );
    } else {
      await s.up(name, actor);
    }
    return summary(s, name);
  });

  handle(connection, ServingStopRequest, async (params) => {
    const name = requiredString(params, 'name');
    const s = supervisor();
    await s.down(name, actorOf(params));
    return summary(s, name);
  });

  handle(connection, ServingScaleRequest, async (params) => {
    const name = requiredString(params, 'name');
    const replicas = optionalInteger(params, 'replicas', 1, 256);
    if (replicas === undefined) throw invalid(`Missing 'replicas': a whole number from 1 to 256.`);
    const s = supervisor();
    await s.scale(name, replicas, actorOf(params));
    return summary(s, name);
  });

  handle(connection, ServingSetTrafficRequest, async (params) => {
    const name = requiredString(params, 'name');
    const s = supervisor();
    await s.setTraffic(name, weightsParam(params), actorOf(params));
    return summary(s, name);
  });

  handle(connection, ServingPromoteRequest, async (params) => {
    const name = requiredString(params, 'name');
    const s = supervisor();
    await s.promote(name, optionalString(params, 'variant'), actorOf(params));
    return summary(s, name);
  });

  handle(connection, ServingRollbackRequest, async (params) => {
    const name = requiredString(params, 'name');
    const s = supervisor();
    await s.rollback(name, actorOf(params));
    return summary(s, name);
  });

  handle(connection, ServingStatsRequest, async (params) => {
    const name = requiredString(params, 'name');
    const windowSeconds = optionalInteger(params, 'windowSeconds', 1, 600) ?? 60;
    const stats = await supervisor().stats(name, windowSeconds);
    return {
      deployment: stats.deployment,
      time: stats.time,
      windowSeconds: stats.windowSeconds,
      seconds: stats.seconds,
      variants: stats.variants,
      total: stats.total,
    };
  });

  handle(connection, ServingPredictRequest, async (params) => {
    const name = requiredString(params, 'name');
    const body = requiredString(params, 'body');
    const path = optionalString(params, 'path');
    return supervisor().predict(name, body, path);
  });

  handle(connection, ServingRequestsRequest, async (params) => {
    const name = requiredString(params, 'name');
    const limit = optionalInteger(params, 'limit', 1, 500) ?? 50;
    return { requests: supervisor().requests(name, limit).map(loggedRequest) };
  });

  handle(connection, ServingLogsRequest, async (params) => {
    const name = requiredString(params, 'name');
    const offset = optionalInteger(params, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    return supervisor().readLog(name, offset);
  });
}

/**
 * Sends `sextant/serving/changed` when a deployment's record changes (from this server, the CLI
 * or the deployment process itself) or its process ends: the records are checked every
 * {@link SERVING_POLL_MS}.
 */
export class ServingUpdates {
  private readonly seen = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private disposed = false;

  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
    private readonly root: string,
    intervalMs = SERVING_POLL_MS,
  ) {
    this.check(false);
    this.timer = setInterval(() => this.check(true), intervalMs);
    this.timer.unref();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
  }

  private check(notify: boolean): void {
    if (this.disposed) return;
    let list;
    try {
      list = supervisorOf(this.workspace, this.root).list();
    } catch {
      return;
    }
    for (const record of list) {
      const mark = `${record.lastUpdateTime}:${record.running}`;
      if (this.seen.get(record.name) === mark) continue;
      this.seen.set(record.name, mark);
      if (!notify) continue;
      this.connection
        .sendNotification(ServingChangedNotification, { name: record.name })
        .catch((error: unknown) => {
          if (!this.disposed) {
            this.connection.console.warn(
              `sextant: a deployment update was lost: ${toResponseError(error).message}`,
            );
          }
        });
    }
  }
}
