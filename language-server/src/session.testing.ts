import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  type NotificationType,
} from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  ShutdownRequest,
  ExitNotification,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import type { ExperimentalCapabilities } from './protocol';
import { createSextantServer } from './server';
import { createDetachedConnection } from './transports/detached';
import { WorkspaceRegistry } from './workspaces';

/** Notifications a test client received, awaitable by type and content. */
export class Inbox {
  private readonly received: { method: string; params: unknown }[] = [];
  private readonly waiters: {
    method: string;
    accept: (params: unknown) => boolean;
    resolve: (params: unknown) => void;
  }[] = [];

  constructor(client: MessageConnection) {
    client.onNotification((method: string, params: unknown) => {
      this.received.push({ method, params });
      for (const waiter of [...this.waiters]) {
        if (waiter.method === method && waiter.accept(params)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
  }

  /** The first notification of `type` that `accept` takes, received already or still to come. */
  next<P>(type: NotificationType<P>, accept: (params: P) => boolean = () => true): Promise<P> {
    const seen = this.received.find((n) => n.method === type.method && accept(n.params as P));
    if (seen) return Promise.resolve(seen.params as P);
    return new Promise((resolve) =>
      this.waiters.push({
        method: type.method,
        accept: (params) => accept(params as P),
        resolve: (params) => resolve(params as P),
      }),
    );
  }

  /** Every notification of `type` received so far. */
  all<P>(type: NotificationType<P>): P[] {
    return this.received.filter((n) => n.method === type.method).map((n) => n.params as P);
  }
}

/** A language server and a client talking over in-memory streams, in this process. */
export interface TestSession {
  client: MessageConnection;
  inbox: Inbox;
  /** The temporary workspace folder; removed by `close`. */
  folder: string;
  /** The `experimental.sextant` capability of the initialize result. */
  sextant: ExperimentalCapabilities['sextant'];
  /** Exit codes the server's `exit` asked for. */
  exits: number[];
  /** Sends shutdown and exit, then removes the workspace. */
  close(): Promise<void>;
}

/** Initialize params for a workspace folder, with a client that has no other capabilities. */
export function initializeParams(
  folder: string,
  extra: Partial<InitializeParams> = {},
): InitializeParams {
  return {
    processId: null,
    rootUri: null,
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: path.basename(folder) }],
    capabilities: {},
    ...extra,
  };
}

/** Connects a client to a new server over stream pairs (no sockets), without initializing. */
export function connectInMemory(workspaces = new WorkspaceRegistry()): {
  client: MessageConnection;
  inbox: Inbox;
  exits: number[];
} {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const exits: number[] = [];
  const connection = createDetachedConnection(
    new StreamMessageReader(toServer),
    new StreamMessageWriter(toClient),
    (code) => exits.push(code),
  );
  createSextantServer(connection, { workspaces });
  const client = createMessageConnection(
    new StreamMessageReader(toClient),
    new StreamMessageWriter(toServer),
  );
  const inbox = new Inbox(client);
  client.listen();
  return { client, inbox, exits };
}

/** A temporary workspace folder. */
export const tempFolder = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-ls-'));

/** Starts a server on a temporary workspace and initializes it. */
export async function startSession(extra: Partial<InitializeParams> = {}): Promise<TestSession> {
  const folder = tempFolder();
  const { client, inbox, exits } = connectInMemory();
  const result: InitializeResult = await client.sendRequest(
    InitializeRequest.type,
    initializeParams(folder, extra),
  );
  const sextant = (result.capabilities.experimental as ExperimentalCapabilities).sextant;
  return {
    client,
    inbox,
    folder,
    sextant,
    exits,
    close: async () => {
      await client.sendRequest(ShutdownRequest.type);
      await client.sendNotification(ExitNotification.type);
      client.dispose();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Calls the MLflow REST API of a tracking endpoint and returns the parsed JSON answer. */
export async function mlflow<T = Record<string, unknown>>(
  trackingUri: string,
  endpoint: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${endpoint} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}
