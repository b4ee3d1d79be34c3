import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { testLocation, testStep } from '../../testing/steps';
import { Engine } from '../../engine';
import type { PipelineRun, ResolvedPipeline } from '../../model/pipeline';
import { migrate } from '../../store';
import { workspace } from '../definition/workspace.testing';
import { ContentCache, describeCollection } from './cache';
import { FileHasher } from './fileHash';

const LONG_AGO = new Date(Date.now() - 24 * 3600 * 1000);

/** Every file under a folder, relative to it, sorted. */
function filesOf(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

/** Sets every file under a folder to a time long before a collection begins. */
function age(root: string): void {
  for (const file of filesOf(root)) fs.utimesSync(path.join(root, file), LONG_AGO, LONG_AGO);
}

describe('collecting the content cache', () => {
  const ws = workspace({});
  const db = new Database(':memory:');
  migrate(db);
  const hasher = new FileHasher(db);
  const cacheRoot = path.join(ws, 'cache');
  const cache = new ContentCache(cacheRoot, hasher);
  after(() => {
    db.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  /** Writes `files` into the workspace and saves them as the outputs of cache key `key`. */
  const save = async (key: string, files: Record<string, string>, outs: string[]) => {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
      fs.writeFileSync(path.join(ws, name), content);
    }
    const outputs = [];
    for (const out of outs)
      outputs.push({ path: out, hash: await hasher.hash(path.join(ws, out)) });
    await cache.save(key, ws, outputs);
  };
  const OLD = 'a1'.repeat(32);
  const NEW = 'b2'.repeat(32);
  const BROKEN = 'c3'.repeat(32);

  it('removes the versions not kept and the files only they named, a dry run first', async () => {
    await save(
      OLD,
      {
        'shared.txt': 'same in both',
        'model.bin': 'old model',
        'out/a.txt': 'A1',
        'out/b.txt': 'B',
      },
      ['shared.txt', 'model.bin', 'out'],
    );
    await save(NEW, { 'model.bin': 'new model', 'out/a.txt': 'A2' }, [
      'shared.txt',
      'model.bin',
      'out',
    ]);
    const brokenEntry = path.join(
      cacheRoot,
      'steps',
      BROKEN.slice(0, 2),
      `${BROKEN.slice(2)}.json`,
    );
    fs.mkdirSync(path.dirname(brokenEntry), { recursive: true });
    fs.writeFileSync(brokenEntry, '{ not json');
    const objects = path.join(cacheRoot, 'objects');
    fs.mkdirSync(path.join(objects, 'ee'), { recursive: true });
    fs.writeFileSync(path.join(objects, 'ee', 'stale.tmp'), 'interrupted copy');
    fs.writeFileSync(path.join(objects, 'ee', 'f'.repeat(30)), 'unnamed');
    age(cacheRoot);
    // Written while a collection runs (a step saving its outputs): newer than its start.
    fs.writeFileSync(path.join(objects, 'ee', 'fresh.tmp'), 'a copy under way');
    const future = new Date(Date.now() + 60_000);
    fs.writeFileSync(path.join(objects, 'ee', 'e'.repeat(30)), 'just stored');
    fs.utimesSync(path.join(objects, 'ee', 'e'.repeat(30)), future, future);

    const before = filesOf(cacheRoot);
    const sizes = new Map(before.map((f) => [f, fs.statSync(path.join(cacheRoot, f)).size]));
    const dry = await cache.collect(new Set([NEW]), true);
    assert.deepEqual(filesOf(cacheRoot), before, 'a dry run removes nothing');
    // The old version: its entry, `old model`, its folder manifest and `A1`; the broken entry;
    // the object no entry names and the stale temporary file.
    assert.deepEqual(dry.entries, { kept: 1, removed: 2 });
    assert.deepEqual(dry.objects, { kept: 7, removed: 5 });

    const done = await cache.collect(new Set([NEW]), false);
    assert.deepEqual({ ...done, dryRun: true }, dry, 'the run removes what the dry run said');
    const gone = before.filter((f) => !fs.existsSync(path.join(cacheRoot, f)));
    assert.equal(gone.length, 5 + 2);
    const goneObjects = gone.filter((f) => f.startsWith(`objects${path.sep}`));
    assert.equal(
      done.bytes.removed,
      goneObjects.map((f) => sizes.get(f)!).reduce((a, b) => a + b),
    );
    assert.equal(await cache.lookup(OLD), undefined);
    const kept = await cache.lookup(NEW);
    assert.ok(kept, 'the kept version is still whole');
    fs.rmSync(path.join(ws, 'out'), { recursive: true });
    fs.rmSync(path.join(ws, 'shared.txt'));
    await cache.restore(kept, ws);
    assert.equal(fs.readFileSync(path.join(ws, 'out', 'a.txt'), 'utf8'), 'A2');
    assert.equal(fs.readFileSync(path.join(ws, 'out', 'b.txt'), 'utf8'), 'B');
    assert.equal(fs.readFileSync(path.join(ws, 'shared.txt'), 'utf8'), 'same in both');
    assert.ok(!fs.existsSync(brokenEntry));
    assert.ok(fs.existsSync(path.join(objects, 'ee', 'fresh.tmp')));
    assert.ok(fs.existsSync(path.join(objects, 'ee', 'e'.repeat(30))));
    assert.ok(!fs.existsSync(path.join(cacheRoot, 'steps', OLD.slice(0, 2))), 'empty folders go');

    const again = await cache.collect(new Set([NEW]), false);
    assert.deepEqual(again.entries, { kept: 1, removed: 0 });
    assert.equal(again.objects.removed, 0);
    assert.equal(
      describeCollection(done),
      `removed 2 step versions, 5 files (${done.bytes.removed} B); kept 1 step version, 7 files (${done.bytes.kept} B)`,
    );
    assert.match(
      describeCollection({ ...done, dryRun: true, bytes: { removed: 3 * 2 ** 30, kept: 1536 } }),
      /^would remove 2 step versions, 5 files \(3\.0 GiB\) and keep 1 step version, 7 files \(1\.5 KiB\)$/,
    );
    assert.equal(
      describeCollection({
        ...done,
        environments: { kept: 1, removed: 2 },
        environmentBytes: { kept: 80 * 2 ** 20, removed: 512 },
      }),
      `removed 2 step versions, 5 files (${done.bytes.removed} B), 2 environments (512 B); kept 1 step version, 7 files (${done.bytes.kept} B), 1 environment (80.0 MiB)`,
    );
  });
});

describe('collecting through the pipeline service', () => {
  const root = workspace({});
  const engine = Engine.open({ storeDir: path.join(root, '.sextant') });
  after(async () => {
    await engine.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const pipeline = (version: string): ResolvedPipeline => ({
    name: 'gen',
    file: path.join(root, 'sextant.yaml'),
    root,
    steps: [testStep(`echo ${version} > out.txt`, { name: 'make', outputs: ['out.txt'] })],
    compute: [],
    triggers: [],
    location: testLocation,
  });
  const run = async (version: string): Promise<PipelineRun> =>
    (await engine.pipelines.startPipeline(pipeline(version))).finished;
  const keyOf = (r: PipelineRun): string => r.steps[0]!.cacheKey!;

  it('keeps each step’s newest versions by last use, and refuses while a run is in flight', async () => {
    await run('v1');
    const v2 = keyOf(await run('v2'));
    const v3 = keyOf(await run('v3'));
    const back = await run('v1');
    assert.equal(back.steps[0]!.status, 'cached');
    age(path.join(root, '.sextant', 'cache'));

    const keepTwo = await engine.pipelines.collectCache({ keep: 2, dryRun: true });
    assert.deepEqual(keepTwo.entries, { kept: 2, removed: 1 }, 'v1 (used last) and v3 stay');
    await engine.pipelines.collectCache({ keep: 2 });
    assert.deepEqual((await engine.pipelines.planPipeline(pipeline('v1')))[0]!.action, 'cached');
    assert.deepEqual((await engine.pipelines.planPipeline(pipeline('v3')))[0]!.action, 'cached');
    assert.deepEqual((await engine.pipelines.planPipeline(pipeline('v2')))[0]!.action, 'run');
    assert.equal(await engine.pipelines.cache.lookup(v2), undefined);
    assert.ok(await engine.pipelines.cache.lookup(v3));

    const slow: ResolvedPipeline = {
      ...pipeline('slow'),
      name: 'slow',
      steps: [testStep('sleep 5 && echo slow > slow.txt', { name: 'wait', outputs: ['slow.txt'] })],
    };
    const started = await engine.pipelines.startPipeline(slow);
    await assert.rejects(
      engine.pipelines.collectCache({ keep: 1 }),
      /pipeline runs are in flight: slow \(/,
    );
    const dry = await engine.pipelines.collectCache({ keep: 1, dryRun: true });
    assert.deepEqual(dry.entries, { kept: 1, removed: 1 }, 'v1 stays; v3 would go');
    await engine.pipelines.cancel(started.run.pipelineRunId);
    await started.finished;

    const emptied = await engine.pipelines.collectCache({ keep: 0 });
    assert.deepEqual(emptied.entries, { kept: 0, removed: 2 });
    assert.equal(emptied.objects.kept, 0);
    assert.equal((await engine.pipelines.planPipeline(pipeline('v1')))[0]!.action, 'run');
    await assert.rejects(engine.pipelines.collectCache({ keep: -1 }), /whole number/);
  });

  it('runs wait while another process cleans the cache; a killed cleaner’s lock is taken over', async () => {
    const lock = path.join(root, '.sextant', 'collecting.lock');
    // Another live process of this machine (the test runner) holds the lock.
    fs.writeFileSync(lock, `${process.ppid}\n${os.hostname()}\n`);
    await assert.rejects(
      engine.pipelines.collectCache({ keep: 1 }),
      new RegExp(`being cleaned by another Sextant process \\(${process.ppid} on `),
    );
    const started = await engine.pipelines.startPipeline(pipeline('v4'));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(
      engine.pipelines.getRun(started.run.pipelineRunId).steps[0]!.status,
      'queued',
      'the step waits for the collection',
    );
    fs.rmSync(lock);
    assert.equal((await started.finished).status, 'done');

    fs.writeFileSync(lock, `${2 ** 22 + 5}\n${os.hostname()}\n`);
    const collected = await engine.pipelines.collectCache({ keep: 1 });
    assert.equal(collected.entries.kept, 1);
    assert.ok(!fs.existsSync(lock), 'taken over, and released when done');
  });

  it('keeps an environment no step record names (made before records named them) unless emptying', async () => {
    const envs = path.join(root, '.sextant', 'envs');
    const id = 'e'.repeat(64);
    const folder = `${id}.4242.0badc0de`;
    fs.mkdirSync(path.join(envs, folder, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(envs, folder, 'bin', 'python'), 'x'.repeat(100));
    fs.writeFileSync(path.join(envs, folder, '.sextant-complete'), '{}\n');
    fs.symlinkSync(folder, path.join(envs, id));
    age(envs);
    const kept = await engine.pipelines.collectCache({ keep: 1 });
    assert.deepEqual(kept.environments, { kept: 1, removed: 0 });
    assert.ok(fs.existsSync(path.join(envs, id)));
    const emptied = await engine.pipelines.collectCache({ keep: 0 });
    assert.deepEqual(emptied.environments, { kept: 0, removed: 1 });
    assert.ok(emptied.environmentBytes.removed >= 100);
    assert.deepEqual(fs.readdirSync(envs), []);
  });
});
