/**
 * vscode-jsonrpc's message reader and writer over a browser WebSocket whose far end is shared:
 * jupyter-lsp starts one language server per key and broadcasts every message of it to every
 * socket on `/lsp/ws/<key>`. So each client gives its requests string ids with its own prefix and
 * drops responses to ids that are not its own; notifications reach every client.
 */
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-jsonrpc/browser';
import type { IdSpace } from './ids.js';

/** Reads JSON-RPC messages (one per text frame) from a WebSocket, keeping only this client's. */
export class SharedSocketReader extends AbstractMessageReader {
  private callback: DataCallback | undefined;
  private readonly early: Message[] = [];

  constructor(
    socket: WebSocket,
    private readonly ids: IdSpace,
  ) {
    super();
    socket.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    socket.addEventListener('error', () => this.fireError(new Error('WebSocket error')));
    socket.addEventListener('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const message of this.early.splice(0)) callback(message);
    return { dispose: () => (this.callback = undefined) };
  }

  private receive(data: unknown): void {
    let parsed: Message;
    try {
      parsed = JSON.parse(String(data)) as Message;
    } catch (error) {
      this.fireError(new Error(`Not a JSON-RPC message: ${(error as Error).message}`));
      return;
    }
    const message = this.ids.incoming(parsed);
    if (!message) return;
    if (this.callback) this.callback(message);
    else this.early.push(message);
  }
}

/** Writes JSON-RPC messages to a WebSocket as text frames, with this client's request ids. */
export class SharedSocketWriter extends AbstractMessageWriter {
  private errors = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly ids: IdSpace,
  ) {
    super();
  }

  async write(message: Message): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      const error = new Error('The connection to the Sextant language server is closed.');
      this.fireError(error, message, ++this.errors);
      throw error;
    }
    this.socket.send(JSON.stringify(this.ids.outgoing(message)));
  }

  end(): void {
    this.socket.close();
  }
}
