import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Engine } from '../engine';
import { parseDeployments, type DeploymentState, type ExperimentSpec } from '../serving';
import { seededRng } from '../stats';
import { allocate } from './bandit';
import { actOnExperiment, decideExperiment } from './decide';
import type { ExperimentHost } from './host';
import { experimentReport } from './report';
import { restartExperiment, startExperiment } from './runner';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-online-experiments-'));
const engines: Engine[] = [];
after(async () => {
  for (const e of engines) await e.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function experiment(
  block: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ExperimentSpec {
  return parseDeployments({
    api: {
      model: 'models:/m@champion',
      routes: {
        variants: [
          { name: 'champion', weight: 50 },
          { name: 'challenger', model: 'models:/m/2', weight: 50 },
        ],
      },
      experiment: block,
      ...extra,
    },
  })[0]!.experiment!;
}

/** A store with a deployment of two variants, and a host whose live weights are a plain object. */
function setUp(name: string): {
  engine: Engine;
  host: ExperimentHost;
  live: Record<string, number>;
} {
  const engine = Engine.open({ storeDir: fs.mkdtempSync(path.join(dir, `${name}-`)) });
  engines.push(engine);
  const state: DeploymentState = {
    status: 'running',
    champion: 'champion',
    variants: [
      {
        name: 'champion',
        model: 'm',
        version: '1',
        uri: 'models:/m@champion',
        weight: 50,
        shadow: false,
        replicas: 1,
      },
      {
        name: 'challenger',
        model: 'm',
        version: '2',
        uri: 'models:/m/2',
        weight: 50,
        shadow: false,
        replicas: 1,
      },
    ],
  };
  engine.deployments.record('api', 'deploy', { user: 'test' }, state, {}, 1);
  const live = { champion: 50, challenger: 50 };
  return {
    engine,
    live,
    host: {
      feedback: engine.feedback,
      events: engine.experimentEvents,
      registry: engine.registry,
      deployments: engine.deployments,
      applyWeights: async (weights) => Object.assign(live, weights),
    },
  };
}

let served = 0;
/** Serves one request of a variant (logged) and returns its id. */
function serve(
  engine: Engine,
  variant: string,
  time: number,
  status = 200,
  ms = 5,
  unit?: string,
): string {
  const requestId = `q${served++}`;
  engine.inferenceLog.add({
    requestId,
    time,
    model: 'm',
    version: variant === 'champion' ? '1' : '2',
    protocol: 'oip',
    status,
    latencyMs: ms,
    deployment: 'api',
    variant,
    ...(unit !== undefined ? { unit } : {}),
  });
  return requestId;
}

describe('online experiments', () => {
  it('reports counts, rates with intervals, both tests, the plan, and an always-valid p-value that only falls', () => {
    const { engine } = setUp('report');
    const spec = experiment({
      type: 'ab',
      metric: { feedback: 'reward' },
      plan: { minimum_effect: 0.05 },
      min_samples: 50,
    });
    const items = [];
    for (let i = 0; i < 1000; i++) {
      const variant = i % 2 ? 'challenger' : 'champion';
      const id = serve(engine, variant, 10_000 + i);
      const rate = variant === 'champion' ? 0.1 : 0.2;
      items.push({
        requestId: id,
        kind: 'reward' as const,
        value: (i * 7919) % 1000 < rate * 1000 ? 1 : 0,
      });
    }
    engine.inferenceLog.flush();
    engine.feedback.record(items, { deployment: 'api', source: 'http' });
    const report = experimentReport({
      feedback: engine.feedback,
      events: engine.experimentEvents,
      spec,
      state: engine.deployments.get('api').state,
      window: { deployment: 'api' },
    });
    const [c, t] = report.variants;
    assert.equal(c!.name, 'champion');
    assert.equal(c!.requests, 500);
    assert.equal(c!.n, 500);
    assert.equal(c!.successes, items.filter((x, i) => i % 2 === 0 && x.value === 1).length);
    assert.ok(c!.ci![0] < c!.mean && c!.mean < c!.ci![1]);
    const comparison = report.comparisons[0]!;
    assert.equal(comparison.test.test, 'two-proportion-z');
    assert.ok(Math.abs(comparison.test.effect - (t!.mean - c!.mean)) < 1e-12);
    assert.ok(comparison.test.pValue < 0.001, `p ${comparison.test.pValue}`);
    assert.ok(report.plan && report.plan.controlN > 100);
    const ps = report.sequentialOverTime.map((p) => p.pValue);
    assert.equal(ps.length, 20);
    for (let i = 1; i < ps.length; i++) assert.ok(ps[i]! <= ps[i - 1]!);
    assert.equal(ps.at(-1), comparison.sequential.pValue);
    assert.equal(report.decision.action, 'promote');
  });

  it('counts each unit once when traffic is sticky by a unit header: conversion per unit, mean per unit', () => {
    const { engine } = setUp('units');
    const items = [];
    // 40 units per variant, 5 requests each; a converting unit converts on its last request only,
    // and a unit's graded values differ per request.
    for (let u = 0; u < 80; u++) {
      const variant = u % 2 ? 'challenger' : 'champion';
      const converts = variant === 'champion' ? u % 8 === 0 : u % 4 === 1;
      for (let r = 0; r < 5; r++) {
        const id = serve(engine, variant, 20_000 + u * 5 + r, 200, 5, `user-${u}`);
        if (r < 3) items.push({ requestId: id, kind: 'value' as const, value: u + r });
        if (r === 4)
          items.push({ requestId: id, kind: 'reward' as const, value: converts ? 1 : 0 });
      }
    }
    engine.inferenceLog.flush();
    // A reward and a value cannot both judge a request, so the graded values go to other requests.
    engine.feedback.record(items, { deployment: 'api', source: 'http' });
    const state = engine.deployments.get('api').state;
    const report = (spec: ExperimentSpec) =>
      experimentReport({
        feedback: engine.feedback,
        events: engine.experimentEvents,
        spec,
        state,
        window: { deployment: 'api' },
      });
    const sticky = {
      routes: {
        sticky_header: 'x-user-id',
        variants: [
          { name: 'champion', weight: 50 },
          { name: 'challenger', model: 'models:/m/2', weight: 50 },
        ],
      },
    };
    const rate = experiment({ type: 'ab', metric: { feedback: 'reward' } }, sticky);
    assert.equal(rate.unit, 'x-user-id', 'a sticky header makes the experiment per unit');
    const [c, t] = report(rate).variants;
    assert.equal(c!.n, 40);
    assert.equal(c!.successes, 10);
    assert.equal(t!.n, 40);
    assert.equal(t!.successes, 20);
    const perRequest = report(experiment({ type: 'ab', metric: { feedback: 'reward' } }));
    assert.equal(perRequest.variants[0]!.n, 40, 'one judged request per unit either way');
    // Missing outcomes as zero: per request every answered request counts, per unit each unit once.
    const zero = { type: 'ab', metric: { feedback: 'reward', missing: 'zero' } };
    assert.equal(report(experiment(zero, sticky)).variants[0]!.n, 40);
    assert.equal(report(experiment(zero)).variants[0]!.n, 200);
    // A mean: each unit's mean of its three values (u + 1), so the champion's mean is that of
    // u + 1 over its units, not of every request.
    const mean = experiment({ type: 'ab', metric: { feedback: 'value', kind: 'mean' } }, sticky);
    const m = report(mean).variants[0]!;
    const championUnits = Array.from({ length: 40 }, (_, i) => 2 * i);
    assert.equal(m.n, 40);
    assert.ok(Math.abs(m.mean - championUnits.reduce((a, u) => a + u + 1, 0) / 40) < 1e-12);
    assert.equal(
      report(experiment({ type: 'ab', metric: { feedback: 'value', kind: 'mean' } })).variants[0]!
        .n,
      120,
    );
  });

  it('refuses an experiment that cannot judge every request, and graded rewards read as a rate', () => {
    assert.throws(
      () =>
        experiment(
          { type: 'ab', metric: { feedback: 'reward' } },
          { request_logging: { sample_rate: 0.5 } },
        ),
      /sample_rate to 1/,
    );
    assert.throws(
      () => experiment({ type: 'ab', metric: { feedback: 'label' } }),
      /positive_label/,
    );
    assert.throws(
      () => experiment({ type: 'ab', metric: { feedback: 'reward' }, bandit: { policy: 'ucb1' } }),
      /type: bandit/,
    );
    const { engine } = setUp('graded');
    const id = serve(engine, 'champion', 5);
    engine.inferenceLog.flush();
    const waiting = experimentReport({
      feedback: engine.feedback,
      events: engine.experimentEvents,
      spec: experiment({ type: 'ab', metric: { feedback: 'reward' } }),
      state: engine.deployments.get('api').state,
      window: { deployment: 'api' },
    });
    assert.deepEqual(waiting.decision, {
      action: 'wait',
      reason:
        "waiting for feedback: 'champion', 'challenger' need at least 1 judged request(s) each",
    });
    assert.deepEqual(waiting.comparisons, []);
    engine.feedback.record([{ requestId: id, kind: 'reward', value: 0.5 }], {
      deployment: 'api',
      source: 'http',
    });
    assert.throws(
      () =>
        experimentReport({
          feedback: engine.feedback,
          events: engine.experimentEvents,
          spec: experiment({ type: 'ab', metric: { feedback: 'reward' } }),
          state: engine.deployments.get('api').state,
          window: { deployment: 'api' },
        }),
      /metric.kind: mean/,
    );
  });

  it('a seeded Thompson bandit moves the traffic to the better arm and records every allocation', async () => {
    const { engine, host, live } = setUp('bandit');
    const spec = experiment({
      type: 'bandit',
      metric: { feedback: 'reward' },
      bandit: { policy: 'thompson', seed: 11, min_weight: 1 },
    });
    const rng = seededRng(5);
    const truth: Record<string, number> = { champion: 0.05, challenger: 0.15 };
    let time = 1_000;
    for (let round = 0; round < 15; round++) {
      const items = [];
      for (let i = 0; i < 100; i++) {
        const total = live.champion! + live.challenger!;
        const variant = rng.uniform() * total < live.champion! ? 'champion' : 'challenger';
        const id = serve(engine, variant, time++);
        items.push({
          requestId: id,
          kind: 'reward' as const,
          value: rng.uniform() < truth[variant]! ? 1 : 0,
        });
      }
      engine.inferenceLog.flush();
      engine.feedback.record(items, { deployment: 'api', source: 'http' });
      await allocate(host, 'api', spec, seededRng(100 + round), time);
    }
    assert.ok(live.challenger! > 85, `challenger weight ${live.challenger}`);
    assert.ok(live.champion! >= 1, 'the floor keeps the other arm measured');
    const allocations = engine.experimentEvents.list('api', ['allocation']);
    assert.equal(allocations.length, 15);
    const weights = allocations.map(
      (a) => (a.details as { weights: Record<string, number> }).weights.challenger!,
    );
    assert.ok(weights.at(-1)! > weights[0]!);
    const traffic = engine.deployments.events('api').filter((e) => e.kind === 'traffic');
    assert.equal(traffic.length, 15);
    assert.equal(
      traffic.at(-1)!.state.variants.find((v) => v.name === 'challenger')!.weight,
      live.challenger,
    );
  });

  it('rolls back when the only treatment harms the error-rate guardrail; every look an event with its evidence', async () => {
    const { engine, host, live } = setUp('guardrail');
    const spec = experiment({
      type: 'ab',
      metric: { feedback: 'reward' },
      guardrails: { max_error_rate_increase: 0.01 },
    });
    const items = [];
    for (let i = 0; i < 400; i++) {
      const variant = i % 2 ? 'challenger' : 'champion';
      const failed = variant === 'challenger' && i % 6 === 1;
      const id = serve(engine, variant, 2_000 + i, failed ? 503 : 200);
      if (!failed)
        items.push({ requestId: id, kind: 'reward' as const, value: i % 3 === 0 ? 1 : 0 });
    }
    engine.inferenceLog.flush();
    engine.feedback.record(items, { deployment: 'api', source: 'http' });
    const dry = await decideExperiment(host, 'api', spec, { apply: false });
    assert.equal(dry.decision.action, 'rollback');
    assert.equal(dry.applied, false);
    assert.deepEqual(live, { champion: 50, challenger: 50 });
    const done = await decideExperiment(host, 'api', spec, { apply: true });
    assert.equal(done.applied, true);
    assert.deepEqual(live, { champion: 100, challenger: 0 });
    const event = engine.deployments.lastOf('api', ['traffic'])!;
    const evidence = (
      event.details.experiment as {
        evidence: { treatments: { guardrails: { metric: string; harmed: boolean }[] }[] };
      }
    ).evidence;
    assert.deepEqual(
      evidence.treatments[0]!.guardrails.map((g) => [g.metric, g.harmed]),
      [['error_rate', true]],
    );
    const decisions = engine.experimentEvents.list('api', ['decision']);
    assert.deepEqual(
      decisions.map((d) => [d.details.action, d.details.applied]),
      [
        ['rollback', false],
        ['rollback', true],
      ],
    );
    const after = await decideExperiment(host, 'api', spec, { apply: true });
    assert.equal(after.decision.action, 'concluded');
  });

  it("applies a person's Stop with the statistics of that moment, and refuses stopping the control", async () => {
    const { engine, host, live } = setUp('manual');
    const spec = experiment({ type: 'ab', metric: { feedback: 'reward' } });
    const items = [];
    for (let i = 0; i < 40; i++) {
      const id = serve(engine, i % 2 ? 'challenger' : 'champion', 3_000 + i);
      items.push({ requestId: id, kind: 'reward' as const, value: i % 4 === 0 ? 1 : 0 });
    }
    engine.inferenceLog.flush();
    engine.feedback.record(items, { deployment: 'api', source: 'http' });
    await assert.rejects(
      actOnExperiment(host, 'api', spec, {
        action: 'stop',
        variant: 'champion',
        actor: { user: 'ada' },
      }),
      /is the control: roll back instead/,
    );
    const done = await actOnExperiment(host, 'api', spec, {
      action: 'stop',
      variant: 'challenger',
      actor: { user: 'ada' },
    });
    assert.equal(done.applied, true);
    assert.deepEqual(live, { champion: 50, challenger: 0 });
    const decision = engine.experimentEvents.last('api', ['decision'])!;
    assert.equal(decision.details.manual, true);
    assert.equal(decision.details.by, 'ada');
    assert.equal((decision.details.variants as { n: number }[])[0]!.n, 20);
    const event = engine.deployments.lastOf('api', ['traffic'])!;
    assert.equal(event.user, 'ada');
    assert.match(event.reason!, /stop 'challenger' by ada/);
  });

  it('runs beside the deployment: the rules look on their own schedule and stop once the experiment ends', async () => {
    const { engine, host, live } = setUp('runner');
    const spec = experiment({
      type: 'ab',
      metric: { feedback: 'reward' },
      guardrails: { max_error_rate_increase: 0.01 },
      decide: { every_s: 0.05 },
    });
    const items = [];
    for (let i = 0; i < 300; i++) {
      const variant = i % 2 ? 'challenger' : 'champion';
      const failed = variant === 'challenger' && i % 4 === 1;
      const id = serve(engine, variant, 4_000 + i, failed ? 500 : 200);
      if (!failed) items.push({ requestId: id, kind: 'reward' as const, value: 0 });
    }
    engine.inferenceLog.flush();
    engine.feedback.record(items, { deployment: 'api', source: 'http' });
    const errors: unknown[] = [];
    const running = startExperiment(host, 'api', spec, (error) => errors.push(error));
    for (let i = 0; i < 100 && live.challenger !== 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    running.stop();
    assert.deepEqual(errors, []);
    assert.deepEqual(live, { champion: 100, challenger: 0 });
    assert.ok(engine.experimentEvents.last('api', ['start']));
    const applied = engine.experimentEvents
      .list('api', ['decision'])
      .filter((d) => d.details.applied === true);
    assert.equal(applied.length, 1, 'nothing more is decided once the experiment has ended');
  });

  it('starts afresh when a new challenger rolls in: an ended experiment decides again, on requests served since', async () => {
    const { engine, host, live } = setUp('restart');
    const spec = experiment({ type: 'ab', metric: { feedback: 'reward' }, min_samples: 50 });
    const feed = (from: number, rates: Record<string, number>) => {
      const items = [];
      for (let i = 0; i < 400; i++) {
        const variant = i % 2 ? 'challenger' : 'champion';
        const id = serve(engine, variant, from + i);
        const value = (i * 7919) % 1000 < rates[variant]! * 1000 ? 1 : 0;
        items.push({ requestId: id, kind: 'reward' as const, value });
      }
      engine.inferenceLog.flush();
      engine.feedback.record(items, { deployment: 'api', source: 'http' });
    };
    // The first challenger loses clearly and is rolled back: the experiment has ended.
    feed(5_000, { champion: 0.5, challenger: 0.1 });
    const first = await decideExperiment(host, 'api', spec, { apply: true, now: 6_000 });
    assert.equal(first.decision.action, 'rollback');
    assert.deepEqual(live, { champion: 100, challenger: 0 });
    assert.equal(
      (await decideExperiment(host, 'api', spec, { apply: false })).decision.action,
      'concluded',
    );
    // A new challenger (its requests better than the champion's) restarts it.
    restartExperiment(host, 'api', spec, 'm@challenger moved from version 2 to 3', 7_000);
    feed(8_000, { champion: 0.1, challenger: 0.5 });
    const second = await decideExperiment(host, 'api', spec, { apply: false, now: 9_000 });
    assert.equal(second.decision.action, 'promote');
    // Only requests since the restart count: 200 of each variant, not 400.
    assert.deepEqual(
      second.report!.variants.map((v) => [v.name, v.n]),
      [
        ['champion', 200],
        ['challenger', 200],
      ],
    );
  });
});
