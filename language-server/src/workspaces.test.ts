import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempFolder } from './session.testing';
import { WorkspaceRegistry } from './workspaces';

describe('WorkspaceRegistry', () => {
  it('shares one engine and endpoint per store, and closes them with the last release', async () => {
    const folder = tempFolder();
    const registry = new WorkspaceRegistry();
    const first = await registry.acquire(path.join(folder, '.sextant'));
    const second = await registry.acquire(path.join(folder, 'x', '..', '.sextant'));
    assert.equal(second.workspace, first.workspace);
    await first.release();
    await first.release();
    const health = await fetch(`${second.workspace.trackingUri}/health`);
    assert.equal(await health.text(), 'OK');
    await second.release();
    await assert.rejects(fetch(`${second.workspace.trackingUri}/health`));
    const reopened = await registry.acquire(path.join(folder, '.sextant'));
    assert.notEqual(reopened.workspace, first.workspace);
    await reopened.release();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('explains a store it cannot open', async () => {
    const folder = tempFolder();
    const file = path.join(folder, 'not-a-dir');
    fs.writeFileSync(file, '');
    await assert.rejects(new WorkspaceRegistry().acquire(file), /Cannot open the Sextant store at/);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
