import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { migrate } from '../../store';
import { workspace } from '../definition/workspace.testing';
import { FileHasher } from './fileHash';
import { walkFolder } from '../../compute';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A temporary folder with `files` (relative path to content), removed after the tests. */
function folder(files: Record<string, string>): string {
  const root = workspace(files);
  dirs.push(root);
  return root;
}

const walked = async (dir: string, leaveOut: string[] = []): Promise<string[]> => {
  const found: string[] = [];
  await walkFolder(dir, async (file) => void found.push(file.relative), leaveOut);
  return found;
};

describe('walking a dependency folder', () => {
  test('visits files in a fixed order, leaving out tools’ state and the store', async () => {
    const root = folder({
      'b.txt': 'b',
      'a/z.py': 'z',
      'a/__pycache__/z.cpython-311.pyc': 'bytecode',
      '.git/HEAD': 'ref: refs/heads/main',
      'nb/.ipynb_checkpoints/x-checkpoint.ipynb': '{}',
      'nb/x.ipynb': '{}',
      '.sextant/sextant.db': 'store',
      'sub/.git/config': 'a submodule',
      'sub/c.txt': 'c',
    });
    assert.deepEqual(await walked(root, [path.join(root, '.sextant')]), [
      'a/z.py',
      'b.txt',
      'nb/x.ipynb',
      'sub/c.txt',
    ]);
    assert.ok((await walked(root)).includes('.sextant/sextant.db'), 'left out only when named');
  });

  test('follows symbolic links, and names a link that leads back into the walk', async () => {
    const outside = folder({ 'shared.csv': 'x,y\n' });
    const root = folder({ 'data/own.csv': 'a\n' });
    fs.symlinkSync(path.join(outside, 'shared.csv'), path.join(root, 'data/linked.csv'));
    fs.symlinkSync(outside, path.join(root, 'data/more'));
    assert.deepEqual(await walked(path.join(root, 'data')), [
      'linked.csv',
      'more/shared.csv',
      'own.csv',
    ]);
    fs.symlinkSync('..', path.join(root, 'data/loop'));
    await assert.rejects(
      walked(root),
      (error: Error) =>
        error.message.includes(`'${path.join(root, 'data/loop')}' leads back to '${root}`) &&
        /symbolic link loop/.test(error.message),
    );
  });

  test('a folder’s hash ignores bytecode and the store, and sees a real change', async () => {
    const root = folder({ 'src/train.py': 'print(1)\n', 'src/util.py': 'x = 1\n' });
    const db = new Database(':memory:');
    migrate(db);
    const store = path.join(root, 'src', '.store');
    const hasher = new FileHasher(db, [store]);
    const before = await hasher.hash(path.join(root, 'src'));
    fs.mkdirSync(path.join(root, 'src/__pycache__'));
    fs.writeFileSync(path.join(root, 'src/__pycache__/util.cpython-311.pyc'), 'bytecode');
    fs.mkdirSync(store);
    fs.writeFileSync(path.join(store, 'sextant.db'), 'changes at every run');
    assert.deepEqual(await hasher.hash(path.join(root, 'src')), before);
    fs.writeFileSync(path.join(root, 'src/new.py'), 'y = 2\n');
    const changed = await hasher.hash(path.join(root, 'src'));
    assert.ok(changed.kind === 'dir' && before.kind === 'dir');
    assert.notEqual(changed.digest, before.digest);
    assert.deepEqual(
      changed.entries.map((e) => e.path),
      ['new.py', 'train.py', 'util.py'],
    );
    db.close();
  });
});
