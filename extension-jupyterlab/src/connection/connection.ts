/**
 * The connection to Sextant's language server through jupyter-lsp's WebSocket proxy: LSP
 * `initialize` with the Jupyter root as workspace folder, then typed `sextant/...` requests and
 * notifications, re-established after a drop (the shared server process may restart).
 */
import {
  ServerChangedNotification,
  type ExperimentalCapabilities,
  type ServerInfo,
} from '@sextant/language-server/protocol';
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import {
  createMessageConnection,
  NotificationType0,
  RequestType,
  type MessageConnection,
  type NotificationType,
  type RequestType0,
} from 'vscode-jsonrpc/browser';
import type { ConnectionState, ISextantConnection } from '../tokens.js';
import { clientPrefix, IdSpace } from './ids.js';
import { SharedSocketReader, SharedSocketWriter } from './socket.js';

/** Where and how to connect. */
export interface ConnectionOptions {
  /** `ws://host/base/lsp/ws/sextant` with the token query when the server wants one. */
  url: string;
  /** The WebSocket constructor of the Jupyter server settings. */
  WebSocket: typeof WebSocket;
  /** `file:///...` of the Jupyter root, from jupyter-lsp's page config; null when unknown. */
  rootUri: string | null;
  /** The `storeDir` setting; undefined for `<root>/.sextant`. */
  storeDir?: string;
}

interface InitializeParams {
  processId: null;
  clientInfo: { name: string };
  rootUri: string | null;
  workspaceFolders: { uri: string; name: string }[] | null;
  capabilities: Record<string, never>;
  initializationOptions: { storeDir?: string };
}

const Initialize = new RequestType<
  InitializeParams,
  { capabilities: { experimental?: ExperimentalCapabilities } },
  unknown
>('initialize');
const Initialized = new NotificationType0('initialized');

const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

/** Implements {@link ISextantConnection} over one WebSocket at a time. */
export class SextantConnection implements ISextantConnection {
  private _state: ConnectionState = 'connecting';
  private _error = '';
  private _info: ServerInfo | undefined;
  private connection: MessageConnection | undefined;
  private socket: WebSocket | undefined;
  private initError = '';
  private waiters: Array<(info: ServerInfo) => void> = [];
  private readonly handlers = new Map<string, Set<(params: unknown) => void>>();
  private attempts = 0;
  private disposed = false;
  private readonly _stateChanged = new Signal<ISextantConnection, ConnectionState>(this);
  private readonly _restarted = new Signal<ISextantConnection, ServerInfo>(this);

  constructor(private options: ConnectionOptions) {
    // The shared server moved to another store (a tab with another `storeDir` setting): every
    // view reloads from the new one.
    this.onNotification(ServerChangedNotification, (info) => {
      this._info = info;
      this._restarted.emit(info);
    });
    this.connect();
  }

  get state(): ConnectionState {
    return this._state;
  }
  get error(): string {
    return this._error;
  }
  get info(): ServerInfo | undefined {
    return this._info;
  }
  get stateChanged(): ISignal<ISextantConnection, ConnectionState> {
    return this._stateChanged;
  }
  get restarted(): ISignal<ISextantConnection, ServerInfo> {
    return this._restarted;
  }

  ready(): Promise<ServerInfo> {
    if (this._state === 'ready' && this._info) return Promise.resolve(this._info);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  request<R, E>(type: RequestType0<R, E>): Promise<R>;
  request<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  async request(
    type: RequestType0<unknown, unknown> | RequestType<unknown, unknown, unknown>,
    params?: unknown,
  ): Promise<unknown> {
    await this.ready();
    const connection = this.connection;
    if (!connection) throw new Error('The Sextant language server is not connected.');
    return params === undefined
      ? connection.sendRequest(type.method)
      : connection.sendRequest(type.method, params);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): IDisposable {
    let set = this.handlers.get(type.method);
    if (!set) {
      set = new Set();
      this.handlers.set(type.method, set);
      this.connection?.onNotification(type.method, (params: unknown) =>
        this.notify(type.method, params),
      );
    }
    const entry = handler as (params: unknown) => void;
    set.add(entry);
    let isDisposed = false;
    return {
      get isDisposed() {
        return isDisposed;
      },
      dispose: () => {
        isDisposed = true;
        set.delete(entry);
      },
    };
  }

  /** Connects again with other options (the `storeDir` setting changed). */
  reconfigure(options: ConnectionOptions): void {
    this.options = options;
    const old = this.socket;
    this.socket = undefined;
    this.connection?.dispose();
    this.connection = undefined;
    old?.close();
    this.attempts = 0;
    this.connect();
  }

  /** Closes the socket for good. */
  dispose(): void {
    this.disposed = true;
    this.connection?.dispose();
    this.socket?.close();
  }

  private notify(method: string, params: unknown): void {
    for (const handler of this.handlers.get(method) ?? []) {
      try {
        handler(params);
      } catch (error) {
        console.error(`sextant: a ${method} handler failed`, error);
      }
    }
  }

  private setState(state: ConnectionState, error = ''): void {
    this._error = error;
    if (this._state === state) return;
    this._state = state;
    this._stateChanged.emit(state);
  }

  private connect(): void {
    if (this.disposed) return;
    this.setState('connecting', this._error);
    const socket = new this.options.WebSocket(this.options.url);
    this.socket = socket;
    this.initError = '';
    const ids = new IdSpace(clientPrefix());
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      const connection = createMessageConnection(
        new SharedSocketReader(socket, ids),
        new SharedSocketWriter(socket, ids),
      );
      for (const method of this.handlers.keys()) {
        connection.onNotification(method, (params: unknown) => this.notify(method, params));
      }
      connection.listen();
      this.connection = connection;
      void this.initialize(connection, socket);
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (this.socket !== socket || this.disposed) return;
      this.connection?.dispose();
      this.connection = undefined;
      this.socket = undefined;
      const why =
        this.initError ||
        (opened
          ? 'The connection to the Sextant language server closed; reconnecting.'
          : `Cannot reach the Sextant language server at /lsp/ws/sextant (code ${event.code}). ` +
            'Is the sextant-jupyterlab package installed in the Jupyter server environment, ' +
            'and is Node.js on its PATH (or SEXTANT_NODE set)?');
      this.retry(why);
    });
  }

  private async initialize(connection: MessageConnection, socket: WebSocket): Promise<void> {
    const { rootUri, storeDir } = this.options;
    try {
      const result = await connection.sendRequest(Initialize, {
        processId: null,
        clientInfo: { name: 'Sextant for JupyterLab' },
        rootUri,
        workspaceFolders: rootUri ? [{ uri: rootUri, name: 'root' }] : null,
        capabilities: {},
        initializationOptions: storeDir ? { storeDir } : {},
      });
      await connection.sendNotification(Initialized);
      const info = result.capabilities.experimental?.sextant;
      if (!info) throw new Error('the server at /lsp/ws/sextant is not a Sextant language server');
      if (this.connection !== connection) return;
      this.attempts = 0;
      this._info = info;
      this.setState('ready');
      for (const resolve of this.waiters.splice(0)) resolve(info);
      this._restarted.emit(info);
    } catch (error) {
      this.initError = `Sextant could not start: ${(error as Error).message}`;
      socket.close();
    }
  }

  private retry(why: string): void {
    this.setState('failed', why);
    const delay = RETRY_MS[Math.min(this.attempts, RETRY_MS.length - 1)]!;
    this.attempts++;
    window.setTimeout(() => this.connect(), delay);
  }
}
