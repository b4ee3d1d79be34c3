import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { seededRng } from '../stats';
import { openDatabase } from '../store';
import { parseMonitoring } from './monitorSpec';
import { performanceMetrics, type Outcome } from './performance';
import { parseCsv } from './referenceData';
import { prometheusRules } from './prometheus';
import { MonitorScheduler } from './scheduler';
import { MonitoringService } from './service';
import type Database from 'better-sqlite3';

const SIGNATURE = JSON.stringify([
  { type: 'double', name: 'x1', required: true },
  { type: 'double', name: 'x2', required: true },
  { type: 'long', name: 'n', required: true },
  { type: 'string', name: 'c', required: true },
]);

let dir: string;
let db: Database.Database;
let service: MonitoringService;
let key = 0;
const rng = seededRng(20261205);

/** Logs `requests` requests of `rows` rows each; x1 shifted by `shift`. */
function logTraffic(
  requests: number,
  options: {
    shift?: number;
    rows?: number;
    time?: number;
    latencyMs?: number;
    failEvery?: number;
    format?: 'split' | 'records' | 'oip';
  } = {},
): void {
  const insert = db.prepare(
    `INSERT INTO inference_log (request_id, time, model, version, protocol, status, latency_ms, inputs, outputs, error, deployment, variant)
     VALUES (?, ?, 'm', '1', ?, ?, ?, ?, ?, NULL, 'd', 'champion')`,
  );
  const rows = options.rows ?? 2;
  for (let r = 0; r < requests; r++) {
    const data = Array.from({ length: rows }, () => [
      rng.normal(options.shift ?? 0, 1),
      rng.normal(5, 2),
      rng.integer(20),
      rng.uniform() < 0.5 ? 'a' : 'b',
    ]);
    const format = options.format ?? 'split';
    const inputs =
      format === 'split'
        ? { dataframe_split: { columns: ['x1', 'x2', 'n', 'c'], data } }
        : format === 'records'
          ? { dataframe_records: data.map(([x1, x2, n, c]) => ({ x1, x2, n, c })) }
          : {
              inputs: [
                { name: 'x1', shape: [rows], datatype: 'FP64', data: data.map((d) => d[0]) },
                { name: 'x2', shape: [rows], datatype: 'FP64', data: data.map((d) => d[1]) },
                { name: 'n', shape: [rows], datatype: 'INT64', data: data.map((d) => d[2]) },
                { name: 'c', shape: [rows], datatype: 'BYTES', data: data.map((d) => d[3]) },
              ],
            };
    const failed = options.failEvery !== undefined && r % options.failEvery === 0;
    const outputs =
      format === 'oip'
        ? {
            outputs: [
              {
                name: 'predict',
                shape: [rows],
                datatype: 'INT64',
                data: data.map((d) => ((d[0] as number) > 0 ? 1 : 0)),
              },
            ],
          }
        : { predictions: data.map((d) => ((d[0] as number) > 0 ? 1 : 0)) };
    key++;
    insert.run(
      `req-${key}`,
      options.time ?? Date.now(),
      format === 'oip' ? 'oip' : 'mlflow',
      failed ? 500 : 200,
      options.latencyMs ?? 5 + rng.uniform(),
      JSON.stringify(inputs),
      failed ? null : JSON.stringify(outputs),
    );
  }
}

