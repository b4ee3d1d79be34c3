import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, ok } from '../support/http';
import { startServerProcess, tempStore, type ServerProcess } from '../support/server';

const MLFLOW = '/api/2.0/mlflow';
const DB_FILE = 'sextant.db';
const POINTS_PER_BATCH = 100;
const T0 = 1_700_000_000_000;
const KEY = 'loss';

interface Point {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** Point `i` of batch `batch`: step, timestamp and value all say where it came from. */
const pointOf = (batch: number, i: number): Point => ({
  key: KEY,
  value: batch * 1000 + i + 0.25,
  timestamp: T0 + batch * POINTS_PER_BATCH + i,
  step: batch * POINTS_PER_BATCH + i,
});

const batchBody = (runId: string, batch: number): string =>
  JSON.stringify({
    run_id: runId,
    metrics: Array.from({ length: POINTS_PER_BATCH }, (_, i) => pointOf(batch, i)),
  });

/**
 * When the server dies: `partial-body` once the headers and half the body of the next batch are
 * on the wire; `body-sent` once the whole request is; `response-started` once the status line
 * of its answer has arrived (a 200 there counts as acknowledged), before the body is read.
 */
type KillPoint = 'partial-body' | 'body-sent' | 'response-started';

interface Moment {
  /** Batches acknowledged in this server's life before the kill. */
  acknowledged: number;
  kill: KillPoint;
}

const MOMENTS: Moment[] = [
  { acknowledged: 4, kill: 'partial-body' },
  { acknowledged: 15, kill: 'body-sent' },
  { acknowledged: 30, kill: 'response-started' },
];

/** Sends one batch with node:http and kills the server at `kill`; resolves whether it was acknowledged. */
function sendAndKill(
  server: ServerProcess,
  runId: string,
  batch: number,
  kill: KillPoint,
): Promise<boolean> {
  const body = Buffer.from(batchBody(runId, batch));
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    let acknowledged = false;
    const killed = (): void => {
      server.stop('SIGKILL').then(() => resolve(acknowledged), reject);
    };
    const req = http.request({
      host: hostname,
      port,
      method: 'POST',
      path: `${MLFLOW}/runs/log-batch`,
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    // The connection dies with the server; what matters is whether a 200 had arrived.
    req.on('error', () => undefined);
    req.on('response', (res) => {
      res.on('error', () => undefined);
      acknowledged = res.statusCode === 200;
      if (kill === 'response-started') killed();
    });
    if (kill === 'partial-body') {
      req.write(body.subarray(0, body.length >> 1), () => killed());
    } else {
      req.end(body, () => {
        if (kill === 'body-sent') killed();
      });
    }
  });
}

/** `PRAGMA integrity_check` of a database file, opened (and its WAL replayed) by better-sqlite3. */
function integrityOf(file: string): string {
  const db = new Database(file);
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** The integrity of the store as the crash left it, checked on a copy so the server recovers the original. */
function integrityOfCrashImage(store: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-crash-image-'));
  try {
    for (const suffix of ['', '-wal']) {
      const source = path.join(store, `${DB_FILE}${suffix}`);
      if (fs.existsSync(source)) fs.copyFileSync(source, path.join(copy, `${DB_FILE}${suffix}`));
    }
    return integrityOf(path.join(copy, DB_FILE));
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

describe('kill -9 while a client logs metric batches', () => {
  const store = tempStore('sextant-crash-');
  const started: ServerProcess[] = [];
  let server: ServerProcess | undefined;
  let runId = '';
  let nextBatch = 0;
  const acknowledged = new Set<number>();
  /** Batches in flight at a kill and not acknowledged: each must be wholly there or wholly absent. */
  const unsure = new Set<number>();

  const start = async (): Promise<ServerProcess> => {
    const next = await startServerProcess(store);
    started.push(next);
    return next;
  };

  after(async () => {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    fs.rmSync(store, { recursive: true, force: true });
  });

  async function logBatch(batch: number): Promise<void> {
    const response = await fetch(`${server!.url}${MLFLOW}/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batchBody(runId, batch),
    });
    assert.equal(response.status, 200, await response.text());
    acknowledged.add(batch);
  }

  /** Checks the restarted server holds every acknowledged point exactly, and nothing half-written. */
  async function checkHistory(): Promise<void> {
    const history = await api(
      server!.url,
      `${MLFLOW}/metrics/get-history?run_id=${runId}&metric_key=${KEY}&max_results=100000`,
    );
    assert.equal(history.status, 200, history.text);
    const points = (history.body.metrics ?? []) as Point[];
    const byStep = new Map<number, Point>();
    for (const point of points) {
      assert.ok(!byStep.has(point.step), `step ${point.step} is there twice`);
      byStep.set(point.step, point);
    }
    const perBatch = new Map<number, number>();
    for (const step of byStep.keys()) {
      const batch = Math.floor(step / POINTS_PER_BATCH);
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
    }
    for (const batch of acknowledged) {
      for (let i = 0; i < POINTS_PER_BATCH; i++) {
        const expected = pointOf(batch, i);
        assert.deepEqual(
          byStep.get(expected.step),
          expected,
          `acknowledged batch ${batch} lost point ${i}`,
        );
      }
    }
    for (const [batch, count] of perBatch) {
      if (acknowledged.has(batch)) continue;
      assert.ok(unsure.has(batch), `batch ${batch} was never sent but has ${count} points`);
      assert.equal(count, POINTS_PER_BATCH, `batch ${batch}, in flight at a kill, is half written`);
      for (let i = 0; i < POINTS_PER_BATCH; i++) {
        assert.deepEqual(byStep.get(pointOf(batch, i).step), pointOf(batch, i));
      }
    }
    assert.ok(points.length >= acknowledged.size * POINTS_PER_BATCH);
    const run = await api(server!.url, `${MLFLOW}/runs/get?run_id=${runId}`);
    const latest = ((run.body.run as { data: { metrics?: Point[] } }).data.metrics ?? []).find(
      (m) => m.key === KEY,
    );
    const newest = Math.max(...byStep.keys());
    assert.deepEqual(latest, byStep.get(newest), 'the latest value disagrees with the history');
  }

  for (const [cycle, moment] of MOMENTS.entries()) {
    test(`cycle ${cycle + 1}: kill -9 after ${moment.acknowledged} acknowledged batches (${moment.kill})`, async () => {
      await server?.stop('SIGKILL');
      server = await start();
      if (cycle === 0) {
        const experimentId = (
          await ok(server.url, `${MLFLOW}/experiments/create`, { name: 'crash' })
        ).experiment_id as string;
        const created = await ok(server.url, `${MLFLOW}/runs/create`, {
          experiment_id: experimentId,
        });
        runId = (created.run as { info: { run_id: string } }).info.run_id;
      } else {
        await checkHistory();
      }
      for (let i = 0; i < moment.acknowledged; i++) await logBatch(nextBatch++);
      const batch = nextBatch++;
      const acked = await sendAndKill(server, runId, batch, moment.kill);
      assert.equal(server.child.signalCode, 'SIGKILL', 'the server exited before it was killed');
      (acked ? acknowledged : unsure).add(batch);
      assert.equal(integrityOfCrashImage(store), 'ok');
    });
  }

  test('after the last kill the store opens cleanly and new logging works', async () => {
    await server?.stop('SIGKILL');
    server = await start();
    await checkHistory();
    await logBatch(nextBatch++);
    await checkHistory();
    await ok(server.url, `${MLFLOW}/runs/update`, {
      run_id: runId,
      status: 'FINISHED',
      end_time: Date.now(),
    });
    await server.stop('SIGTERM');
    assert.equal(server.child.exitCode, 0, server.output());
    assert.equal(integrityOf(path.join(store, DB_FILE)), 'ok');
  });
});
