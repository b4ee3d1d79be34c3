import type { IncomingMessage } from 'node:http';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-jsonrpc/node';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { createSextantServer, type SextantServerOptions } from '../server';
import { createDetachedConnection } from './detached';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Reads LSP messages from a WebSocket, one JSON message per frame. */
export class WebSocketMessageReader extends AbstractMessageReader {
  private callback: DataCallback | undefined;
  private readonly early: Message[] = [];

  constructor(socket: WebSocket) {
    super();
    socket.on('message', (data: RawData) => this.receive(data));
    socket.on('error', (error) => this.fireError(error));
    socket.on('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const message of this.early.splice(0)) callback(message);
    return { dispose: () => (this.callback = undefined) };
  }

  private receive(data: RawData): void {
    let message: Message;
    try {
      message = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data)) as Message;
    } catch (error) {
      this.fireError(new Error(`Not a JSON-RPC message: ${(error as Error).message}`));
      return;
    }
    if (this.callback) this.callback(message);
    else this.early.push(message);
  }
}

/** Writes LSP messages to a WebSocket as JSON text frames. */
export class WebSocketMessageWriter extends AbstractMessageWriter {
  private errors = 0;

  constructor(private readonly socket: WebSocket) {
    super();
  }

  write(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        this.fireError(error, message, ++this.errors);
        reject(error);
      };
      if (this.socket.readyState !== WebSocket.OPEN) {
        fail(new Error('The WebSocket is not open.'));
        return;
      }
      this.socket.send(JSON.stringify(message), (error) => (error ? fail(error) : resolve()));
    });
  }

  end(): void {
    this.socket.close();
  }
}

/** Options of {@link serveWebSocket}. */
export interface WebSocketOptions {
  /** A loopback address; 127.0.0.1 unless given. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Browser origins allowed to connect (e.g. `http://localhost:8888`). A connection with any other
   * `Origin` header is refused, so no web page can drive the server; clients that are not browsers
   * send no Origin and are let in.
   */
  allowedOrigins?: string[];
}

/** A listening WebSocket transport. */
export interface WebSocketTransport {
  /** The port it listens on. */
  port: number;
  /** `ws://host:port`. */
  url: string;
  /** Stops accepting, closes every connection and releases their stores. */
  close(): Promise<void>;
}

/**
 * Serves LSP over WebSocket (JSON text frames), for JupyterLab. Every connection is its own LSP
 * session; sessions on the same store share one engine and HTTP endpoint (see WorkspaceRegistry).
 * `exit` closes that connection, never the process. Binds loopback only: the transport has no
 * authentication.
 */
export async function serveWebSocket(
  options: WebSocketOptions,
  serverOptions: SextantServerOptions = {},
): Promise<WebSocketTransport> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new Error(
      `refusing to serve the language server on ${host}: the WebSocket transport has no ` +
        'authentication, so it binds loopback only (127.0.0.1, ::1 or localhost)',
    );
  }
  const allowed = new Set(options.allowedOrigins ?? []);
  const wss = new WebSocketServer({
    host,
    port: options.port,
    verifyClient: ({ req }: { req: IncomingMessage }) =>
      req.headers.origin === undefined || allowed.has(req.headers.origin),
  });
  const sessions = new Set<() => Promise<void>>();
  wss.on('connection', (socket) => {
    const connection = createDetachedConnection(
      new WebSocketMessageReader(socket),
      new WebSocketMessageWriter(socket),
      () => socket.close(1000, 'exit'),
    );
    const server = createSextantServer(connection, serverOptions);
    const end = async (): Promise<void> => {
      sessions.delete(end);
      await server.close();
      connection.dispose();
    };
    sessions.add(end);
    socket.on('close', () => void end());
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `ws://${shownHost}:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const client of wss.clients) client.terminate();
      await Promise.all([...sessions].map((end) => end()));
      await closed;
    },
  };
}
