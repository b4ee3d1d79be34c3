import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../engine';
import type { PipelineRun } from '../../model/pipeline';
import { PipelineHost } from './host';

/** Polls until `check` answers a value; fails after `timeoutMs`. */
async function eventually<T>(check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, 'timed out waiting');
    await delay(100);
  }
}

/**
 * A workspace in a new temp folder: `data/in.txt`, and a pipeline `name` whose one step runs
 * `run` (reading `data/in.txt`, writing `out`) whenever something under `data/` changes.
 */
function fileTriggeredWorkspace(prefix: string, name: string, run: string, out: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'in.txt'), 'one\n');
  fs.writeFileSync(
    path.join(root, 'sextant.yaml'),
    [
      'pipelines:',
      `  ${name}:`,
      '    on:',
      '      files: [data]',
      '    steps:',
      `      ${name}:`,
      `        run: ${run}`,
      '        deps: [data/in.txt]',
      `        outs: [${out}]`,
      '',
    ].join('\n'),
  );
  return root;
}

describe('PipelineHost (real engine, real files)', () => {
  let root: string;
  let engine: Engine;
  let host: PipelineHost;
  const errors: string[] = [];

  before(async () => {
    root = fileTriggeredWorkspace('sextant-host-', 'copy', 'cp data/in.txt out.txt', 'out.txt');
    engine = Engine.open({ storeDir: path.join(root, '.sextant') });
    host = new PipelineHost(engine.pipelines, {
      root,
      ignore: [engine.storeDir],
      reloadDelayMs: 100,
      onError: (message) => errors.push(message),
    });
    await host.start();
  });

  after(async () => {
    await host.stop();
    await engine.pipelines.stopAll();
    await engine.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('loads the workspace pipelines', () => {
    assert.deepEqual(
      host.pipelines().map((p) => p.name),
      ['copy'],
    );
  });

  it('runs a pipeline when a file under its trigger path changes, recording the trigger', async () => {
    fs.writeFileSync(path.join(root, 'data', 'in.txt'), 'two\n');
    const run = await eventually<PipelineRun>(() =>
      engine.pipelines.listRuns({ pipeline: 'copy' }).find((r) => r.status === 'done'),
    );
    assert.equal(run.trigger.kind, 'files');
    assert.match(run.trigger.detail ?? '', /data/);
    assert.equal(fs.readFileSync(path.join(root, 'out.txt'), 'utf8'), 'two\n');
    assert.deepEqual(errors, []);
  });

  it('picks up a pipeline file added later', async () => {
    fs.writeFileSync(
      path.join(root, 'extra.sextant.yaml'),
      'steps:\n  hello:\n    run: echo hello\n',
    );
    await eventually(() => (host.pipelines().length === 2 ? true : undefined));
    assert.ok(host.pipelines().some((p) => p.file.endsWith('extra.sextant.yaml')));
  });
});

describe('two PipelineHosts on one store (a language server and `sextant pipeline watch`)', () => {
  let root: string;
  const engines: Engine[] = [];
  const hosts: PipelineHost[] = [];
  const messages: string[][] = [[], []];

  before(async () => {
    root = fileTriggeredWorkspace(
      'sextant-hosts-',
      'count',
      'wc -c data/in.txt > count.txt',
      'count.txt',
    );
    for (const i of [0, 1]) {
      const engine = Engine.open({ storeDir: path.join(root, '.sextant') });
      engines.push(engine);
      const host = new PipelineHost(engine.pipelines, {
        root,
        ignore: [engine.storeDir],
        reloadDelayMs: 100,
        // A short lease, so that the second host takes over within the test.
        lease: engine.pipelines.triggerLease(root, 3_000),
        onError: (message) => messages[i]?.push(message),
      });
      hosts.push(host);
      await host.start();
    }
  });

  after(async () => {
    for (const host of hosts) await host.stop();
    for (const engine of engines) {
      await engine.pipelines.stopAll();
      await engine.close();
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('arms the triggers in one of them only: a file change starts one run', async () => {
    assert.deepEqual(
      hosts.map((h) => h.armed),
      [true, false],
    );
    assert.match(messages[1]?.[0] ?? '', /are armed by process \d+ on .*; this one stands by/);
    fs.writeFileSync(path.join(root, 'data', 'in.txt'), 'two\n');
    await eventually(() =>
      engines[0]?.pipelines.listRuns({ pipeline: 'count' }).some((r) => r.status === 'done')
        ? true
        : undefined,
    );
    await delay(1_000);
    const runs = engines[1]?.pipelines.listRuns({ pipeline: 'count' }) ?? [];
    assert.equal(runs.length, 1, JSON.stringify(runs.map((r) => r.trigger)));
    assert.deepEqual(messages[0], []);
  });

  it('hands the triggers over when the holder stops', async () => {
    await hosts[0]?.stop();
    await eventually(() => (hosts[1]?.armed ? true : undefined), 10_000);
    fs.writeFileSync(path.join(root, 'data', 'in.txt'), 'three\n');
    await eventually(() =>
      engines[1]?.pipelines.listRuns({ pipeline: 'count' }).filter((r) => r.status === 'done')
        .length === 2
        ? true
        : undefined,
    );
    assert.equal(fs.readFileSync(path.join(root, 'count.txt'), 'utf8').trim(), '6 data/in.txt');
  });
});
