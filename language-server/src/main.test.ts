import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { ExitNotification, InitializeRequest, ShutdownRequest } from 'vscode-languageserver/node';
import { WebSocket } from 'ws';
import { ServerInfoRequest, type ExperimentalCapabilities } from './protocol';
import { initializeParams, tempFolder } from './session.testing';
import { WebSocketMessageReader, WebSocketMessageWriter } from './transports/websocket';

const BIN = path.join(__dirname, '..', 'bin', 'sextant-language-server.js');

const children: ChildProcess[] = [];
const folders: string[] = [];

function start(args: string[]): { child: ChildProcess; folder: string } {
  const folder = tempFolder();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: folder,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  folders.push(folder);
  return { child, folder };
}

after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

describe('sextant-language-server bin', { timeout: 30_000 }, () => {
  it('serves over stdio: initialize, a request, shutdown and exit with code 0', async () => {
    const { child, folder } = start(['--stdio']);
    const client = createMessageConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    client.listen();
    const result = await client.sendRequest(InitializeRequest.type, initializeParams(folder));
    assert.equal(result.serverInfo?.name, 'sextant-language-server');
    const info = await client.sendRequest(ServerInfoRequest);
    assert.deepEqual(info, (result.capabilities.experimental as ExperimentalCapabilities).sextant);
    assert.equal(fs.realpathSync(info.storeDir), fs.realpathSync(path.join(folder, '.sextant')));
    assert.ok(fs.existsSync(path.join(info.storeDir, 'sextant.db')));
    await client.sendRequest(ShutdownRequest.type);
    const exited = once(child, 'exit');
    await client.sendNotification(ExitNotification.type);
    assert.deepEqual(await exited, [0, null]);
    client.dispose();
  });

  it('serves over WebSocket with --ws --port 0, announcing the address on stderr', async () => {
    const { child, folder } = start(['--ws', '--port', '0']);
    let stderr = '';
    const announced = new Promise<string>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (ws:\/\/\S+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const socket = new WebSocket(await announced);
    await once(socket, 'open');
    const client = createMessageConnection(
      new WebSocketMessageReader(socket),
      new WebSocketMessageWriter(socket),
    );
    client.listen();
    await client.sendRequest(InitializeRequest.type, initializeParams(folder));
    const info = await client.sendRequest(ServerInfoRequest);
    assert.match(info.trackingUri, /^http:\/\/127\.0\.0\.1:\d+$/);
    client.dispose();
    socket.close();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
  });

  it('explains bad arguments', async () => {
    const { child } = start(['--ws']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.deepEqual(await once(child, 'exit'), [2, null]);
    assert.match(stderr, /--ws needs --port/);
  });
});
