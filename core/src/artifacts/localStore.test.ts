import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SextantError } from '../model/errors';
import { CVE_PAYLOADS } from './cvePayloads';
import { LocalArtifactStore } from './localStore';

let tmp: string;
let root: string;
let outside: string;
let store: LocalArtifactStore;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-store-'));
  root = path.join(tmp, 'store', 'artifacts');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  store = new LocalArtifactStore(root, { maxFileBytes: 1024 });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rejectsWith = async (code: string, run: () => Promise<unknown>): Promise<void> => {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof SextantError, `expected a SextantError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
};

const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('LocalArtifactStore against CVE path payloads', () => {
  for (const payload of CVE_PAYLOADS.filter((p) => p.kind === 'path')) {
    test(`${payload.cve}: get/list/write/delete refuse ${payload.description}`, async () => {
      await store.write('1/run/artifacts/a.txt', Buffer.from('a'));
      for (const input of [payload.input, `1/run/artifacts/${payload.input}`]) {
        await rejectsWith('INVALID_PARAMETER_VALUE', () => store.read(input));
        await rejectsWith('INVALID_PARAMETER_VALUE', () => store.list(input));
        await rejectsWith('INVALID_PARAMETER_VALUE', () => store.exists(input));
        await rejectsWith('INVALID_PARAMETER_VALUE', () => store.write(input, Buffer.from('x')));
        await rejectsWith('INVALID_PARAMETER_VALUE', () => store.delete(input));
      }
      assert.deepEqual(filesUnder(outside), ['secret.txt']);
      assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret');
      assert.deepEqual(filesUnder(path.join(tmp, 'store')), [
        'artifacts',
        'artifacts/1',
        'artifacts/1/run',
        'artifacts/1/run/artifacts',
        'artifacts/1/run/artifacts/a.txt',
      ]);
    });
  }
});

describe('LocalArtifactStore', () => {
  test('writes a buffer and a stream, then reads them back with their size', async () => {
    await store.write('1/run/artifacts/model/MLmodel', Buffer.from('flavors: {}'));
    await store.write(
      '1/run/artifacts/log.txt',
      Readable.from(['line 1\n', Buffer.from('line 2\n')]),
    );
    const model = await store.read('1/run/artifacts/model/MLmodel');
    assert.equal(model.size, 11);
    assert.equal(await text(model.stream), 'flavors: {}');
    assert.equal(
      await text((await store.read('1/run/artifacts/log.txt')).stream),
      'line 1\nline 2\n',
    );
  });

  test('overwrites an existing file whole', async () => {
    await store.write('a.txt', Buffer.from('old content'));
    await store.write('a.txt', Buffer.from('new'));
    assert.equal(await text((await store.read('a.txt')).stream), 'new');
  });

  test('a failing upload leaves neither a partial file nor a temp file, and keeps the old one', async () => {
    await store.write('d/a.bin', Buffer.from('old'));
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('connection reset');
    }
    await assert.rejects(store.write('d/a.bin', Readable.from(broken())), /connection reset/);
    await assert.rejects(store.write('d/b.bin', Readable.from(broken())), /connection reset/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'd')), ['a.bin']);
    assert.equal(fs.readFileSync(path.join(root, 'd', 'a.bin'), 'utf8'), 'old');
  });

  test('refuses data over the size limit and keeps nothing of it', async () => {
    await rejectsWith('INVALID_PARAMETER_VALUE', () =>
      store.write('big.bin', Readable.from([Buffer.alloc(1000), Buffer.alloc(1000)])),
    );
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.write('big2.bin', Buffer.alloc(1025)));
    await store.write('exact.bin', Buffer.alloc(1024));
    assert.deepEqual(fs.readdirSync(root), ['exact.bin']);
  });

  test('write refuses the root, a directory path, a file in the way and reserved names', async () => {
    await store.write('dir/file.txt', Buffer.from('x'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.write('', Buffer.from('x')));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.write('dir', Buffer.from('x')));
    await rejectsWith('INVALID_PARAMETER_VALUE', () =>
      store.write('dir/file.txt/x', Buffer.from('x')),
    );
    await rejectsWith('INVALID_PARAMETER_VALUE', () =>
      store.write('a.sextant-tmp', Buffer.from('x')),
    );
  });

  test('read: not found for a missing file, invalid for a directory', async () => {
    await store.write('dir/file.txt', Buffer.from('x'));
    await rejectsWith('RESOURCE_DOES_NOT_EXIST', () => store.read('missing.txt'));
    await rejectsWith('RESOURCE_DOES_NOT_EXIST', () => store.read('dir/file.txt/below'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.read('dir'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.read(''));
  });

  test('list gives one level, sorted, with sizes for files; missing paths and files list empty', async () => {
    await store.write('1/r/artifacts/b.txt', Buffer.from('bb'));
    await store.write('1/r/artifacts/a/deep.txt', Buffer.from('d'));
    await store.write('1/r/artifacts/c', Buffer.from('ccc'));
    assert.deepEqual(await store.list('1/r/artifacts'), [
      { path: '1/r/artifacts/a', isDir: true },
      { path: '1/r/artifacts/b.txt', isDir: false, fileSize: 2 },
      { path: '1/r/artifacts/c', isDir: false, fileSize: 3 },
    ]);
    assert.deepEqual(await store.list('1/r/artifacts/'), await store.list('1/r/artifacts'));
    assert.deepEqual(await store.list(), [{ path: '1', isDir: true }]);
    assert.deepEqual(await store.list('nope'), []);
    assert.deepEqual(await store.list('1/r/artifacts/c'), []);
  });

  test('list hides temp files and links that lead outside; keeps links that stay inside', async () => {
    await store.write('x/real.txt', Buffer.from('r'));
    fs.writeFileSync(path.join(root, 'x', '.0123abcd.sextant-tmp'), 'half');
    fs.symlinkSync(outside, path.join(root, 'x', 'escape'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'x', 'secret'));
    fs.symlinkSync(path.join(root, 'x', 'real.txt'), path.join(root, 'x', 'alias.txt'));
    assert.deepEqual(await store.list('x'), [
      { path: 'x/alias.txt', isDir: false, fileSize: 1 },
      { path: 'x/real.txt', isDir: false, fileSize: 1 },
    ]);
  });

  test('symlinks leading outside cannot be read, listed, written through or deleted through', async () => {
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.read('secret'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.read('escape/secret.txt'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.list('escape'));
    await rejectsWith('INVALID_PARAMETER_VALUE', () =>
      store.write('escape/new.txt', Buffer.from('x')),
    );
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.write('secret', Buffer.from('x')));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.delete('escape/secret.txt'));
    assert.deepEqual(filesUnder(outside), ['secret.txt']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret');
  });

  test('exists and delete', async () => {
    await store.write('1/r/artifacts/model/MLmodel', Buffer.from('m'));
    await store.write('1/r/artifacts/keep.txt', Buffer.from('k'));
    assert.equal(await store.exists('1/r/artifacts/model'), true);
    assert.equal(await store.exists('1/r/artifacts/model/MLmodel'), true);
    assert.equal(await store.exists('1/r/artifacts/nope'), false);
    await store.delete('1/r/artifacts/model');
    assert.equal(await store.exists('1/r/artifacts/model'), false);
    assert.equal(await store.exists('1/r/artifacts/keep.txt'), true);
    await store.delete('1/r/artifacts/model');
    await store.delete('1/r/artifacts/keep.txt');
    assert.deepEqual(await store.list('1/r/artifacts'), []);
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.delete(''));
    await rejectsWith('INVALID_PARAMETER_VALUE', () => store.delete('./'));
  });

  test('delete removes a link that stays inside, not its target', async () => {
    await store.write('target/file.txt', Buffer.from('t'));
    fs.symlinkSync(path.join(root, 'target'), path.join(root, 'link'));
    await store.delete('link');
    assert.equal(await store.exists('link'), false);
    assert.equal(await store.exists('target/file.txt'), true);
  });

  test('creates its root on first write', async () => {
    const fresh = new LocalArtifactStore(path.join(tmp, 'fresh', 'root'));
    assert.deepEqual(await fresh.list(), []);
    await fresh.write('a/b.txt', Buffer.from('b'));
    assert.equal(await fresh.exists('a/b.txt'), true);
  });
});
