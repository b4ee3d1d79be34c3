import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResolvedStep } from '../../model/pipeline';
import { migrate } from '../../store';
import { ContentCache } from './cache';
import { insideRoot } from '../../compute';
import { stepCacheKey } from './cacheKey';
import { FileHasher, md5File, type PathHash } from './fileHash';
import { downstreamOf, selectSteps } from './plan';
import { gpuVariables, ResourcePool, visibleGpus, type Held } from '../../compute';

const location = {
  file: '/x',
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
};
const base: ResolvedStep = {
  name: 'train',
  run: 'python train.py',
  wd: '.',
  deps: ['data.csv', 'train.py'],
  params: [
    { file: 'params.yaml', key: 'lr', value: 0.1 },
    { file: 'params.yaml', key: 'layers', value: [1, 2] },
  ],
  outputs: ['model.pkl'],
  metrics: [],
  artifacts: [],
  environment: { vars: { SEED: '1' } },
  resources: { cpu: 1, gpu: 0, memoryMb: 0 },
  compute: 'local',
  retries: 0,
  upstream: [],
  location,
};
const digest = (hash: PathHash): string | undefined =>
  hash.kind === 'missing' ? undefined : hash.digest;
const deps = { 'data.csv': 'md5:aa', 'train.py': 'md5:bb' };

describe('step cache keys', () => {
  const key = stepCacheKey(base, { deps });

  it('is stable whatever the order of params and deps', () => {
    const shuffled = {
      ...base,
      deps: [...base.deps].reverse(),
      params: [...base.params].reverse(),
    };
    assert.equal(
      stepCacheKey(shuffled, { deps: { 'train.py': 'md5:bb', 'data.csv': 'md5:aa' } }),
      key,
    );
    assert.match(key, /^[0-9a-f]{64}$/);
  });

  it('changes with the command, a dependency, a param value, the environment or its requirements', () => {
    const variants = [
      stepCacheKey({ ...base, run: 'python train.py --fast' }, { deps }),
      stepCacheKey(base, { deps: { ...deps, 'data.csv': 'md5:ab' } }),
      stepCacheKey(
        { ...base, params: [{ ...base.params[0]!, value: 0.2 }, base.params[1]!] },
        { deps },
      ),
      stepCacheKey({ ...base, environment: { vars: { SEED: '2' } } }, { deps }),
      stepCacheKey(base, { deps, requirements: 'md5:cc' }),
      stepCacheKey({ ...base, outputs: ['model2.pkl'] }, { deps }),
    ];
    assert.equal(new Set([key, ...variants]).size, variants.length + 1);
  });

  it('keeps paths inside the workspace', () => {
    assert.equal(insideRoot('/ws', 'a/b.txt', 'output'), '/ws/a/b.txt');
    assert.throws(() => insideRoot('/ws', '../x', 'output'), /inside the workspace/);
    assert.throws(() => insideRoot('/ws', '/etc/passwd', 'output'), /inside the workspace/);
  });
});

