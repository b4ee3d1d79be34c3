import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ErrorCodes,
  ResponseError,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { toResponseError } from './errors';
import type { HandlerContext } from './handlers/context';
import { registerArtifactHandlers } from './handlers/artifacts';
import { registerCellHandlers } from './handlers/cells';
import { registerExperimentHandlers } from './handlers/experiments';
import { registerMetricHandlers } from './handlers/metrics';
import { PipelineUpdates, registerPipelineHandlers } from './handlers/pipelines';
import { registerRunHandlers } from './handlers/runs';
import { registerEvaluationHandlers } from './handlers/evaluation';
import { RegistryUpdates, registerRegistryHandlers } from './handlers/registry';
import { MonitoringUpdates, registerMonitoringHandlers } from './handlers/monitoring';
import { registerOnlineHandlers } from './handlers/online';
import { ServingUpdates, registerServingHandlers } from './handlers/serving';
import { registerTimelineHandlers } from './handlers/timeline';
import { LiveUpdates } from './notifications';
import {
  ServerChangedNotification,
  ServerInfoRequest,
  type ExperimentalCapabilities,
  type ServerInfo,
  type PythonChoice,
} from './protocol';
import { WorkspaceRegistry, type WorkspaceLease } from './workspaces';
import { registerPipelineLanguageFeatures } from './yaml';

/** This package's version, reported in `serverInfo` and `sextant/server/info`. */
const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** The store directory under a workspace folder when nothing names another. */
const STORE_DIR_NAME = '.sextant';

/** Options of {@link createSextantServer}. */
export interface SextantServerOptions {
  /** Where workspaces are opened; connections sharing one share engines. A process-wide one by default. */
  workspaces?: WorkspaceRegistry;
  /** Least milliseconds between two notifications about the same run; 100 by default. */
  notifyIntervalMs?: number;
}

/** A server on one connection. */
export interface SextantServer {
  /** Releases the store, for a transport whose peer went away without `shutdown`. Idempotent. */
  close(): Promise<void>;
}

/** The process-wide registry: every connection in this process shares engines per store directory. */
const sharedWorkspaces = new WorkspaceRegistry();

/** The first workspace folder (or the legacy root) as a path; undefined for none or a non-file URI. */
function workspaceFolderOf(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  if (uri?.startsWith('file:')) return fileURLToPath(uri);
  return params.rootPath ?? undefined;
}

