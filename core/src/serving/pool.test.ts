import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { echoWorker } from './echoWorker.testing';
import { ServingError } from './errors';
import { ReplicaPool, type PoolEvent, type PoolOptions } from './pool';
import { WorkerProcess } from './worker';

const PYTHON = process.env.SEXTANT_PYTHON || 'python3';
const { dir, script } = echoWorker('sextant-pool-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function pool(options: Partial<PoolOptions>, events: PoolEvent[] = []): ReplicaPool {
  return new ReplicaPool({
    startWorker: () => new WorkerProcess({ python: PYTHON, modelDir: dir, script }),
    replicas: 1,
    maxConcurrency: 1,
    maxQueue: 100,
    maxBatchSize: 1,
    maxBatchDelayMs: 0,
    requestTimeoutMs: 10_000,
    startTimeoutMs: 10_000,
    maxRetries: 2,
    onEvent: (e) => events.push(e),
    ...options,
  });
}

type Echo = { predictions: { echo: Record<string, unknown>; frame: number; pid: number } };

describe('ReplicaPool', () => {
  it('answers each request with its own result, spread over the replicas', async () => {
    const p = pool({ replicas: 2 });
    await p.ready;
    while (p.replicaCounts.ready < 2) await new Promise((r) => setTimeout(r, 20));
    const answers = (await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.submit(JSON.stringify({ n: i, sleep: 0.01 }))),
    )) as Echo[];
    assert.deepEqual(
      answers.map((a) => a.predictions.echo.n),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(new Set(answers.map((a) => a.predictions.pid)).size, 2);
    await p.stop();
  });

  it('batches what waits, up to the batch size', async () => {
    const sizes: number[] = [];
    const p = pool({ maxBatchSize: 4, maxBatchDelayMs: 50, onBatch: (n) => sizes.push(n) });
    await p.ready;
    const answers = (await Promise.all(
      Array.from({ length: 10 }, (_, i) => p.submit(JSON.stringify({ n: i }))),
    )) as Echo[];
    assert.deepEqual(sizes, [4, 4, 2]);
    assert.deepEqual(
      answers.map((a) => a.predictions.frame),
      [4, 4, 4, 4, 4, 4, 4, 4, 2, 2],
    );
    await p.stop();
  });

  it('refuses with 429 and a Retry-After when the queue is full', async () => {
    const p = pool({ maxQueue: 2 });
    await p.ready;
    const first = p.submit(JSON.stringify({ sleep: 0.3 }));
    const waiting = [p.submit('{}'), p.submit('{}')];
    await assert.rejects(p.submit('{}'), (error: unknown) => {
      assert.ok(error instanceof ServingError);
      assert.equal(error.status, 429);
      assert.equal(error.retryAfter, 1);
      return true;
    });
    await Promise.all([first, ...waiting]);
    await p.stop();
  });

  it('retries the requests of a replica that died on another, and replaces it', async () => {
    const events: PoolEvent[] = [];
    const p = pool({ replicas: 2, maxConcurrency: 4 }, events);
    await p.ready;
    while (p.replicaCounts.ready < 2) await new Promise((r) => setTimeout(r, 20));
    const victim = p.pids[0]!;
    const load = Array.from({ length: 40 }, (_, i) =>
      p.submit(JSON.stringify({ n: i, sleep: 0.005 })),
    );
    setTimeout(() => process.kill(victim, 'SIGKILL'), 30);
    const answers = (await Promise.all(load)) as Echo[];
    assert.equal(answers.length, 40);
    assert.ok(events.some((e) => e.kind === 'died'));
    while (p.replicaCounts.ready < 2) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!p.pids.includes(victim));
    await p.stop();
  });

  it('fails a request that hangs with 504, replaces the worker, and keeps serving', async () => {
    const events: PoolEvent[] = [];
    const p = pool({ requestTimeoutMs: 300 }, events);
    await p.ready;
    await assert.rejects(p.submit(JSON.stringify({ sleep: 30 })), /did not answer in 300 ms/);
    const answer = (await p.submit(JSON.stringify({ n: 1 }))) as Echo;
    assert.equal(answer.predictions.echo.n, 1);
    assert.ok(events.some((e) => e.kind === 'timed_out'));
    await p.stop();
  });

  it('gives up with the reason when no worker can start', async () => {
    const p = new ReplicaPool({
      startWorker: () =>
        new WorkerProcess({ python: PYTHON, modelDir: dir, script: path.join(dir, 'missing.py') }),
      replicas: 1,
      maxConcurrency: 1,
      maxQueue: 10,
      maxBatchSize: 1,
      maxBatchDelayMs: 0,
      requestTimeoutMs: 1000,
      startTimeoutMs: 5000,
      maxRetries: 1,
    });
    const waiting = p.submit('{}');
    await assert.rejects(p.ready, /cannot be served: the serving worker ended with exit code 2/);
    await assert.rejects(waiting, (error: unknown) => (error as ServingError).status === 503);
    await assert.rejects(p.submit('{}'), /cannot be served/);
    await p.stop();
  });
});
