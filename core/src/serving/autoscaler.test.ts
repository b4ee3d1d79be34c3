import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Autoscaler,
  autoscalingConfig,
  ConcurrencyMeter,
  decideReplicas,
  initialScalerState,
  type AutoscalingConfig,
  type ConcurrencySample,
  type ScaleDecision,
  type ScaleEvidence,
} from './autoscaler';

const KNATIVE = autoscalingConfig({ targetConcurrency: 2 });

/**
 * Runs the decider once a second over `seconds` of load (`load(t)`: concurrency at second t),
 * the ready replicas following each decision at once; returns each second's decision.
 */
function simulate(
  load: (t: number) => number,
  seconds: number,
  config: AutoscalingConfig = KNATIVE,
  bounds = { min: 1, max: 10 },
): ScaleDecision[] {
  const samples: ConcurrencySample[] = [];
  let state = initialScalerState();
  let ready = bounds.min;
  const decisions: ScaleDecision[] = [];
  for (let t = 1; t <= seconds; t++) {
    const now = t * 1000;
    samples.push({ time: now, concurrency: load(t) });
    const d = decideReplicas({ samples, now, readyReplicas: ready, ...bounds, config, state });
    state = d.state;
    ready = d.desired;
    decisions.push(d);
  }
  return decisions;
}

describe('decideReplicas (Knative-like decisions over a sample series)', () => {
  it("uses Knative's defaults: 60 s stable, 6 s panic (10 %), panic at 200 %, no delay", () => {
    assert.deepEqual(autoscalingConfig(), {
      targetConcurrency: 2,
      stableWindowMs: 60_000,
      panicWindowMs: 6_000,
      panicThreshold: 2,
      scaleDownDelayMs: 0,
    });
    assert.equal(autoscalingConfig({ stableWindowMs: 10_000 }).panicWindowMs, 1_000);
  });

  it('wants ceil(average concurrency / target) under a steady load', () => {
    const steady = simulate(() => 9, 120);
    assert.equal(steady.at(-1)!.desired, 5);
    assert.equal(steady.at(-1)!.mode, 'stable');
    assert.equal(steady.at(-1)!.stableConcurrency, 9);
    assert.equal(simulate(() => 8, 120).at(-1)!.desired, 4, 'an exact multiple is not rounded up');
  });

  it("panics on a burst: reaches the burst's count within the panic window", () => {
    const burst = simulate((t) => (t <= 54 ? 0 : 16), 62);
    const at = (t: number): ScaleDecision => burst[t - 1]!;
    assert.equal(at(55).mode, 'stable', 'one second of 16 in a 6 s window is 2.7: under 200 %');
    assert.deepEqual([at(56).mode, at(56).desired], ['panic', 3]);
    assert.deepEqual([at(60).desired, at(60).panicDesired, at(60).stableDesired], [8, 8, 1]);
    assert.equal(at(56).state.panicSince, 56_000);
  });

  it('never scales down while panicking, and leaves panic a stable window after the burst', () => {
    const decisions = simulate((t) => (t >= 10 && t < 14 ? 16 : t < 40 ? 2 : 0), 140);
    const at = (t: number): ScaleDecision => decisions[t - 1]!;
    assert.deepEqual([at(9).mode, at(9).desired], ['stable', 1]);
    assert.deepEqual(
      decisions.slice(9, 13).map((d) => d.desired),
      [3, 4, 5, 6],
    );
    const panic = decisions.slice(12, 69);
    assert.ok(
      panic.every((d) => d.mode === 'panic' && d.desired === 6),
      'held at 6 while panicking, though the load fell to 2, then 0',
    );
    // The panic condition last held at second 10 (later, 6 replicas were ready for the burst).
    assert.deepEqual([at(70).mode, at(70).desired], ['stable', 1]);
    assert.equal(decisions.at(-1)!.desired, 1, 'no load: down to min');
  });

  it('scales down only once the lower count has been wanted for the delay', () => {
    const config = autoscalingConfig({
      targetConcurrency: 1,
      stableWindowMs: 6_000,
      panicThreshold: 100,
      scaleDownDelayMs: 10_000,
    });
    const decisions = simulate((t) => (t <= 20 ? 4 : 0), 40, config);
    assert.equal(decisions[19]!.desired, 4);
    const firstLower = decisions.findIndex((d) => d.desired < 4) + 1;
    // 4 was last wanted at second 21 (the 6 s window still held five seconds of 4), so the
    // lower count applies ten seconds later; with no delay, at once.
    assert.equal(firstLower, 31);
    assert.equal(decisions.at(-1)!.desired, 1);
    const noDelay = simulate((t) => (t <= 20 ? 4 : 0), 40, { ...config, scaleDownDelayMs: 0 });
    assert.equal(noDelay.findIndex((d) => d.desired < 4) + 1, 22);
  });

  it('keeps the count within min and max', () => {
    assert.equal(simulate(() => 1000, 10, KNATIVE, { min: 1, max: 3 }).at(-1)!.desired, 3);
    assert.equal(simulate(() => 0, 10, KNATIVE, { min: 2, max: 3 }).at(-1)!.desired, 2);
  });

  it('is deterministic: the same series gives the same decisions', () => {
    const load = (t: number): number => (t * 7919) % 23;
    assert.deepEqual(simulate(load, 150), simulate(load, 150));
  });
});

describe('ConcurrencyMeter', () => {
  it('averages the requests in flight over time', () => {
    let now = 0;
    const meter = new ConcurrencyMeter(() => now);
    meter.change(1);
    now = 500;
    meter.change(1);
    now = 1000;
    assert.equal(meter.take(), 1.5);
    meter.change(-2);
    now = 2000;
    assert.equal(meter.take(), 0);
    assert.equal(meter.value, 0);
  });
});

describe('Autoscaler', () => {
  it('applies a decision once, with its evidence, and not while set by hand', async () => {
    let now = 0;
    const meter = new ConcurrencyMeter(() => now);
    const target = {
      meter,
      replicaCounts: { ready: 1, starting: 0 },
      targetReplicas: 1,
      async scaleTo(n: number) {
        this.targetReplicas = n;
        this.replicaCounts = { ready: n, starting: 0 };
      },
    };
    const events: ScaleEvidence[] = [];
    const scaler = new Autoscaler({
      target,
      min: 1,
      max: 5,
      config: autoscalingConfig({ targetConcurrency: 1, stableWindowMs: 10_000 }),
      onScale: (e) => events.push(e),
      clock: () => now,
    });
    for (let i = 0; i < 4; i++) meter.change(1);
    now = 1000;
    scaler.tick();
    await scaler.settled();
    assert.equal(target.targetReplicas, 4);
    assert.deepEqual(
      events.map((e) => [e.from, e.to, e.mode, e.panicConcurrency]),
      [[1, 4, 'panic', 4]],
    );
    assert.equal(events[0]!.stableWindowMs, 10_000);
    assert.equal(events[0]!.panicWindowMs, 1_000);
    scaler.pause(true);
    meter.change(3);
    now = 2000;
    scaler.tick();
    assert.equal(target.targetReplicas, 4, 'paused: the count set by hand stays');
    assert.equal(events.length, 1);
  });
});
