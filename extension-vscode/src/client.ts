/**
 * The language client: starts Sextant's language server over stdio and wraps the typed
 * `sextant/*` protocol as {@link SextantApi}.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  ArtifactsListRequest,
  CellsFindRequest,
  ExperimentsChangedNotification,
  ExperimentsListRequest,
  MetricsAppendedNotification,
  MetricsHistoryRequest,
  RunsChangedNotification,
  RunsCompareRequest,
  RunsDeleteRequest,
  RunsGetRequest,
  RunsRenameRequest,
  RunsRestoreRequest,
  RunsSearchRequest,
  ServerChangedNotification,
  type ExperimentalCapabilities,
  type ExperimentsChangedParams,
  type InitializationOptions,
  type MetricsAppendedParams,
  type RunsChangedParams,
  type ServerInfo,
} from '@sextant/language-server/dist/protocol';
import { Emitter, type SextantApi } from './api';

/** The node runtime that runs the server: the setting, else this process when it is plain Node. */
function serverRuntime(): string | undefined {
  const setting = vscode.workspace.getConfiguration('sextant').get<string>('server.nodePath');
  if (setting) return setting;
  // Electron's Node has another native ABI than the one better-sqlite3 was built for.
  return process.versions['electron'] ? 'node' : undefined;
}

/** Sextant's language client. */
export class SextantClient implements SextantApi {
  private readonly client: LanguageClient;
  private readonly runsChanged = new Emitter<RunsChangedParams>();
  private readonly metricsAppended = new Emitter<MetricsAppendedParams>();
  private readonly experimentsChanged = new Emitter<ExperimentsChangedParams>();
  private readonly serverInfo = new Emitter<ServerInfo>();
  private current: ServerInfo | undefined;

  readonly onRunsChanged = this.runsChanged.event;
  readonly onMetricsAppended = this.metricsAppended.event;
  readonly onExperimentsChanged = this.experimentsChanged.event;
  readonly onServerInfo = this.serverInfo.event;

  constructor(context: vscode.ExtensionContext, output: vscode.LogOutputChannel) {
    const module = context.asAbsolutePath('out/server.js');
    const runtime = serverRuntime();
    const serverOptions: ServerOptions = {
      run: { module, runtime, transport: TransportKind.stdio },
      debug: { module, runtime, transport: TransportKind.stdio },
    };
    const storeDir = vscode.workspace.getConfiguration('sextant').get<string>('storeDir');
    const initializationOptions: InitializationOptions = storeDir ? { storeDir } : {};
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'yaml', pattern: '**/sextant.{yaml,yml}' }],
      initializationOptions,
      synchronize: { configurationSection: 'sextant' },
      outputChannel: output,
    };
    this.client = new LanguageClient('sextant', 'Sextant', serverOptions, clientOptions);
    this.client.onNotification(RunsChangedNotification, (p) => this.runsChanged.fire(p));
    this.client.onNotification(MetricsAppendedNotification, (p) => this.metricsAppended.fire(p));
    this.client.onNotification(ExperimentsChangedNotification, (p) =>
      this.experimentsChanged.fire(p),
    );
    this.client.onNotification(ServerChangedNotification, (p) => this.setInfo(p));
  }

  get info(): ServerInfo | undefined {
    return this.current;
  }

  /** Starts the server and waits until it has opened the store. */
  async start(): Promise<ServerInfo> {
    await this.client.start();
    const experimental = this.client.initializeResult?.capabilities.experimental as
      ExperimentalCapabilities | undefined;
    if (!experimental?.sextant) {
      throw new Error('The Sextant language server did not say where its tracking server is.');
    }
    this.setInfo(experimental.sextant);
    return experimental.sextant;
  }

  private setInfo(info: ServerInfo): void {
    this.current = info;
    this.serverInfo.fire(info);
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.current = undefined;
    if (this.client.isRunning()) await this.client.stop();
  }

  listExperiments: SextantApi['listExperiments'] = (params) =>
    this.client.sendRequest(ExperimentsListRequest, params);
  searchRuns: SextantApi['searchRuns'] = (params) =>
    this.client.sendRequest(RunsSearchRequest, params);
  getRun: SextantApi['getRun'] = (runId) => this.client.sendRequest(RunsGetRequest, { runId });
  compareRuns: SextantApi['compareRuns'] = (runIds) =>
    this.client.sendRequest(RunsCompareRequest, { runIds });
  metricHistory: SextantApi['metricHistory'] = (params) =>
    this.client.sendRequest(MetricsHistoryRequest, params);
  listArtifacts: SextantApi['listArtifacts'] = (params) =>
    this.client.sendRequest(ArtifactsListRequest, params);
  deleteRun: SextantApi['deleteRun'] = (runId) =>
    this.client.sendRequest(RunsDeleteRequest, { runId });
  restoreRun: SextantApi['restoreRun'] = (runId) =>
    this.client.sendRequest(RunsRestoreRequest, { runId });
  renameRun: SextantApi['renameRun'] = (runId, name) =>
    this.client.sendRequest(RunsRenameRequest, { runId, name });
  findCells: SextantApi['findCells'] = (cellIds) =>
    this.client.sendRequest(CellsFindRequest, { cellIds });

  dispose(): void {
    for (const emitter of [
      this.runsChanged,
      this.metricsAppended,
      this.experimentsChanged,
      this.serverInfo,
    ]) {
      emitter.dispose();
    }
  }
}
