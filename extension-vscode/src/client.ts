/**
 * The language client: starts Sextant's language server over stdio and wraps the typed
 * `sextant/*` protocol as {@link SextantApi}: the one typed client (`request`, `onNotification`)
 * over vscode-languageclient.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  ServerChangedNotification,
  type ExperimentalCapabilities,
  type InitializationOptions,
  type PythonChoice,
  type ServerInfo,
} from '@sextant/language-server/protocol';
import type { NotificationType, RequestType, RequestType0 } from '@sextant/media/client';
import { Emitter, type Disposable, type ServerState, type SextantApi } from './api';
import { runtimeCandidates } from './runtime/notify';
import { selectedPython } from './runtime/pythonExtension';
import { chooseRuntime, readBundleFacts, type ChosenRuntime } from './runtime/resolve';

/** Sextant's language client. */
export class SextantLanguageClient implements SextantApi {
  private readonly client: LanguageClient;
  private readonly serverInfo = new Emitter<ServerInfo>();
  private readonly serverStopped = new Emitter<void>();
  /** One emitter per notification method: the language client keeps one handler per method. */
  private readonly notifications = new Map<string, Emitter<unknown>>();
  private current: ServerInfo | undefined;
  private serverState: ServerState = 'starting';
  private readonly outDir: string;
  private runtime: ChosenRuntime | undefined;
  /** The Python extension's selected interpreter when the server last started. */
  private python: PythonChoice | undefined;

  readonly onServerInfo = this.serverInfo.event;
  readonly onServerStopped = this.serverStopped.event;

  constructor(context: vscode.ExtensionContext, output: vscode.LogOutputChannel) {
    const module = context.asAbsolutePath('out/server.js');
    this.outDir = context.asAbsolutePath('out');
    // The runtime chosen by start() (its ABI checked against the bundled native module).
    const serverOptions: ServerOptions = async () => {
      const runtime = this.runtime;
      if (!runtime) throw new Error('The Sextant language server has no runtime chosen.');
      output.info(`Starting the language server with Node.js ${runtime.node} (${runtime.source})`);
      const env = { ...process.env };
      if (runtime.electronAsNode) env['ELECTRON_RUN_AS_NODE'] = '1';
      return spawn(runtime.path, [module, '--stdio'], { env, windowsHide: true });
    };
    // Read at each start: the store setting and the interpreter steps run with.
    const initializationOptions = (): InitializationOptions => {
      const storeDir = vscode.workspace.getConfiguration('sextant').get<string>('storeDir');
      return { ...(storeDir ? { storeDir } : {}), ...(this.python ? { python: this.python } : {}) };
    };
    const clientOptions: LanguageClientOptions = {
      // Pipeline files, and every YAML file: the params and component files they name.
      documentSelector: [
        { scheme: 'file', pattern: '**/{sextant,*.sextant}.{yaml,yml}' },
        { scheme: 'file', language: 'yaml' },
      ],
      initializationOptions,
      synchronize: { configurationSection: 'sextant' },
      outputChannel: output,
    };
    this.client = new LanguageClient('sextant', 'Sextant', serverOptions, clientOptions);
    this.onNotification(ServerChangedNotification, (p) => this.setInfo(p));
    // The server process exited by itself (a crash): the tracking server went with it.
    this.client.onDidChangeState(({ newState }) => {
      if (newState === State.Stopped && this.serverState === 'running') this.setStopped();
    });
  }

  get info(): ServerInfo | undefined {
    return this.current;
  }

  get state(): ServerState {
    return this.serverState;
  }

  /**
   * Starts the server (again, after {@link stop}) and waits until it has opened the store; the
   * tracking server lives in the language server's process, so it starts with it. Rejects with
   * `ServerRuntimeMissing` (before the client starts) when no Node.js fits.
   */
  async start(): Promise<ServerInfo> {
    this.serverState = 'starting';
    try {
      this.runtime = await chooseRuntime(await runtimeCandidates(), readBundleFacts(this.outDir));
      const python = await selectedPython();
      this.python = python
        ? { path: python, source: "the Python extension's selected interpreter" }
        : undefined;
      await this.client.start();
      const experimental = this.client.initializeResult?.capabilities.experimental as
        ExperimentalCapabilities | undefined;
      if (!experimental?.sextant) {
        throw new Error('The Sextant language server did not say where its tracking server is.');
      }
      this.serverState = 'running';
      this.setInfo(experimental.sextant);
      return experimental.sextant;
    } catch (error) {
      this.setStopped();
      throw error;
    }
  }

  private setStopped(): void {
    this.serverState = 'stopped';
    this.current = undefined;
    this.serverStopped.fire();
  }

  private setInfo(info: ServerInfo): void {
    this.current = info;
    this.serverInfo.fire(info);
  }

  /** Stops the server, and with it the tracking server. */
  async stop(): Promise<void> {
    const wasStopped = this.serverState === 'stopped';
    this.serverState = 'stopped';
    this.current = undefined;
    if (this.client.isRunning()) await this.client.stop();
    if (!wasStopped) this.serverStopped.fire();
  }

  request<R, E>(type: RequestType0<R, E>): Promise<R>;
  request<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  request(type: { method: string }, params?: unknown): Promise<unknown> {
    return params === undefined
      ? this.client.sendRequest(type.method)
      : this.client.sendRequest(type.method, params);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable {
    let emitter = this.notifications.get(type.method);
    if (!emitter) {
      const created = new Emitter<unknown>();
      this.client.onNotification(type.method, (params: unknown) => created.fire(params));
      this.notifications.set(type.method, created);
      emitter = created;
    }
    return emitter.event(handler as (params: unknown) => void);
  }

  dispose(): void {
    for (const emitter of [this.serverInfo, this.serverStopped, ...this.notifications.values()]) {
      emitter.dispose();
    }
  }
}
