import { Engine, readMonitoring } from '@sextant/core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  MonitoringAlertNotification,
  MonitoringAlertsRequest,
  MonitoringHistogramRequest,
  MonitoringListRequest,
  MonitoringTriggeredRunsRequest,
  MonitoringWindowsRequest,
  type SextantErrorData,
} from '../protocol';
import { startSession, type TestSession } from '../session.testing';

const YAML = `monitors:
  inputs:
    deployment: shop
    window: 50
    slo:
      p99_latency_ms: 250
alerts:
  drift:
    monitor: inputs
    metric: feature_drifted:x
    threshold: 1
    severity: critical
`;

describe('monitoring requests', { timeout: 30_000 }, () => {
  let session: TestSession;
  let seed: Engine;
  let key = 0;

  /** Logs 50 requests of x around `mean` (a deterministic spread). */
  const traffic = (mean: number): void => {
    for (let i = 0; i < 50; i++) {
      seed.inferenceLog.add({
        requestId: `r${key++}`,
        time: Date.now(),
        model: 'm',
        version: '1',
        protocol: 'mlflow',
        status: 200,
        latencyMs: 3,
        deployment: 'shop',
        variant: 'champion',
        inputs: JSON.stringify({ dataframe_records: [{ x: mean + ((i * 7) % 50) / 25 - 1 }] }),
        outputs: '{"predictions":[1]}',
      });
    }
    seed.inferenceLog.flush();
  };

  before(async () => {
    session = await startSession();
    fs.writeFileSync(path.join(session.folder, 'sextant.yaml'), YAML);
    seed = Engine.open({ storeDir: session.sextant.storeDir });
    seed.monitoring.saveReference(
      { name: 'm', version: '1' },
      {
        features: [{ name: 'x', kind: 'numerical' }],
        rows: 500,
        columns: { x: Float64Array.from({ length: 500 }, (_, i) => ((i * 13) % 500) / 250 - 1) },
      },
      'test data',
      'ana',
    );
    const spec = readMonitoring(path.join(session.folder, 'sextant.yaml'));
    traffic(0);
    seed.monitoring.checkLatest(spec.monitors[0]!, spec.alerts, spec.monitors[0]!.window, 'ana');
    traffic(3);
    seed.monitoring.checkLatest(spec.monitors[0]!, spec.alerts, spec.monitors[0]!.window, 'ana');
  });

  after(async () => {
    await seed.close();
    await session.close();
  });

  it('lists the monitors and rules of the workspace with their latest window and alert state', async () => {
    const list = await session.client.sendRequest(MonitoringListRequest);
    assert.equal(list.monitors.length, 1);
    const [monitor] = list.monitors;
    assert.equal(monitor!.window, '50');
    assert.equal(monitor!.variant, 'champion');
    assert.deepEqual(monitor!.firing, ['drift']);
    assert.equal(monitor!.latest!.requests, 50);
    assert.deepEqual(monitor!.slo, { p99LatencyMs: 250 });
    assert.deepEqual(
      list.rules.map((r) => [r.name, r.metric, r.op, r.firing]),
      [['drift', 'feature_drifted:x', '>=', true]],
    );
  });

  it('gives the heatmap of windows and a feature histogram, reference against window', async () => {
    const result = await session.client.sendRequest(MonitoringWindowsRequest, {
      monitor: 'inputs',
    });
    assert.deepEqual(result.features, ['x']);
    assert.deepEqual(
      result.windows.map((w) => w.cells.map((c) => [c.feature, c.method, c.drifted])),
      [[['x', 'ks', false]], [['x', 'ks', true]]],
    );
    assert.equal(result.windows[1]!.metrics['feature_drifted:x'], 1);
    assert.equal(result.windows[1]!.cells[0]!.scoreKind, 'p-value', 'ks scores are p-values');
    const histogram = await session.client.sendRequest(MonitoringHistogramRequest, {
      window: result.windows[1]!.id,
      feature: 'x',
      bins: 8,
    });
    assert.equal(histogram.bins.length, 8);
    assert.equal(histogram.referenceCount, 500);
    assert.equal(histogram.currentCount, 50);
    assert.equal(histogram.bins[0]!.current, 0, 'the drifted window is all to the right');
    await assert.rejects(
      session.client.sendRequest(MonitoringHistogramRequest, { window: 99_999, feature: 'x' }),
      (error: ResponseError<SextantErrorData>) => /no monitoring window 99999/.test(error.message),
    );
    await assert.rejects(
      session.client.sendRequest(MonitoringWindowsRequest, { monitor: 3 } as never),
      (error: ResponseError<SextantErrorData>) => /monitor/.test(error.message),
    );
  });

  it('lists alert events and pushes each one that fires or resolves', async () => {
    const { events } = await session.client.sendRequest(MonitoringAlertsRequest, { rule: 'drift' });
    assert.deepEqual(
      events.map((e) => [e.state, e.user, e.severity]),
      [['firing', 'ana', 'critical']],
    );
    const fired = await session.inbox.next(MonitoringAlertNotification);
    assert.equal(fired.id, events[0]!.id);
    assert.deepEqual(fired.evidence.driftedFeatures, ['x']);
    const spec = readMonitoring(path.join(session.folder, 'sextant.yaml'));
    traffic(0);
    seed.monitoring.checkLatest(spec.monitors[0]!, spec.alerts, spec.monitors[0]!.window, 'ana');
    const resolved = await session.inbox.next(
      MonitoringAlertNotification,
      (e) => e.state === 'resolved',
    );
    assert.equal(resolved.rule, 'drift');
  });

  it('finds the pipeline runs an alert event triggered', async () => {
    const { events } = await session.client.sendRequest(MonitoringAlertsRequest, { rule: 'drift' });
    const fired = events.find((e) => e.state === 'firing')!;
    const file = path.join(session.folder, 'retrain.yaml');
    fs.writeFileSync(
      file,
      'pipelines:\n  retrain:\n    steps:\n      fit:\n        run: echo fit\n',
    );
    const trigger = (id: number) => ({
      kind: 'alert' as const,
      detail: `drift firing on shop (critical, value 1, threshold 1, alert event ${id})`,
    });
    const mine = await seed.pipelines.start(file, 'retrain', { trigger: trigger(fired.id) });
    await mine.finished;
    const other = await seed.pipelines.start(file, 'retrain', { trigger: trigger(fired.id + 100) });
    await other.finished;
    const { runs } = await session.client.sendRequest(MonitoringTriggeredRunsRequest, {
      alertId: fired.id,
    });
    assert.deepEqual(
      runs.map((r) => r.pipelineRunId),
      [mine.run.pipelineRunId],
    );
    assert.deepEqual(
      (await session.client.sendRequest(MonitoringTriggeredRunsRequest, { alertId: 99_999 })).runs,
      [],
    );
    await assert.rejects(
      session.client.sendRequest(MonitoringTriggeredRunsRequest, {} as never),
      (error: ResponseError<SextantErrorData>) => /alertId/.test(error.message),
    );
  });
});
