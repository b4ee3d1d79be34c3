import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './harness';

const SERVER_BIN = path.join(REPO, 'language-server', 'bin', 'sextant-language-server.js');

/** The language server as an IDE starts it: its own process, JSON-RPC over stdio. */
export interface LanguageServerProcess {
  request<R>(method: string, params: unknown): Promise<R>;
  stop(): Promise<void>;
}

/**
 * Starts `sextant-language-server --stdio` on a store and initializes it with a workspace folder,
 * as VS Code does (LSP base protocol: `Content-Length` framed JSON-RPC).
 */
export async function startLanguageServer(
  storeDir: string,
  folder: string,
): Promise<LanguageServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [SERVER_BIN, '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let buffer = Buffer.alloc(0);
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())?.[1]);
      if (buffer.length < end + 4 + length) return;
      const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')) as {
        id?: number;
        method?: string;
        result?: unknown;
        error?: { message: string };
      };
      buffer = buffer.subarray(end + 4 + length);
      if (message.method !== undefined) {
        // A request from the server (configuration, registration): answer with nothing.
        if (message.id !== undefined) send({ jsonrpc: '2.0', id: message.id, result: null });
        continue;
      }
      const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
      if (!waiter) continue;
      pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    }
  });
  const exited = new Promise<void>((done) =>
    child.once('exit', (code) => {
      for (const waiter of pending.values()) {
        waiter.reject(new Error(`the language server exited (code ${code}) before it answered`));
      }
      pending.clear();
      done();
    }),
  );
  function send(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    child.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin!.write(body);
  }
  const request = <R>(method: string, params: unknown): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      send({ jsonrpc: '2.0', id, method, params });
    });
  await request('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: path.basename(folder) }],
    initializationOptions: { storeDir },
  });
  send({ jsonrpc: '2.0', method: 'initialized', params: {} });
  return {
    request,
    stop: async () => {
      if (child.exitCode === null) {
        await request('shutdown', null).catch(() => undefined);
        send({ jsonrpc: '2.0', method: 'exit' });
      }
      await exited;
    },
  };
}
