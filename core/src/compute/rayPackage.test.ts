import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { buildRayPackage, stepInputs } from './rayPackage';
import { fetchStagedOutputs } from './rayTransfer';
import { testStep } from '../testing/steps';

describe('the package of a step for a Ray cluster without the workspace', () => {
  let root = '';
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-raypkg-'));
    const write = (rel: string, text: string, mode = 0o644): void => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text, { mode });
    };
    write('data/a.csv', 'x\n1\n');
    write('data/nested/b.csv', 'y\n2\n');
    write('params.yaml', 'lr: 0.1\n');
    write('requirements.txt', 'numpy\n');
    write('jobs/run.sh', 'echo hi\n', 0o755);
    write('secret.txt', 'not read by the step\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const step = testStep('./run.sh --fast', {
    wd: 'jobs',
    deps: ['data', 'data/a.csv', 'missing.csv'],
    params: [{ file: 'params.yaml', key: 'lr', value: 0.1 }],
    environment: { vars: {}, requirements: 'requirements.txt' },
    outputs: ['out/model.bin'],
  });

  test('holds what the step reads, under workspace paths, and nothing else', async () => {
    const pkg = await buildRayPackage(root, step);
    assert.deepEqual(pkg.files, [
      'data/a.csv',
      'data/nested/b.csv',
      'jobs/run.sh',
      'params.yaml',
      'requirements.txt',
    ]);
    const entries = unzipSync(pkg.bytes);
    assert.equal(Buffer.from(entries['data/nested/b.csv']!).toString(), 'y\n2\n');
    assert.ok(!('secret.txt' in entries), 'a file no step reads went up');
    assert.ok(!Object.keys(entries).some((name) => name.startsWith('out')));
    assert.match(pkg.name, /^_ray_pkg_[0-9a-f]{40}\.zip$/);
  });

  test('keeps Unix modes, so a script stays executable', async () => {
    const pkg = await buildRayPackage(root, step);
    const central = Buffer.from(pkg.bytes);
    // Central directory entries: signature, then external attributes at +38 and the name at +46.
    const modes = new Map<string, number>();
    for (
      let at = central.indexOf('PK\x01\x02');
      at >= 0;
      at = central.indexOf('PK\x01\x02', at + 4)
    ) {
      const nameLength = central.readUInt16LE(at + 28);
      const name = central.subarray(at + 46, at + 46 + nameLength).toString();
      modes.set(name, central.readUInt32LE(at + 38) >>> 16);
    }
    assert.equal(modes.get('jobs/run.sh')! & 0o777, 0o755);
    assert.equal(modes.get('data/a.csv')! & 0o777, 0o644);
  });

  test('the same files make the same name; a changed file another', async () => {
    const once = await buildRayPackage(root, step);
    const again = await buildRayPackage(root, step);
    assert.equal(again.name, once.name);
    fs.writeFileSync(path.join(root, 'data', 'a.csv'), 'x\n2\n');
    const changed = await buildRayPackage(root, step);
    assert.notEqual(changed.name, once.name);
  });

  test("makes the step's working directory even when nothing it reads is in it", async () => {
    const pkg = await buildRayPackage(root, testStep('echo hi', { wd: 'empty/here' }));
    assert.deepEqual(pkg.files, []);
    assert.ok('empty/here/' in unzipSync(pkg.bytes));
  });

  test('a package past the limit is refused, naming the largest inputs', async () => {
    await assert.rejects(
      buildRayPackage(root, step, { maxBytes: 5 }),
      /pass the package limit of 0 MiB \(largest: .*data\/a\.csv.*\).*workspace to 'shared'/,
    );
  });

  test('a step that reads the whole workspace gets no Git folder, bytecode or store', async () => {
    const whole = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-raypkg-whole-'));
    try {
      for (const [rel, text] of Object.entries({
        'src/train.py': 'print(1)\n',
        'src/__pycache__/train.cpython-311.pyc': 'bytecode',
        '.git/HEAD': 'ref: refs/heads/main\n',
        '.sextant/sextant.db': 'the store, written while the job runs',
      })) {
        fs.mkdirSync(path.dirname(path.join(whole, rel)), { recursive: true });
        fs.writeFileSync(path.join(whole, rel), text);
      }
      const reader = testStep('python src/train.py', { deps: ['.'] });
      const pkg = await buildRayPackage(whole, reader, {
        leaveOut: [path.join(whole, '.sextant')],
      });
      assert.deepEqual(pkg.files, ['src/train.py']);
      fs.symlinkSync('..', path.join(whole, 'src', 'up'));
      await assert.rejects(buildRayPackage(whole, reader), /src\/up' leads back to/);
    } finally {
      fs.rmSync(whole, { recursive: true, force: true });
    }
  });

  test('paths that leave the workspace are not inputs', () => {
    const inputs = stepInputs(testStep('python ../../etc/x.py', { deps: ['../up.txt', 'ok.txt'] }));
    assert.deepEqual(inputs, ['ok.txt']);
  });
});

describe("fetching a Ray job's outputs back", () => {
  let server: http.Server;
  let base = '';
  let listing: unknown = {};
  const deleted: string[] = [];
  before(async () => {
    // A stand-in for the tracking server's artifact proxy, answering what the test sets.
    server = http.createServer((request, response) => {
      if (request.method === 'DELETE') deleted.push(request.url ?? '');
      if (request.url?.startsWith('/api/2.0/mlflow-artifacts/artifacts?')) {
        response.end(JSON.stringify(listing));
      } else response.end('file body');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('a staged path that would leave the workspace is refused, nothing written', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-fetch-'));
    try {
      listing = { files: [{ path: '../escaped.txt', is_dir: false }] };
      await assert.rejects(
        fetchStagedOutputs(base, 'sextant-transfers/job', root),
        /must be a path inside the workspace/,
      );
      assert.ok(!fs.existsSync(path.join(root, '..', 'escaped.txt')));
      assert.deepEqual(fs.readdirSync(root), []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('staged files land at their paths and the staging folder is deleted', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-fetch-'));
    try {
      listing = { files: [{ path: 'model.bin', is_dir: false }] };
      deleted.length = 0;
      assert.deepEqual(await fetchStagedOutputs(base, 'sextant-transfers/job', root), [
        'model.bin',
      ]);
      assert.equal(fs.readFileSync(path.join(root, 'model.bin'), 'utf8'), 'file body');
      assert.deepEqual(fs.readdirSync(root), ['model.bin']);
      assert.deepEqual(deleted, ['/api/2.0/mlflow-artifacts/artifacts/sextant-transfers/job']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
