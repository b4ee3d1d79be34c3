import { Engine } from '@sextant/core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  OnlineDecideRequest,
  OnlineListRequest,
  OnlineReportRequest,
  type SextantErrorData,
} from '../protocol';
import { startSession, type TestSession } from '../session.testing';

const YAML = `deployments:
  shop:
    model: models:/m@champion
    routes:
      variants:
        - { name: champion, weight: 50 }
        - { name: challenger, model: "models:/m/2", weight: 50 }
    experiment:
      type: ab
      metric: { feedback: reward }
      guardrails: { max_error_rate_increase: 0.05, max_p99_latency_increase: 0.5 }
      plan: { minimum_effect: 0.1 }
`;

describe('online experiment requests', { timeout: 30_000 }, () => {
  let session: TestSession;
  let seed: Engine;

  before(async () => {
    session = await startSession();
    fs.writeFileSync(path.join(session.folder, 'sextant.yaml'), YAML);
    seed = Engine.open({ storeDir: session.sextant.storeDir });
    seed.deployments.record(
      'shop',
      'deploy',
      { user: 'test' },
      {
        status: 'stopped',
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
      },
    );
    const items = [];
    for (let i = 0; i < 200; i++) {
      const variant = i % 2 ? 'challenger' : 'champion';
      seed.inferenceLog.add({
        requestId: `s${i}`,
        time: 1_000 + i,
        model: 'm',
        version: variant === 'champion' ? '1' : '2',
        protocol: 'oip',
        status: 200,
        latencyMs: 4,
        deployment: 'shop',
        variant,
      });
      items.push({ requestId: `s${i}`, kind: 'reward' as const, value: i % 4 === 0 ? 1 : 0 });
    }
    seed.inferenceLog.flush();
    seed.feedback.record(items, { deployment: 'shop', source: 'http' });
  });

  after(async () => {
    await seed.close();
    await session.close();
  });

  it('reports an experiment declared in the workspace sextant.yaml', async () => {
    const report = await session.client.sendRequest(OnlineReportRequest, { deployment: 'shop' });
    assert.equal(report.type, 'ab');
    assert.equal(report.metricKind, 'proportion');
    assert.equal(report.running, false);
    assert.deepEqual(
      report.variants.map((v) => [v.name, v.control, v.n, v.mean]),
      [
        ['champion', true, 100, 0.5],
        ['challenger', false, 100, 0],
      ],
    );
    assert.equal(report.comparisons[0]!.test, 'two-proportion-z');
    assert.ok(report.comparisons[0]!.pValue < 1e-9);
    assert.equal(report.sequential.length, 20);
    assert.ok(report.plannedPerVariant! > 0);
    assert.equal(report.plan!.controlN, report.plannedPerVariant);
    assert.ok(report.plan!.power > 0 && report.plan!.alpha === report.alpha);
    assert.deepEqual(report.comparisons[0]!.guardrails, [
      { metric: 'error_rate', harmed: false },
      { metric: 'p99_latency_ms', harmed: false, limit: 6 },
    ]);
    assert.equal(report.current.action, 'rollback');
    const list = await session.client.sendRequest(OnlineListRequest);
    assert.deepEqual(list.experiments, [], 'no deployment was started with an experiment');
  });

  it('applies a Stop and the rules, and refuses an unknown deployment or action', async () => {
    const stop = await session.client.sendRequest(OnlineDecideRequest, {
      deployment: 'shop',
      action: 'stop',
      variant: 'challenger',
    });
    assert.equal(stop.applied, true);
    assert.equal(seed.deployments.get('shop').state.variants[1]!.weight, 0);
    const report = await session.client.sendRequest(OnlineReportRequest, { deployment: 'shop' });
    assert.deepEqual(
      report.decisions.map((d) => [d.action, d.variant, d.applied]),
      [['stop', 'challenger', true]],
    );
    const evidence = report.decisions[0]!.evidence!;
    assert.deepEqual(
      evidence.variants.map((v) => [v.name, v.n, v.mean]),
      [
        ['champion', 100, 0.5],
        ['challenger', 100, 0],
      ],
    );
    assert.equal(evidence.comparisons[0]!.variant, 'challenger');
    assert.ok(evidence.comparisons[0]!.pValue < 1e-9 && evidence.comparisons[0]!.effect < 0);
    const rules = await session.client.sendRequest(OnlineDecideRequest, {
      deployment: 'shop',
      action: 'rules',
    });
    assert.equal(rules.action, 'rollback');
    assert.equal(rules.applied, true);
    const ended = await session.client.sendRequest(OnlineReportRequest, { deployment: 'shop' });
    assert.equal(ended.concluded, true);
    for (const params of [{ deployment: 'nowhere' }, { deployment: 'shop', action: 'explode' }]) {
      await assert.rejects(
        session.client.sendRequest(OnlineDecideRequest, params as never),
        (error: ResponseError<SextantErrorData>) =>
          /nowhere|action/.test(error.message) && error.data?.errorCode !== undefined,
      );
    }
  });
});
