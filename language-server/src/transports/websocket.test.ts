import assert from 'node:assert/strict';
import fs from 'node:fs';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection } from 'vscode-jsonrpc/node';
import { ExitNotification, InitializeRequest, ShutdownRequest } from 'vscode-languageserver/node';
import { WebSocket } from 'ws';
import { ServerInfoRequest, type ExperimentalCapabilities } from '../protocol';
import { initializeParams, tempFolder } from '../session.testing';
import { WorkspaceRegistry } from '../workspaces';
import {
  serveWebSocket,
  WebSocketMessageReader,
  WebSocketMessageWriter,
  type WebSocketTransport,
} from './websocket';

describe('WebSocket transport', { timeout: 20_000 }, () => {
  let transport: WebSocketTransport;
  let folder: string;

  before(async () => {
    folder = tempFolder();
    transport = await serveWebSocket(
      { port: 0, allowedOrigins: ['http://localhost:8888'] },
      { workspaces: new WorkspaceRegistry() },
    );
  });
  after(async () => {
    await transport.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('round-trips LSP requests as JSON text frames, and exit closes only the connection', async () => {
    const socket = new WebSocket(transport.url);
    await once(socket, 'open');
    const frames: string[] = [];
    socket.on('message', (data, isBinary) => {
      if (!isBinary) frames.push(String(data));
    });
    const client = createMessageConnection(
      new WebSocketMessageReader(socket),
      new WebSocketMessageWriter(socket),
    );
    client.listen();
    const result = await client.sendRequest(InitializeRequest.type, initializeParams(folder));
    const { sextant } = result.capabilities.experimental as ExperimentalCapabilities;
    assert.deepEqual(await client.sendRequest(ServerInfoRequest), sextant);
    assert.ok(frames.some((frame) => JSON.parse(frame).result?.storeDir === sextant.storeDir));
    await client.sendRequest(ShutdownRequest.type);
    const closed = once(socket, 'close');
    await client.sendNotification(ExitNotification.type);
    const [code] = await closed;
    assert.equal(code, 1000);
    client.dispose();
  });

  it('refuses browser origins it was not told to allow', async () => {
    const allowed = new WebSocket(transport.url, { origin: 'http://localhost:8888' });
    await once(allowed, 'open');
    allowed.close();
    const refused = new WebSocket(transport.url, { origin: 'http://evil.example' });
    const [error] = await once(refused, 'error');
    assert.match(String(error), /Unexpected server response: 401/);
  });

  it('binds loopback only', async () => {
    await assert.rejects(serveWebSocket({ host: '0.0.0.0', port: 0 }), /loopback only/);
  });
});
