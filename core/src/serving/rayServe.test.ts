import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rayServeRuntime } from './rayServe';

/**
 * A stand-in for the Ray Serve deployer (the real one is tested against a Ray cluster in
 * test/compat/test_serving_ray.py): an HTTP route answering frames of items as a Serve
 * application does, its ready line on stdout, and a file written when stdin closes (the
 * application deleted).
 */
const DEPLOYER = `
const http = require('node:http');
const fs = require('node:fs');
const settings = JSON.parse(process.argv[2]);
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/-/healthz') return res.end('success');
    const { items } = JSON.parse(body);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ results: items.map((item) => ({ predictions: [item.mlflow.inputs.length, items.length] })) }));
  });
});
server.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/sextant/' + settings.name;
  process.stdout.write(JSON.stringify({ ready: true, url, replicas: { RUNNING: settings.min_replicas },
    describe: { pid: process.pid, inputs: null, outputs: null, mlflow_version: '3.17.2' } }) + '\\n');
});
process.stdin.resume();
process.stdin.on('end', () => { fs.writeFileSync(settings.model_dir + '/deleted', settings.name); process.exit(0); });
`;

describe('rayServeRuntime', () => {
  it('waits for the deployer, sends frames of items to its route, and removes it on stop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-rayserve-'));
    const script = path.join(dir, 'deployer.js');
    fs.writeFileSync(script, DEPLOYER);
    const runtime = rayServeRuntime({
      python: process.execPath,
      script,
      address: 'auto',
      name: 'iris-champion',
      modelDir: dir,
      replicas: { min: 2, max: 2 },
      httpHost: '127.0.0.1',
      httpPort: 8000,
      maxConcurrency: 1,
      maxQueue: 10,
      maxBatchSize: 4,
      maxBatchDelayMs: 20,
      requestTimeoutMs: 5_000,
      startTimeoutMs: 10_000,
    });
    try {
      const ready = await runtime.ready;
      assert.equal(ready.mlflowVersion, '3.17.2');
      assert.deepEqual((await runtime.deployed).replicas, { RUNNING: 2 });
      const results = await Promise.all(
        [[[1]], [[1], [2]], [[1], [2], [3]]].map((inputs) =>
          runtime.submit(JSON.stringify({ mlflow: { inputs } })),
        ),
      );
      assert.deepEqual(
        results.map((r) => (r as { predictions: number[] }).predictions[0]),
        [1, 2, 3],
      );
      assert.ok(
        results.some((r) => (r as { predictions: number[] }).predictions[1]! > 1),
        'batched',
      );
    } finally {
      await runtime.stop();
    }
    assert.equal(fs.readFileSync(path.join(dir, 'deleted'), 'utf8'), 'iris-champion');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails with the deployer’s reason when it cannot deploy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-rayserve-'));
    const script = path.join(dir, 'deployer.js');
    fs.writeFileSync(
      script,
      `process.stdout.write(JSON.stringify({ fatal: 'cannot deploy on Ray Serve: no cluster' }) + '\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(1));`,
    );
    const runtime = rayServeRuntime({
      python: process.execPath,
      script,
      address: 'auto',
      name: 'x',
      modelDir: dir,
      replicas: { min: 1, max: 1 },
      httpHost: '127.0.0.1',
      httpPort: 8000,
      maxConcurrency: 1,
      maxQueue: 10,
      maxBatchSize: 1,
      maxBatchDelayMs: 0,
      requestTimeoutMs: 5_000,
      startTimeoutMs: 10_000,
    });
    await assert.rejects(runtime.ready, /no cluster/);
    await runtime.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