describe('step selection', () => {
  const step = (name: string, upstream: string[] = []): ResolvedStep => ({
    ...base,
    name,
    upstream,
  });
  const pipeline = {
    name: 'p',
    file: '/ws/sextant.yaml',
    root: '/ws',
    steps: [step('a'), step('b', ['a']), step('c', ['b']), step('d', ['a']), step('e')],
    compute: [],
    triggers: [],
    location,
  };

  it('takes a step and everything it needs, in pipeline order', () => {
    assert.deepEqual(
      selectSteps(pipeline, 'c').map((s) => s.name),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      selectSteps(pipeline).map((s) => s.name),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.throws(() => selectSteps(pipeline, 'zz'), /no step 'zz'; its steps are: a, b, c, d, e/);
  });

  it('finds what is downstream of a step', () => {
    assert.deepEqual([...downstreamOf(pipeline, 'a')].sort(), ['b', 'c', 'd']);
    assert.deepEqual([...downstreamOf(pipeline, 'e')], []);
  });
});

describe('file hashes and the content cache', () => {
  let dir: string;
  let db: Database.Database;
  let hasher: FileHasher;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-cache-'));
    db = new Database(':memory:');
    migrate(db);
    hasher = new FileHasher(db);
  });
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hashes a file once while its size, mtime and inode stay the same', async () => {
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, 'first content');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const first = await hasher.hash(file);
    assert.deepEqual(first, { kind: 'file', digest: `md5:${await md5File(file)}`, size: 13 });
    // Same size, same mtime: the memo answers without reading (so it still says the old digest).
    fs.writeFileSync(file, 'other content');
    fs.utimesSync(file, old, old);
    assert.equal(digest(await hasher.hash(file)), digest(first));
    // A new mtime makes it read the file again.
    const newer = new Date(Date.now() - 30_000);
    fs.utimesSync(file, newer, newer);
    const again = await hasher.hash(file);
    assert.equal(digest(again), `md5:${await md5File(file)}`);
    assert.notEqual(digest(again), digest(first));
  });

  it('does not trust a memo for a file modified within the racy window', async () => {
    const file = path.join(dir, 'fresh.txt');
    fs.writeFileSync(file, 'aaaa');
    const first = await hasher.hash(file);
    const stat = fs.statSync(file);
    fs.writeFileSync(file, 'bbbb');
    fs.utimesSync(file, stat.atime, stat.mtime);
    const second = await hasher.hash(file);
    assert.notEqual(digest(second), digest(first));
  });

  it('forgets the memo of files that are gone, and keeps the others', async () => {
    const keep = path.join(dir, 'keep.txt');
    const drop = path.join(dir, 'drop.txt');
    fs.writeFileSync(keep, 'keep');
    fs.writeFileSync(drop, 'drop');
    await hasher.hash(keep);
    await hasher.hash(drop);
    fs.rmSync(drop);
    const memo = (): string[] =>
      (db.prepare('SELECT path FROM file_hashes').all() as { path: string }[]).map((r) => r.path);
    assert.ok(memo().includes(drop));
    assert.ok((await hasher.prune(1)) >= 1);
    assert.ok(!memo().includes(drop));
    assert.ok(memo().includes(keep));
  });

  it('hashes folders by their manifest and restores them from the cache', async () => {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'out', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'out', 'a.txt'), 'A');
    fs.writeFileSync(path.join(ws, 'out', 'sub', 'b.txt'), 'B');
    fs.writeFileSync(path.join(ws, 'model.bin'), Buffer.from([0, 1, 2, 3]));
    const folder = await hasher.hash(path.join(ws, 'out'));
    assert.equal(folder.kind, 'dir');
    assert.match(folder.kind === 'dir' ? folder.digest : '', /^md5:[0-9a-f]{32}\.dir$/);
    assert.deepEqual(folder.kind === 'dir' && folder.entries.map((e) => e.path), [
      'a.txt',
      'sub/b.txt',
    ]);

    const cache = new ContentCache(path.join(dir, 'cache'), hasher);
    const key = 'ab'.repeat(32);
    assert.equal(await cache.lookup(key), undefined);
    const model = await hasher.hash(path.join(ws, 'model.bin'));
    await cache.save(
      key,
      ws,
      [
        { path: 'out', hash: folder },
        { path: 'model.bin', hash: model },
      ],
      'run1',
    );
    fs.rmSync(path.join(ws, 'out'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'model.bin'), 'changed');
    fs.writeFileSync(path.join(ws, 'stray.txt'), 'x');
    const entry = await cache.lookup(key);
    assert.ok(entry);
    assert.equal(entry.runId, 'run1');
    await cache.restore(entry, ws);
    assert.equal(fs.readFileSync(path.join(ws, 'out', 'sub', 'b.txt'), 'utf8'), 'B');
    assert.deepEqual(fs.readFileSync(path.join(ws, 'model.bin')), Buffer.from([0, 1, 2, 3]));
    // A restored file is a copy: editing it leaves the cache as it was.
    fs.writeFileSync(path.join(ws, 'model.bin'), 'edited');
    fs.rmSync(path.join(ws, 'model.bin'));
    await cache.restore(entry, ws);
    assert.deepEqual(fs.readFileSync(path.join(ws, 'model.bin')), Buffer.from([0, 1, 2, 3]));
    // An entry whose objects were lost is a miss, not a broken restore.
    const objects = path.join(dir, 'cache', 'objects');
    const hex = (model.kind === 'file' ? model.digest : '').slice(4);
    fs.rmSync(path.join(objects, hex.slice(0, 2), hex.slice(2)), { force: true });
    assert.equal(await cache.lookup(key), undefined);
  });
});

