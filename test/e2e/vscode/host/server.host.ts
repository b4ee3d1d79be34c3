/**
 * Extension-host test of "Stop Tracking Server" and "Start Tracking Server": the language server
 * (which holds the tracking server) stops and starts, and the views follow. Its file name sorts
 * after the others so that their tests run against the first server.
 */
import { ExperimentsListRequest } from '@sextant/language-server/protocol';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, assertCommands } from './sextant';

describe('Sextant tracking server commands', () => {
  it('contributes start, stop, open and download artifact', async () => {
    await assertCommands([
      'sextant.startServer',
      'sextant.stopServer',
      'sextant.openArtifact',
      'sextant.downloadArtifact',
    ]);
  });

  it('stops the tracking server and starts it again', async () => {
    const { client, experiments } = await api();
    const before = client.info!.trackingUri;
    assert.equal((await fetch(`${before}/health`)).status, 200);
    let stopped = 0;
    const sub = client.onServerStopped(() => (stopped += 1));
    await vscode.commands.executeCommand('sextant.stopServer');
    sub.dispose();
    assert.equal(client.state, 'stopped');
    assert.equal(client.info, undefined);
    assert.equal(stopped, 1);
    await assert.rejects(fetch(`${before}/health`), 'the HTTP endpoint went with the server');
    const roots = await experiments.getChildren();
    assert.equal(roots[0]?.kind, 'message');
    assert.equal(experiments.getTreeItem(roots[0]!).command?.command, 'sextant.startServer');

    await vscode.commands.executeCommand('sextant.startServer');
    assert.equal(client.state, 'running');
    const after = client.info!.trackingUri;
    assert.match(after, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${after}/health`)).status, 200);
    const { experiments: listed } = await client.request(ExperimentsListRequest, {});
    assert.ok(
      listed.some((e) => e.name === 'host-test'),
      'the same store is open again',
    );
  });
});
