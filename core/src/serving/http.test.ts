import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../store';
import { echoWorker } from './echoWorker.testing';
import { InferenceLog } from './inferenceLog';
import { serveModel, type RunningServer } from './server';

const PYTHON = process.env.SEXTANT_PYTHON || 'python3';
const { dir, script } = echoWorker('sextant-endpoint-');
const db = openDatabase(path.join(dir, 'store'), { create: true });
const log = new InferenceLog(db, { flushMs: 10 });
let server: RunningServer;

before(async () => {
  server = await serveModel({
    modelDir: dir,
    name: 'echo',
    version: '4',
    python: PYTHON,
    script,
    maxConcurrency: 1,
    maxQueue: 1,
    maxBodyBytes: 1024 * 1024,
    log,
  });
  await server.ready;
});

after(async () => {
  await server.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A JSON answer's body, read as the fields these tests look at. */
interface Answer {
  name?: string;
  error?: string;
  message?: string;
  predictions?: { echo: unknown };
}
const json = async (response: Response | Promise<Response>): Promise<Answer> =>
  (await (await response).json()) as Answer;

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('the serving endpoint', () => {
  it('answers health, metadata and unknown models in the protocol shapes', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/v2/health/live`)).json(), { live: true });
    assert.deepEqual(await (await fetch(`${server.url}/v2/health/ready`)).json(), { ready: true });
    assert.equal((await json(fetch(`${server.url}/v2`))).name, 'sextant');
    const metadata = await (await fetch(`${server.url}/v2/models/echo/versions/4`)).json();
    assert.deepEqual(metadata, {
      name: 'echo',
      versions: ['4'],
      platform: 'mlflow_pyfunc',
      inputs: [],
      outputs: [],
    });
    const missing = await fetch(`${server.url}/v2/models/other/ready`);
    assert.equal(missing.status, 404);
    assert.match((await json(missing)).error ?? '', /no model named 'other'/);
    assert.equal((await fetch(`${server.url}/v2/models/echo/versions/5`)).status, 404);
    assert.equal((await post('/ping', '')).status, 405);
    assert.equal((await fetch(`${server.url}/v2/models/echo/infer`)).status, 405);
    assert.equal((await fetch(`${server.url}/invocations`)).status, 405);
    assert.equal((await fetch(`${server.url}/nowhere`)).status, 404);
    assert.equal(await fetch(`${server.url}/version`).then((r) => r.text()), 'test');
  });

  it('echoes a valid X-Request-Id, makes one otherwise, and logs the request', async () => {
    const given = await post('/invocations', '{"inputs": [1, 2]}', { 'x-request-id': 'abc-1' });
    assert.equal(given.status, 200);
    assert.equal(given.headers.get('x-request-id'), 'abc-1');
    const body = await json(given);
    assert.deepEqual(body.predictions?.echo, { mlflow: { inputs: [1, 2] } });
    const made = await post('/invocations', '{"inputs": [3]}', {
      'x-request-id': 'no spaces allowed',
    });
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const rows = log.recent('echo', 10);
    const row = rows.find((r) => r.requestId === 'abc-1');
    assert.ok(row, 'the request is in the log');
    assert.equal(row.version, '4');
    assert.equal(row.protocol, 'mlflow');
    assert.equal(row.inputs, '{"inputs": [1, 2]}');
    assert.match(row.outputs ?? '', /"predictions"/);
  });

  it('sheds load with 429 and Retry-After when the queue is full, and keeps serving', async () => {
    const slow = post('/invocations', '{"inputs": [1], "sleep": 0.6}');
    await new Promise((r) => setTimeout(r, 100));
    const queued = post('/invocations', '{"inputs": [2]}');
    await new Promise((r) => setTimeout(r, 50));
    const shed = await post('/invocations', '{"inputs": [3]}');
    assert.equal(shed.status, 429);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.match((await json(shed)).message ?? '', /at capacity/);
    assert.equal((await slow).status, 200);
    assert.equal((await queued).status, 200);
    assert.equal((await post('/invocations', '{"inputs": [4]}')).status, 200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sextant_serving_requests_total\{[^}]*status="429"\} 1/);
    assert.match(metrics, /sextant_serving_queue_depth\{model="echo",version="4"\} 0/);
    assert.match(metrics, /sextant_serving_replicas\{[^}]*state="ready"\} 1/);
  });

  it('refuses a body over the limit with 400 and answers the next request', async () => {
    const big = await post('/invocations', `{"inputs": "${'x'.repeat(2 * 1024 * 1024)}"}`);
    assert.equal(big.status, 400);
    assert.match((await json(big)).message ?? '', /larger than the limit of 1 MB/);
    assert.equal((await post('/invocations', '{"inputs": [5]}')).status, 200);
  });
});
