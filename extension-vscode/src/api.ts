/**
 * What the extension's features need from the language server, as plain TypeScript: the
 * `sextant/*` requests and notifications of the protocol. {@link SextantClient} implements it over
 * vscode-languageclient; tests implement it with fakes.
 */
import type {
  ArtifactsListParams,
  ArtifactsListResult,
  ArtifactsReadParams,
  ArtifactsReadResult,
  CellsResult,
  ExperimentsChangedParams,
  ExperimentsListParams,
  ExperimentsListResult,
  MetricsAppendedParams,
  MetricsHistoryParams,
  MetricsHistoryResult,
  Run,
  RunsChangedParams,
  RunsCompareResult,
  RunsSearchParams,
  RunsSearchResult,
  RunSummary,
  ServerInfo,
} from '@sextant/language-server/dist/protocol';
import type { Disposable, SextantClient } from '@sextant/media/dist/lib/client';

export type { Disposable } from '@sextant/media/dist/lib/client';
export { errorMessage } from '@sextant/media/dist/lib/client';
export { SerialTask } from '@sextant/media/dist/lib/presenters/serialTask';

/** Where the language server (and with it the tracking server) is in its life. */
export type ServerState = 'starting' | 'running' | 'stopped';

/** Subscribes a listener; the result unsubscribes it. */
export type Subscribe<T> = (listener: (event: T) => void) => Disposable;

/** The `sextant/*` protocol as the extension's features use it. */
export interface SextantApi extends SextantClient {
  /** Where the server is; undefined until it has started. */
  readonly info: ServerInfo | undefined;
  listExperiments(params: ExperimentsListParams): Promise<ExperimentsListResult>;
  searchRuns(params: RunsSearchParams): Promise<RunsSearchResult>;
  getRun(runId: string): Promise<Run>;
  compareRuns(runIds: string[]): Promise<RunsCompareResult>;
  metricHistory(params: MetricsHistoryParams): Promise<MetricsHistoryResult>;
  listArtifacts(params: ArtifactsListParams): Promise<ArtifactsListResult>;
  /** The content of one artifact file, as text or base64, up to `maxBytes`. */
  readArtifact(params: ArtifactsReadParams): Promise<ArtifactsReadResult>;
  deleteRun(runId: string): Promise<RunSummary>;
  restoreRun(runId: string): Promise<RunSummary>;
  renameRun(runId: string, name: string): Promise<RunSummary>;
  /** The latest recorded execution of each notebook cell id (ids never recorded are left out). */
  findCells(cellIds: string[]): Promise<CellsResult>;
  readonly onRunsChanged: Subscribe<RunsChangedParams>;
  readonly onMetricsAppended: Subscribe<MetricsAppendedParams>;
  readonly onExperimentsChanged: Subscribe<ExperimentsChangedParams>;
  /** The server started, or moved to another store. */
  readonly onServerInfo: Subscribe<ServerInfo>;
  /** Whether the server is starting, running, or stopped by the user (or failed to start). */
  readonly state: ServerState;
  /** The server was stopped (by `sextant.stopServer`, or it failed). */
  readonly onServerStopped: Subscribe<void>;
}

/** A minimal event emitter without VS Code, so features stay testable as plain code. */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();

  readonly event: Subscribe<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
