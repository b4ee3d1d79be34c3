import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectEnvironments, provisionEnvironment } from './environments';

/** Writes a minimal wheel of package `sxdemo` (VALUE = 42), so pip needs no network. */
const WHEEL_SCRIPT = `
import sys, zipfile
files = {
    "sxdemo/__init__.py": "VALUE = 42\\n",
    "sxdemo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: sxdemo\\nVersion: 1.0\\n",
    "sxdemo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: sextant-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
files["sxdemo-1.0.dist-info/RECORD"] = "".join(f"{name},,\\n" for name in [*files, "sxdemo-1.0.dist-info/RECORD"])
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)
`;

let dir: string;
let cacheDir: string;

const sha256 = (file: string): string =>
  createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function requirementsFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function provision(requirements: string, signal = new AbortController().signal) {
  let output = '';
  const result = provisionEnvironment({
    requirements,
    cacheDir,
    signal,
    onOutput: (_stream, text) => (output += text),
  });
  return { result, output: () => output };
}

/** Entries of the cache folder that belong to one requirements file's hash. */
const entriesOf = (hash: string): string[] =>
  fs.readdirSync(cacheDir).filter((entry) => entry.startsWith(hash));

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-envs-'));
  cacheDir = path.join(dir, 'envs');
  execFileSync('python3', ['-c', WHEEL_SCRIPT, path.join(dir, 'sxdemo-1.0-py3-none-any.whl')]);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('provisionEnvironment', () => {
  it('builds a venv from a requirements file once, then reuses it', async () => {
    const requirements = requirementsFile(
      'requirements.txt',
      '--no-index\n./sxdemo-1.0-py3-none-any.whl\n',
    );
    const first = provision(requirements);
    const built = await first.result;
    assert.equal(built.reused, false);
    assert.match(first.output(), /Successfully installed sxdemo-1\.0/);
    const value = execFileSync(path.join(built.binDir, 'python'), [
      '-c',
      'import sxdemo; print(sxdemo.VALUE)',
    ]);
    assert.equal(value.toString().trim(), '42');
    const published = path.join(cacheDir, sha256(requirements));
    assert.equal(fs.realpathSync(path.join(published, 'bin')), built.binDir);
    assert.equal(built.id, sha256(requirements), 'its id is its folder name');

    const began = Date.now();
    const again = await provision(requirements).result;
    assert.deepEqual(again, { binDir: built.binDir, id: built.id, reused: true });
    assert.ok(Date.now() - began < 1000, `reuse took ${Date.now() - began} ms`);
  });

  it('builds once for two concurrent provisionings, taking over the lock of a dead one', async () => {
    const requirements = requirementsFile(
      'concurrent.txt',
      '# concurrent\n--no-index\n./sxdemo-1.0-py3-none-any.whl\n',
    );
    const hash = sha256(requirements);
    // What a provisioning killed midway leaves: its lock and its unfinished folder.
    fs.mkdirSync(cacheDir, { recursive: true });
    const dead = 2 ** 22 + 1;
    fs.mkdirSync(path.join(cacheDir, `${hash}.lock`));
    fs.writeFileSync(path.join(cacheDir, `${hash}.lock`, 'owner'), `${dead}\n${os.hostname()}\n`);
    fs.mkdirSync(path.join(cacheDir, `${hash}.${dead}.0badc0de`, 'bin'), { recursive: true });

    const results = await Promise.all([
      provision(requirements).result,
      provision(requirements).result,
    ]);
    assert.deepEqual(results.map((r) => r.reused).sort(), [false, true]);
    assert.equal(results[0]!.binDir, results[1]!.binDir);
    assert.deepEqual(
      entriesOf(hash).sort(),
      [hash, path.basename(path.dirname(results[0]!.binDir))].sort(),
      'one folder and its link, nothing of the dead provisioning, no lock',
    );
  });

  it('a failed install leaves no environment and says why', async () => {
    const requirements = requirementsFile('missing.txt', '--no-index\nsextant-no-such-package\n');
    const run = provision(requirements);
    await assert.rejects(
      run.result,
      /provisioning .*missing\.txt failed: pip install ended with exit code 1/,
    );
    assert.match(run.output(), /sextant-no-such-package/);
    assert.deepEqual(entriesOf(sha256(requirements)), []);
  });

  it('a cancelled provisioning stops and leaves nothing behind', async () => {
    const requirements = requirementsFile('cancelled.txt', '');
    const controller = new AbortController();
    const run = provision(requirements, controller.signal);
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(run.result, /was cancelled/);
    assert.deepEqual(entriesOf(sha256(requirements)), []);
  });

  it('collecting removes the environments not kept and left-overs, never one being built', async () => {
    const kept = sha256(path.join(dir, 'requirements.txt'));
    const other = sha256(path.join(dir, 'concurrent.txt'));
    const otherFolder = fs.readlinkSync(path.join(cacheDir, other));
    const dead = 2 ** 22 + 3;
    const leftover = path.join(cacheDir, `${'c'.repeat(64)}.${dead}.0badc0de`);
    fs.mkdirSync(path.join(leftover, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(leftover, 'bin', 'half'), 'x'.repeat(1000));
    const before = fs.readdirSync(cacheDir).sort();

    const keep = (id: string): boolean => id === kept;
    const dry = await collectEnvironments(cacheDir, keep, true);
    assert.deepEqual(fs.readdirSync(cacheDir).sort(), before, 'a dry run removes nothing');
    assert.deepEqual(dry.environments, { kept: 1, removed: 1 });
    assert.ok(dry.bytes.removed > 1000 && dry.bytes.kept > 0, JSON.stringify(dry));

    fs.mkdirSync(path.join(cacheDir, `${other}.lock`));
    const busy = await collectEnvironments(cacheDir, keep, false);
    assert.deepEqual(busy.environments, { kept: 2, removed: 0 }, 'one being provisioned stays');
    assert.equal(busy.bytes.removed, 1000, "only the dead provisioning's folder went");
    assert.ok(!fs.existsSync(leftover));
    assert.ok(fs.existsSync(path.join(cacheDir, otherFolder)));
    fs.rmdirSync(path.join(cacheDir, `${other}.lock`));

    const done = await collectEnvironments(cacheDir, keep, false);
    assert.deepEqual(done.environments, dry.environments, 'it removes what the dry run said');
    assert.equal(done.bytes.removed, dry.bytes.removed - 1000);
    assert.ok(!fs.existsSync(path.join(cacheDir, other)), 'unpublished');
    assert.ok(!fs.existsSync(path.join(cacheDir, otherFolder)), 'its folder removed');
    const again = await provision(path.join(dir, 'requirements.txt')).result;
    assert.equal(again.reused, true, 'the kept environment is still whole');
  });

  it('a missing requirements file is a clear error', async () => {
    await assert.rejects(
      provision(path.join(dir, 'nowhere.txt')).result,
      /cannot read the requirements file .*nowhere\.txt: ENOENT/,
    );
  });
});