const spec = parseMonitoring({
  monitors: {
    quality: {
      deployment: 'd',
      window: 100,
      every: '1s',
      slo: { p99_latency_ms: 50, error_rate: 0.05 },
    },
    hourly: { deployment: 'd', window: '1h' },
  },
  alerts: {
    drift: {
      monitor: 'quality',
      metric: 'drift_share',
      threshold: 0.25,
      for: 2,
      severity: 'critical',
      summary: 'inputs drifted',
    },
    x1: { monitor: 'quality', metric: 'feature_drifted:x1', threshold: 1 },
    errors: { monitor: 'quality', metric: 'error_rate', op: '>', threshold: 0.05 },
  },
});
const quality = spec.monitors.find((m) => m.name === 'quality')!;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-monitoring-'));
  db = openDatabase(dir, { create: true });
  service = new MonitoringService(db, {
    resolve: async (uri) => {
      assert.equal(uri, 'models:/m/1');
      return { name: 'm', version: '1', signatureInputs: SIGNATURE };
    },
  });
  const lines = ['x1,x2,n,c,label,pred'];
  for (let i = 0; i < 800; i++) {
    const x1 = rng.normal(0, 1);
    lines.push(
      `${x1},${rng.normal(5, 2)},${rng.integer(20)},${rng.uniform() < 0.5 ? 'a' : '"b"'},${i % 2},${x1 > 0 ? 1 : 0}`,
    );
  }
  fs.writeFileSync(path.join(dir, 'reference.csv'), lines.join('\n') + '\n');
});
after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('MonitoringService', () => {
  it("sets a version's reference from a CSV file: the signature's features and the predictions", async () => {
    const info = await service.setReference('models:/m/1', path.join(dir, 'reference.csv'), {
      user: 'ana',
      prediction: 'pred',
    });
    assert.deepEqual(
      info.features,
      ['x1', 'x2', 'n', 'c'],
      'the label column is no feature: the signature says which are',
    );
    assert.equal(info.prediction, 'pred');
    assert.equal(info.rows, 800);
    const reference = service.reference('m', '1')!;
    assert.equal(reference.data.columns.c!.length, 800);
    assert.ok(reference.data.columns.x1 instanceof Float64Array);
    await assert.rejects(
      service.setReference('models:/m/1', path.join(dir, 'missing.csv'), { user: 'ana' }),
      /does not exist/,
    );
    await assert.rejects(
      service.setReference('models:/m/1', path.join(dir, 'reference.csv'), {
        user: 'ana',
        prediction: 'nope',
      }),
      /no prediction column 'nope'/,
    );
  });

  it('checks count windows as they fill: drift on the drifted feature only, an alert after 2 windows that resolves', () => {
    const registry = new Registry();
    const alerts: string[] = [];
    const scheduler = new MonitorScheduler(service, [quality], spec.alerts, {
      registry,
      onAlert: (event) => alerts.push(`${event.rule}:${event.state}`),
    });
    logTraffic(60);
    assert.deepEqual(scheduler.tick(quality), [], 'no complete window yet');
    logTraffic(40, { format: 'records' });
    const [first] = scheduler.tick(quality);
    assert.ok(first);
    assert.equal(first.window.requests, 100);
    assert.equal(first.window.rows, 200);
    assert.equal(first.problem, undefined);
    assert.deepEqual(
      first.window.features.filter((f) => f.drifted).map((f) => f.feature),
      [],
    );
    assert.equal(first.window.metrics.drift_share, 0);
    assert.equal(first.window.metrics.prediction_drifted, 0);
    assert.equal(
      first.window.features.find((f) => f.feature === 'x1')!.method,
      'ks',
      'a reference of 800 rows: KS',
    );
    assert.equal(
      first.window.features.find((f) => f.feature === 'c')!.method,
      'z',
      'two categories: the z-test',
    );

    logTraffic(100, { shift: 1.5, format: 'oip' });
    const [second] = scheduler.tick(quality);
    assert.deepEqual(
      second!.window.features.filter((f) => f.drifted).map((f) => f.feature),
      ['x1'],
    );
    assert.equal(second!.window.metrics.drift_share, 0.25);
    assert.equal(second!.window.metrics.prediction_drifted, 1, 'the predictions follow x1');
    assert.deepEqual(
      alerts,
      ['x1:firing'],
      'x1 fires at once (for 1); drift waits for its second window',
    );

    logTraffic(100, { shift: 1.5 });
    const [third] = scheduler.tick(quality);
    assert.deepEqual(
      third!.window.features.filter((f) => f.drifted).map((f) => f.feature),
      ['x1'],
    );
    assert.deepEqual(alerts, ['x1:firing', 'drift:firing']);
    const fired = third!.alerts.find((a) => a.rule === 'drift')!;
    assert.equal(fired.severity, 'critical');
    assert.equal(fired.window, third!.window.id);
    assert.deepEqual(fired.evidence.values, [0.25, 0.25]);
    assert.deepEqual(fired.evidence.driftedFeatures, ['x1']);
    assert.equal(fired.evidence.summary, 'inputs drifted');

    logTraffic(100);
    const [fourth] = scheduler.tick(quality);
    assert.deepEqual(
      fourth!.window.features.filter((f) => f.drifted).map((f) => f.feature),
      [],
    );
    assert.deepEqual(alerts, ['x1:firing', 'drift:firing', 'drift:resolved', 'x1:resolved']);
    assert.deepEqual(
      service.alerts({ rule: 'drift' }).map((e) => [e.state, e.user, e.window]),
      [
        ['firing', 'sextant', third!.window.id],
        ['resolved', 'sextant', fourth!.window.id],
      ],
    );

    const heatmap = service.windows('quality');
    assert.deepEqual(
      heatmap.map((w) => w.features.map((f) => (f.drifted ? 1 : 0))),
      [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    );
    assert.ok(
      heatmap.every((w, i) => i === 0 || w.lastKey! > heatmap[i - 1]!.lastKey!),
      'tumbling: each window after the last',
    );
    const histogram = service.histogram(second!.window.id, 'x1', 10);
    assert.equal(histogram.referenceCount, 800);
    assert.equal(histogram.currentCount, 200);
    assert.equal(histogram.bins.length, 10);
    const meanOf = (side: 'reference' | 'current'): number =>
      histogram.bins.reduce((m, b) => m + b[side] * ((b.lo! + b.hi!) / 2), 0);
    assert.ok(
      meanOf('current') - meanOf('reference') > 1,
      'the drifted window sits 1.5 to the right',
    );
    assert.ok(Math.abs(histogram.bins.reduce((s, b) => s + b.current, 0) - 1) < 1e-12);
    const categories = service.histogram(second!.window.id, 'c');
    assert.deepEqual(categories.bins.map((b) => b.label).sort(), ['a', 'b']);
    const predictions = service.histogram(second!.window.id, 'pred');
    assert.equal(predictions.kind, 'numerical');
    assert.throws(
      () => service.histogram(second!.window.id, 'zz'),
      /feature 'zz' is not monitored/,
    );
    assert.throws(() => service.histogram(999_999, 'x1'), /no monitoring window 999999/);
    return registry.metrics().then((text) => {
      assert.match(
        text,
        /sextant_monitor_drift_share\{monitor="quality",deployment="d",variant="champion"\} 0\n/,
      );
      assert.match(
        text,
        /sextant_monitor_feature_drifted\{monitor="quality",deployment="d",variant="champion",feature="x1"\} 0\n/,
      );
      assert.match(text, /sextant_monitor_p99_latency_ms\{[^}]*\} \d/);
    });
  });

  it('measures data quality: missing values, values of the wrong type, unseen categories, out of range', () => {
    db.prepare(
      `INSERT INTO inference_log (request_id, time, model, version, protocol, status, latency_ms, inputs, outputs, deployment, variant)
       VALUES ('bad', ?, 'm', '1', 'mlflow', 200, 3, ?, '{"predictions":[1,0,1,0]}', 'd', 'champion')`,
    ).run(
      Date.now(),
      JSON.stringify({
        dataframe_records: [
          { x1: 'oops', x2: 100, n: 1.5, c: 'z' },
          { x1: null, x2: 5, n: 3, c: 'a' },
          { x1: 0.1, x2: 5, n: 3, c: 'z' },
          { x2: 5, n: 2, c: 'b' },
        ],
      }),
    );
    const result = service.checkLatest(quality, [], { kind: 'count', requests: 1 }, 'ana');
    const m = result.window.metrics;
    assert.equal(result.window.kind, 'on-demand');
    assert.equal(result.window.rows, 4);
    assert.equal(
      m['feature_missing_share:x1'],
      0.75,
      'a string in a numerical feature is no value: 3 of 4 missing',
    );
    assert.equal(m.invalid_type_share, 2 / 16, "'oops' in x1 and 1.5 in the integer n");
    assert.equal(m.missing_share, 2 / 16, 'null and absent x1');
    assert.equal(m.new_category_share, 0.5, "'z' is unseen in c");
    assert.equal(
      m.out_of_range_share,
      1 / 12,
      'x2 = 100 is outside the reference range: 1 of 12 numerical cells',
    );
    const c = (
      service.store.report(result.window.id)!.quality as {
        column: string;
        newCategories?: unknown;
      }[]
    ).find((q) => q.column === 'c');
    assert.deepEqual(c!.newCategories, [{ value: 'z', count: 2 }]);
  });

  it('checks latency, errors and SLOs of a window, and time windows by the hour', () => {
    const hour = 3_600_000;
    const now = Math.floor(Date.now() / hour) * hour + 60_000;
    logTraffic(40, { time: now - hour + 1000, latencyMs: 80, failEvery: 10 });
    const hourly = spec.monitors.find((m) => m.name === 'hourly')!;
    const [window] = service.checkDue(hourly, [], now);
    assert.equal(window!.window.start, now - 60_000 - hour);
    assert.equal(window!.window.end, now - 60_000);
    assert.equal(window!.window.requests, 40);
    assert.equal(window!.window.metrics.error_rate, 0.1);
    assert.equal(window!.window.metrics.p99_latency_ms, 80);
    assert.deepEqual(service.checkDue(hourly, [], now), [], 'the current hour is still open');
    const latest = service.checkLatest(
      quality,
      spec.alerts,
      { kind: 'time', ms: hour },
      'ana',
      now,
    );
    assert.equal(latest.window.metrics.slo_breached, 1);
    assert.deepEqual(
      latest.alerts.map((a) => [a.rule, a.state, a.user]),
      [['errors', 'firing', 'ana']],
    );
  });

  it('feeds firing alerts recorded by any process to a subscriber', async () => {
    const feed = service.alertFeed(20);
    const seen: string[] = [];
    const unsubscribe = feed.subscribe((alert) => seen.push(alert.rule));
    service.store.recordAlert({
      rule: 'later',
      monitor: 'quality',
      deployment: 'd',
      state: 'firing',
      severity: 'info',
      time: Date.now(),
      user: 'x',
      threshold: 1,
      evidence: {},
    });
    service.store.recordAlert({
      rule: 'later',
      monitor: 'quality',
      deployment: 'd',
      state: 'resolved',
      severity: 'info',
      time: Date.now(),
      user: 'x',
      threshold: 1,
      evidence: {},
    });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    unsubscribe();
    assert.deepEqual(
      seen,
      ['later'],
      'alerts before subscribing and resolutions are not delivered',
    );
  });

  it('says why a window has no drift: no reference for the served version', () => {
    db.prepare(
      `INSERT INTO inference_log (request_id, time, model, version, protocol, status, latency_ms, inputs, deployment, variant) VALUES ('v2', ?, 'm', '2', 'mlflow', 200, 1, '{}', 'd', 'champion')`,
    ).run(Date.now());
    const result = service.checkLatest(quality, [], { kind: 'count', requests: 5 });
    assert.match(
      result.problem!,
      /no reference profile for m version 2: set one with sextant monitor reference models:\/m\/2/,
    );
    assert.equal(result.window.metrics.drift_share, undefined);
  });
});

