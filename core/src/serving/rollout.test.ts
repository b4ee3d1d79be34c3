import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { echoWorker } from './echoWorker.testing';
import { ReplicaPool, type PoolEvent } from './pool';
import { rollVariant, RuntimeSlot } from './rollout';
import type { LiveVariant } from './traffic';
import { WorkerProcess } from './worker';

const PYTHON = process.env.SEXTANT_PYTHON || 'python3';
const { dir, script } = echoWorker('sextant-rollout-');
const broken = path.join(dir, 'broken_worker.py');
fs.writeFileSync(
  broken,
  'import sys\nsys.stderr.write("ModuleNotFoundError: No module named \'missing_dependency\'\\n")\nsys.exit(1)\n',
);
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function pool(replicas: number, events: PoolEvent[] = [], workerScript = script): ReplicaPool {
  return new ReplicaPool({
    startWorker: () => new WorkerProcess({ python: PYTHON, modelDir: dir, script: workerScript }),
    replicas,
    maxConcurrency: 2,
    maxQueue: 10_000,
    maxBatchSize: 1,
    maxBatchDelayMs: 0,
    requestTimeoutMs: 10_000,
    startTimeoutMs: 10_000,
    maxRetries: 2,
    onEvent: (e) => events.push(e),
  });
}

type Echo = { predictions: { pid: number } };

/** Sends requests from `callers` concurrent callers until `stop()`; counts answers and failures. */
function load(submit: (text: string) => Promise<unknown>, callers: number) {
  let running = true;
  const pids: number[] = [];
  const failures: string[] = [];
  const loops = Array.from({ length: callers }, async () => {
    while (running) {
      try {
        const answer = (await submit(JSON.stringify({ sleep: 0.005 }))) as Echo;
        pids.push(answer.predictions.pid);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    pids,
    failures,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const until = async (check: () => boolean, ms = 15_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('ReplicaPool scaling', () => {
  it('scales up (new replicas take requests once ready) and down (drained first) under load', async () => {
    const events: PoolEvent[] = [];
    const p = pool(1, events);
    await p.ready;
    const traffic = load((t) => p.submit(t), 8);
    await p.scaleTo(3);
    assert.deepEqual(p.replicaCounts, { ready: 3, starting: 0 });
    assert.equal(p.targetReplicas, 3);
    const seen = traffic.pids.length;
    await until(() => new Set(traffic.pids.slice(seen)).size === 3);
    await p.scaleTo(1);
    assert.deepEqual(p.replicaCounts, { ready: 1, starting: 0 });
    assert.equal(p.pids.length, 1, 'the drained workers have ended');
    const after = traffic.pids.length;
    await until(() => traffic.pids.length > after + 20);
    await traffic.stop();
    assert.deepEqual(traffic.failures, [], 'no request failed while scaling');
    assert.equal(new Set(traffic.pids.slice(after + 1)).size, 1);
    assert.equal(events.filter((e) => e.kind === 'draining').length, 2);
    assert.equal(events.filter((e) => e.kind === 'stopped').length, 2);
    assert.equal(
      events.filter((e) => e.kind === 'died').length,
      0,
      'a drained replica is no crash',
    );
    assert.ok(p.meter.take() > 0, 'the meter saw the requests in flight');
    await p.stop();
  });

  it('refuses a count below one', async () => {
    const p = pool(1);
    await assert.rejects(p.scaleTo(0), /whole number >= 1/);
    await p.stop();
  });
});

describe('rollVariant', () => {
  const variant = (slot: RuntimeSlot): LiveVariant => ({
    name: 'champion',
    model: 'iris',
    version: '1',
    runtime: slot,
    weight: 100,
    shadow: false,
  });

  it('rolls to a new version under load with no failed request', async () => {
    const old = pool(2);
    await old.ready;
    const slot = new RuntimeSlot(old);
    const v = variant(slot);
    const oldPids = new Set(old.pids);
    const traffic = load((t) => slot.submit(t), 8);
    await until(() => traffic.pids.length > 50);
    let fresh: ReplicaPool | undefined;
    const result = await rollVariant(
      v,
      slot,
      {
        model: 'iris',
        version: '2',
        start: async (replicas) => (fresh = pool(replicas)),
      },
      10_000,
    );
    assert.equal(result.ok, true);
    assert.equal(v.version, '2');
    assert.equal(slot.current, fresh);
    assert.equal(fresh!.replicaCounts.ready, 2, 'as many replicas as the old version ran');
    assert.equal(old.pids.length, 0, 'the old replicas were drained and stopped');
    const at = traffic.pids.length;
    await until(() => traffic.pids.length > at + 50);
    await traffic.stop();
    assert.deepEqual(traffic.failures, []);
    assert.ok(
      traffic.pids.slice(at).every((pid) => !oldPids.has(pid)),
      'only the new version answers',
    );
    await slot.stop();
  });

  it('keeps the old version serving when the new one cannot load, with the reason', async () => {
    const old = pool(1);
    await old.ready;
    const slot = new RuntimeSlot(old);
    const v = variant(slot);
    const traffic = load((t) => slot.submit(t), 4);
    const result = await rollVariant(
      v,
      slot,
      { model: 'iris', version: '3', start: async (n) => pool(n, [], broken) },
      10_000,
    );
    const at = traffic.pids.length;
    await until(() => traffic.pids.length > at + 20);
    await traffic.stop();
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /No module named 'missing_dependency'/);
    assert.equal(slot.current, old);
    assert.equal(v.version, '1');
    assert.deepEqual(traffic.failures, []);
    await slot.stop();
  });
});