/** `storeDir` of the `sextant` settings section or of the initialization options, when set. */
function storeDirOf(section: unknown): string | undefined {
  const value = (section as { storeDir?: unknown } | null | undefined)?.storeDir;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** `initializationOptions.python` when it is well formed. */
function initialPythonOf(options: unknown): PythonChoice | undefined {
  const value = (options as { python?: Partial<PythonChoice> } | null | undefined)?.python;
  return typeof value?.path === 'string' && value.path !== '' && typeof value.source === 'string'
    ? { path: value.path, source: value.source }
    : undefined;
}

/** `python` of the `sextant` settings section, as the interpreter pipeline steps run with. */
function settingPythonOf(section: unknown): PythonChoice | undefined {
  const value = (section as { python?: unknown } | null | undefined)?.python;
  return typeof value === 'string' && value.trim() !== ''
    ? { path: value.trim(), source: 'setting sextant.python' }
    : undefined;
}

/**
 * Serves Sextant over one LSP connection and starts listening on it. On `initialize` it opens the
 * workspace's store (the `sextant.storeDir` setting, else `initializationOptions.storeDir`, else
 * `<first workspace folder>/.sextant`) and the HTTP tracking endpoint over it on a free loopback
 * port, and reports both in `capabilities.experimental.sextant`. Requests answer from that store;
 * its changes come back as notifications. `shutdown` releases the store (closing it when no other
 * connection of the process uses it).
 */
export function createSextantServer(
  connection: Connection,
  options: SextantServerOptions = {},
): SextantServer {
  const workspaces = options.workspaces ?? sharedWorkspaces;
  let folder: string | undefined;
  let initialStoreDir: string | undefined;
  let initialPython: PythonChoice | undefined;
  let settingPython: PythonChoice | undefined;
  let pullsConfiguration = false;
  let lease: WorkspaceLease | undefined;
  let live: LiveUpdates | undefined;
  let pipelineLive: PipelineUpdates | undefined;
  let registryLive: RegistryUpdates | undefined;
  let monitoringLive: MonitoringUpdates | undefined;
  let servingLive: ServingUpdates | undefined;
  let moving: Promise<void> = Promise.resolve();

  const context: HandlerContext = {
    workspace: () => {
      if (!lease) {
        throw new ResponseError(
          ErrorCodes.ServerNotInitialized,
          'The Sextant server has no open store: send initialize first.',
        );
      }
      // Requests read what the engine holds back (step records of a running pipeline) too.
      lease.workspace.engine.settle();
      return lease.workspace;
    },
    folder: () => folder,
  };

  const info = (): ServerInfo => {
    const { trackingUri, storeDir } = context.workspace();
    return { trackingUri, storeDir, version: VERSION };
  };

  const resolveStoreDir = (setting: string | undefined): string => {
    const base = folder ?? process.cwd();
    return path.resolve(base, setting ?? initialStoreDir ?? STORE_DIR_NAME);
  };

  /** Moves to another store; the old one is released once the new one is open. */
  const useStore = async (storeDir: string): Promise<void> => {
    if (lease?.workspace.storeDir === path.resolve(storeDir)) return;
    const next = await workspaces.acquire(storeDir, folder);
    const previous = lease;
    live?.dispose();
    pipelineLive?.dispose();
    registryLive?.dispose();
    monitoringLive?.dispose();
    servingLive?.dispose();
    lease = next;
    live = new LiveUpdates(connection, next.workspace.engine, options.notifyIntervalMs);
    pipelineLive = new PipelineUpdates(connection, next.workspace, options.notifyIntervalMs);
    registryLive = new RegistryUpdates(connection, next.workspace.engine, options.notifyIntervalMs);
    monitoringLive = new MonitoringUpdates(
      connection,
      next.workspace.engine,
      options.notifyIntervalMs,
    );
    servingLive = new ServingUpdates(connection, next.workspace, folder ?? process.cwd());
    next.workspace.engine.pipelines.trackingUri ??= next.workspace.trackingUri;
    applyPython();
    if (previous) {
      await previous.release();
      await connection.sendNotification(ServerChangedNotification, info());
    }
  };

  /** Steps run with the `sextant.python` setting's interpreter, else the client's choice. */
  const applyPython = (): void => {
    const chosen = settingPython ?? initialPython;
    if (lease) lease.workspace.engine.pipelines.python = chosen;
  };

  const applySetting = (setting: string | undefined): void => {
    moving = moving
      .then(() => (lease ? useStore(resolveStoreDir(setting)) : undefined))
      .catch((error: unknown) => {
        connection.window.showErrorMessage(`Sextant: ${toResponseError(error).message}`);
      });
  };

  /** Releases the store; never rejects, since transports call it on their way out. */
  const stop = async (): Promise<void> => {
    await moving;
    live?.dispose();
    live = undefined;
    pipelineLive?.dispose();
    pipelineLive = undefined;
    registryLive?.dispose();
    registryLive = undefined;
    monitoringLive?.dispose();
    monitoringLive = undefined;
    servingLive?.dispose();
    servingLive = undefined;
    const held = lease;
    lease = undefined;
    try {
      await held?.release();
    } catch (error) {
      process.stderr.write(`sextant: closing the store failed: ${String(error)}\n`);
    }
  };

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    folder = workspaceFolderOf(params);
    initialStoreDir = storeDirOf(params.initializationOptions);
    initialPython = initialPythonOf(params.initializationOptions);
    pullsConfiguration = params.capabilities.workspace?.configuration === true;
    try {
      await useStore(resolveStoreDir(undefined));
    } catch (error) {
      throw toResponseError(error);
    }
    const experimental: ExperimentalCapabilities = { sextant: info() };
    return {
      capabilities: { experimental, ...pipelineLanguage.capabilities },
      serverInfo: { name: 'sextant-language-server', version: VERSION },
    };
  });

  const pullSetting = (): void => {
    connection.workspace.getConfiguration('sextant').then(
      (section: unknown) => {
        settingPython = settingPythonOf(section);
        applyPython();
        applySetting(storeDirOf(section));
      },
      (error: unknown) =>
        connection.console.warn(`sextant: cannot read settings: ${String(error)}`),
    );
  };

  connection.onInitialized(() => {
    if (pullsConfiguration) pullSetting();
  });

  connection.onDidChangeConfiguration((change) => {
    const pushed = change.settings as { sextant?: unknown } | null | undefined;
    if (pushed?.sextant !== undefined) {
      settingPython = settingPythonOf(pushed.sextant);
      applyPython();
      applySetting(storeDirOf(pushed.sextant));
    } else if (pullsConfiguration) pullSetting();
  });

  connection.onRequest(ServerInfoRequest, () => {
    try {
      return info();
    } catch (error) {
      throw toResponseError(error);
    }
  });
  registerExperimentHandlers(connection, context);
  registerRunHandlers(connection, context);
  registerMetricHandlers(connection, context);
  registerArtifactHandlers(connection, context);
  registerCellHandlers(connection, context);
  registerPipelineHandlers(connection, context);
  registerRegistryHandlers(connection, context);
  registerEvaluationHandlers(connection, context);
  registerOnlineHandlers(connection, context);
  registerMonitoringHandlers(connection, context);
  registerServingHandlers(connection, context);
  registerTimelineHandlers(connection, context);
  const pipelineLanguage = registerPipelineLanguageFeatures(connection, {
    stepStates: (file, pipeline) => context.workspace().engine.pipelines.stepStates(file, pipeline),
    engine: () => context.workspace().engine,
  });

  connection.onShutdown(stop);
  connection.onExit(() => void stop());
  connection.listen();
  return { close: stop };
}