describe('monitors and alerts in sextant.yaml', () => {
  it('name every problem', () => {
    assert.throws(
      () =>
        parseMonitoring({
          monitors: { m: { deployment: 'd', window: '1 hour', bogus: 1 } },
          alerts: { a: { monitor: 'm', metric: 'drift_share' } },
        }),
      (error: Error) =>
        /unknown field 'bogus' in monitors\.m/.test(error.message) &&
        /missing field 'threshold' in alerts\.a/.test(error.message) &&
        /monitors\.m\.window/.test(error.message),
    );
    assert.throws(
      () =>
        parseMonitoring({
          monitors: { m: { deployment: 'd' } },
          alerts: { a: { monitor: 'x', metric: 'drift_share', threshold: 1 } },
        }),
      /alerts\.a: no monitor named 'x' \(monitors: m\)/,
    );
    assert.throws(
      () =>
        parseMonitoring({
          monitors: { m: { deployment: 'd' } },
          alerts: { a: { monitor: 'm', metric: 'drift', threshold: 1 } },
        }),
      /unknown metric 'drift'/,
    );
  });

  it('export as a Prometheus rule file over the gauges', () => {
    const doc = parse(prometheusRules(spec.alerts, spec.monitors)) as {
      groups: { name: string; rules: Record<string, unknown>[] }[];
    };
    assert.equal(doc.groups.length, 1);
    assert.deepEqual(doc.groups[0]!.rules[0], {
      alert: 'drift',
      expr: 'sextant_monitor_drift_share{monitor="quality",deployment="d"} >= 0.25',
      for: '1s',
      labels: { severity: 'critical', monitor: 'quality', deployment: 'd' },
      annotations: {
        summary: 'inputs drifted',
        description:
          'Sextant monitor quality (deployment d, variant champion, window 100): drift_share is {{ $value }}, threshold >= 0.25 for 2 window(s).',
      },
    });
    assert.equal(
      doc.groups[0]!.rules[1]!.expr,
      'sextant_monitor_feature_drifted{monitor="quality",deployment="d",feature="x1"} >= 1',
    );
    assert.equal(doc.groups[0]!.rules[1]!.for, undefined);
  });
});