describe('the resource pool', () => {
  it('grants in order while resources last and clamps a request larger than the machine', async () => {
    const pool = new ResourcePool({ cpu: 2, gpu: 1, memoryMb: 1000 });
    const order: string[] = [];
    const r1 = await pool.acquire({ cpu: 1, gpu: 1, memoryMb: 0 });
    const second = pool
      .acquire({ cpu: 1, gpu: 1, memoryMb: 0 })
      .then((r) => (order.push('gpu2'), r));
    const third = pool.acquire({ cpu: 1, gpu: 0, memoryMb: 0 }).then((r) => (order.push('cpu'), r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [], 'first come, first served: the cpu step waits behind the gpu one');
    assert.deepEqual(pool.available(), { cpu: 1, gpu: 0, memoryMb: 1000 });
    r1.release();
    (await second).release();
    (await third).release();
    assert.deepEqual(order, ['gpu2', 'cpu']);
    const huge = await pool.acquire({ cpu: 64, gpu: 8, memoryMb: 1e9 });
    assert.deepEqual(pool.available(), { cpu: 0, gpu: 0, memoryMb: 0 });
    huge.release();
    assert.deepEqual(pool.available(), { cpu: 2, gpu: 1, memoryMb: 1000 });
  });

  it('gives each step GPUs of its own, by the names CUDA_VISIBLE_DEVICES takes', async () => {
    const pool = new ResourcePool({ cpu: 8, gpu: 3, memoryMb: 0, gpuIds: ['2', 'GPU-5e1f', '7'] });
    const a = await pool.acquire({ cpu: 1, gpu: 1, memoryMb: 0 });
    const b = await pool.acquire({ cpu: 1, gpu: 2, memoryMb: 0 });
    const none = await pool.acquire({ cpu: 1, gpu: 0, memoryMb: 0 });
    assert.deepEqual([a.gpus, b.gpus, none.gpus], [['2'], ['GPU-5e1f', '7'], []]);
    const granted: Held[] = [];
    const waiting = pool.acquire({ cpu: 1, gpu: 2, memoryMb: 0 }).then((held) => {
      granted.push(held);
      return held;
    });
    a.release();
    a.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(granted.length, 0, 'one GPU free, two asked: it waits (one release, not two)');
    b.release();
    const c = await waiting;
    assert.deepEqual(c.gpus, ['2', 'GPU-5e1f'], 'the GPUs given back are handed out again');
    assert.deepEqual(gpuVariables(c.gpus), { CUDA_VISIBLE_DEVICES: '2,GPU-5e1f' });
    assert.deepEqual(gpuVariables([]), {}, 'a step without GPUs keeps what Sextant has');
    // Without names, the GPUs are the indices CUDA gives them.
    const plain = new ResourcePool({ cpu: 1, gpu: 2, memoryMb: 0 });
    assert.deepEqual((await plain.acquire({ cpu: 1, gpu: 2, memoryMb: 0 })).gpus, ['0', '1']);
  });

  it('reads the visible GPUs as CUDA does', () => {
    assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: '0,1' }), ['0', '1']);
    assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: ' 3 , MIG-9a ' }), ['3', 'MIG-9a']);
    assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: '' }), []);
    assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: '-1' }), []);
    assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: '1,-1,0' }), ['1'], 'CUDA stops at -1');
  });

  it('holds one abort listener per signal however many steps wait on it', async () => {
    const pool = new ResourcePool({ cpu: 1, gpu: 0, memoryMb: 0 });
    const held = await pool.acquire({ cpu: 1, gpu: 0, memoryMb: 0 });
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    const waiting = Array.from({ length: 50 }, () =>
      pool.acquire({ cpu: 1, gpu: 0, memoryMb: 0 }, controller.signal),
    );
    controller.abort(new Error('cancelled'));
    const settled = await Promise.allSettled(waiting);
    held.release();
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.ok(settled.every((s) => s.status === 'rejected' && /cancelled/.test(String(s.reason))));
    assert.deepEqual(warnings, [], 'no MaxListenersExceededWarning');
    assert.deepEqual(pool.available(), { cpu: 1, gpu: 0, memoryMb: 0 });
  });

  it('drops a waiter whose run is cancelled', async () => {
    const pool = new ResourcePool({ cpu: 1, gpu: 0, memoryMb: 0 });
    const held = await pool.acquire({ cpu: 1, gpu: 0, memoryMb: 0 });
    const controller = new AbortController();
    const waiting = pool.acquire({ cpu: 1, gpu: 0, memoryMb: 0 }, controller.signal);
    controller.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
    held.release();
    assert.deepEqual(pool.available(), { cpu: 1, gpu: 0, memoryMb: 0 });
  });
});