describe('reference CSV', () => {
  it('reads quotes, doubled quotes, CRLF, empty fields and blank lines', () => {
    assert.deepEqual(parseCsv('a,b,c\r\n1,"x, ""y""",\n\n"multi\nline",2,3'), [
      ['a', 'b', 'c'],
      ['1', 'x, "y"', ''],
      ['multi\nline', '2', '3'],
    ]);
    assert.deepEqual(parseCsv('a,b\n1,'), [
      ['a', 'b'],
      ['1', ''],
    ]);
  });
});

describe('performance from feedback', () => {
  it('scores single-row requests: accuracy and macro F1 for labels, RMSE and MAE for values', () => {
    const outcomes = new Map<string, Outcome>([
      ['a', { kind: 'label', label: '1' }],
      ['b', { kind: 'label', label: '0' }],
      ['c', { kind: 'label', label: '1' }],
      ['d', { kind: 'label', label: '0' }],
      ['multi', { kind: 'label', label: '1' }],
      ['v1', { kind: 'value', value: 2 }],
      ['v2', { kind: 'value', value: 5 }],
    ]);
    const m = performanceMetrics(
      [1, 0, 0, 0, 1, 1, 1, 4, null],
      ['a', 'b', 'c', 'd', 'multi', 'multi', 'v1', 'v2', 'none'],
      outcomes,
    );
    assert.equal(m.labelled, 6, 'the two-row request and the one without feedback are left out');
    assert.equal(m.accuracy, 3 / 4);
    // class 1: tp 1, fn 1, fp 0 -> 2/3; class 0: tp 2, fp 1 -> 4/5.
    assert.ok(Math.abs(m.f1! - (2 / 3 + 4 / 5) / 2) < 1e-12);
    assert.equal(m.rmse, Math.sqrt((1 + 1) / 2));
    assert.equal(m.mae, 1);
  });
});
