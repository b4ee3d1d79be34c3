import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MonitoringAlertNotification,
  type MonitoringAlertEvent,
  type MonitoringCell,
  type MonitoringHistogramParams,
  type MonitoringWindow,
} from '@sextant/language-server/protocol';
import {
  MessageType,
  type HostMessage,
  type MonitoringHistogramShown,
  type MonitoringSnapshot,
  type TriggeredRunLink,
} from '../contract';
import { driftRatio, featureToShow } from '../monitoring';
import { AlertWatcher, alertStatus, type AlertNotice, type AlertStatus } from './alerts';
import { FakeClient } from './fakeClient.testing';
import { MonitoringPresenter, restoredMonitoring, type MonitoringViewHost } from './monitoring';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function cell(feature: string, score: number, drifted: boolean): MonitoringCell {
  return {
    feature,
    method: 'ks',
    scoreKind: 'p-value',
    score,
    threshold: 0.05,
    drifted,
    missingShare: 0,
  };
}

function window(id: number, cells: MonitoringCell[], accuracy?: number): MonitoringWindow {
  return {
    id,
    monitor: 'inputs',
    deployment: 'shop',
    kind: 'on-demand',
    start: id * 1000,
    end: id * 1000 + 999,
    requests: 50,
    rows: 50,
    checkedTime: id * 1000 + 1000,
    metrics: { error_rate: 0, p99_latency_ms: 4, ...(accuracy ? { accuracy } : {}) },
    cells,
  };
}

function alert(id: number, state: string, severity = 'critical'): MonitoringAlertEvent {
  return {
    id,
    rule: 'drift',
    monitor: 'inputs',
    deployment: 'shop',
    state,
    severity,
    time: id,
    user: 'sextant',
    value: 1,
    threshold: 1,
    evidence: { driftedFeatures: ['age'] },
  };
}

/** A workspace with monitor `inputs` on `shop` (two windows, one drifted) and one on `other`. */
/** Alerts whose pipeline run started (besides 7, which always did). */
const started = new Set<number>();

function fakeClient(state: { alerts: MonitoringAlertEvent[]; windows: MonitoringWindow[] }) {
  return new FakeClient({
    'sextant/monitoring/list': () => ({
      monitors: [
        { name: 'inputs', deployment: 'shop', variant: 'champion', window: '50', firing: [] },
        { name: 'elsewhere', deployment: 'other', variant: 'champion', window: '1h', firing: [] },
      ],
      rules: [
        {
          name: 'drift',
          monitor: 'inputs',
          metric: 'drift_share',
          op: '>=',
          threshold: 0.5,
          for: 1,
          severity: 'critical',
          firing: state.alerts.at(-1)?.state === 'firing',
        },
        {
          name: 'far',
          monitor: 'elsewhere',
          metric: 'error_rate',
          op: '>',
          threshold: 0.1,
          for: 1,
          severity: 'warning',
          firing: true,
        },
      ],
    }),
    'sextant/monitoring/windows': ({ monitor, limit }: { monitor: string; limit: number }) => {
      if (monitor !== 'inputs') throw new Error(`no monitor ${monitor}`);
      const windows = state.windows.slice(-limit);
      return {
        monitor,
        features: [...new Set(windows.flatMap((w) => w.cells.map((c) => c.feature)))],
        windows,
      };
    },
    'sextant/monitoring/alerts': ({ monitor }: { monitor: string }) => ({
      events: state.alerts.filter((e) => e.monitor === monitor),
    }),
    'sextant/monitoring/triggeredRuns': ({ alertId }: { alertId: number }) => ({
      runs:
        alertId === 7 || started.has(alertId)
          ? [
              {
                pipelineRunId: 'p-7',
                pipeline: 'retrain',
                file: '/w/pipelines.yaml',
                status: 'running',
              },
            ]
          : [],
    }),
    'sextant/monitoring/histogram': (p: MonitoringHistogramParams) => {
      if (p.feature === 'broken') throw new Error(`no feature 'broken' in window ${p.window}`);
      return {
        feature: p.feature,
        kind: 'numerical',
        referenceCount: 500,
        currentCount: 50,
        bins: [{ label: '[0, 1)', lo: 0, hi: 1, reference: 0.5, current: 0.1 }],
      };
    },
  });
}

function recordingHost() {
  const posted: HostMessage[] = [];
  const opened: TriggeredRunLink[] = [];
  const logs: string[] = [];
  const host: MonitoringViewHost = {
    post: (m) => posted.push(m),
    log: (m) => logs.push(m),
    openPipelineRun: (run) => opened.push(run),
  };
  const snapshots = (): MonitoringSnapshot[] =>
    posted.filter((m): m is MonitoringSnapshot => m.type === MessageType.MonitoringSnapshot);
  return { host, posted, opened, logs, snapshots };
}

test('drift ratios put p-values and distances on one scale, 1 at the threshold', () => {
  assert.equal(driftRatio({ score: 0.05, threshold: 0.05, scoreKind: 'p-value' }), 1);
  assert.equal(driftRatio({ score: 0.01, threshold: 0.05, scoreKind: 'p-value' }), 5);
  assert.equal(driftRatio({ score: 0, threshold: 0.05, scoreKind: 'p-value' }), Infinity);
  assert.equal(driftRatio({ score: 0.2, threshold: 0.1, scoreKind: 'distance' }), 2);
  assert.equal(driftRatio({ score: null, threshold: 0.1, scoreKind: 'distance' }), null);
  assert.equal(
    featureToShow([window(1, [cell('age', 0.5, false), cell('income', 0.001, true)])]),
    'income',
  );
  assert.equal(featureToShow([]), undefined);
});

test('the dashboard shows the deployment’s monitor, windows, alerts, triggered runs and the most drifted feature', async () => {
  const state = {
    windows: [
      window(1, [cell('age', 0.6, false), cell('income', 0.4, false)], 0.9),
      window(2, [cell('age', 0.001, true), cell('income', 0.3, false)], 0.7),
    ],
    alerts: [alert(7, 'firing'), alert(8, 'resolved'), alert(9, 'firing')],
  };
  const client = fakeClient(state);
  const { host, posted, snapshots, opened } = recordingHost();
  const presenter = new MonitoringPresenter('shop', client, host, { pollIntervalMs: 0 });
  await presenter.receive({ type: MessageType.Ready });
  const [s] = snapshots();
  assert.ok(s);
  assert.deepEqual(
    s.monitors.map((m) => m.name),
    ['inputs'],
    'only the monitors of this deployment',
  );
  assert.deepEqual(
    s.rules.map((r) => r.name),
    ['drift'],
  );
  assert.equal(s.monitor, 'inputs');
  assert.deepEqual(s.features, ['age', 'income']);
  assert.deepEqual(
    s.windows.map((w) => w.id),
    [1, 2],
  );
  assert.deepEqual(
    s.alerts.map((e) => e.id),
    [7, 8, 9],
  );
  assert.deepEqual(Object.keys(s.triggered), ['7'], 'only alert 7 started a pipeline run');
  assert.equal(s.triggered[7]!.pipeline, 'retrain');
  assert.deepEqual(
    client.paramsOf('sextant/monitoring/triggeredRuns'),
    [{ alertId: 7 }, { alertId: 9 }],
    'resolved events trigger nothing: not looked up',
  );
  assert.equal(s.histogram?.feature, 'age', 'the drifted feature of the newest window first');
  assert.equal(s.histogram?.window, 2);

  await presenter.receive({
    type: MessageType.SelectMonitoringFeature,
    feature: 'income',
    window: 1,
  });
  const shown = last<MonitoringHistogramShown>(posted, MessageType.MonitoringHistogramShown);
  assert.equal(shown.feature, 'income');
  assert.equal(shown.window, 1);
  assert.equal(shown.histogram?.referenceCount, 500);
  assert.deepEqual(client.paramsOf('sextant/monitoring/histogram').at(-1), {
    window: 1,
    feature: 'income',
    bins: 20,
  });

  await presenter.receive({ type: MessageType.SelectMonitoringFeature, feature: 'broken' });
  const failed = last<MonitoringHistogramShown>(posted, MessageType.MonitoringHistogramShown);
  assert.equal(failed.window, 2, 'no window picked: the newest');
  assert.match(failed.error ?? '', /no feature 'broken'/);

  await presenter.receive({ type: MessageType.OpenTriggeredRun, run: s.triggered[7]! });
  assert.deepEqual(
    opened.map((r) => r.pipelineRunId),
    ['p-7'],
  );
  presenter.dispose();
});

/** The last message of `type` among `posted`. */
function last<T extends HostMessage>(posted: readonly HostMessage[], type: MessageType): T {
  const found = posted.filter((m) => m.type === type).at(-1);
  assert.ok(found, `no ${type} was posted`);
  return found as T;
}

test('an alert of the deployment or a new window refreshes the dashboard; other deployments do not', async () => {
  const state = {
    windows: [window(1, [cell('age', 0.6, false)])],
    alerts: [] as MonitoringAlertEvent[],
  };
  const client = fakeClient(state);
  const { host, snapshots } = recordingHost();
  const presenter = new MonitoringPresenter('shop', client, host, { pollIntervalMs: 0 });
  await presenter.receive({ type: MessageType.Ready });
  assert.equal(snapshots().length, 1);
  client.notify(MonitoringAlertNotification, { ...alert(3, 'firing'), deployment: 'other' });
  await settle();
  assert.equal(snapshots().length, 1, 'an alert elsewhere changes nothing here');
  state.alerts.push(alert(4, 'firing'));
  client.notify(MonitoringAlertNotification, alert(4, 'firing'));
  await settle();
  assert.equal(snapshots().length, 2);
  assert.deepEqual(
    snapshots()[1]!.alerts.map((e) => e.id),
    [4],
  );
  await presenter.poll();
  assert.equal(snapshots().length, 2, 'nothing new: no snapshot');
  state.alerts.push(alert(7, 'firing'));
  client.notify(MonitoringAlertNotification, alert(7, 'firing'));
  await settle();
  assert.equal(snapshots().length, 3);
  assert.deepEqual(Object.keys(snapshots()[2]!.triggered), ['7']);
  state.windows.push(window(2, [cell('age', 0.01, true)]));
  await presenter.poll();
  assert.equal(snapshots().length, 4, 'a newly checked window: a fresh snapshot');
  started.add(4);
  await presenter.poll();
  assert.equal(snapshots().length, 5, 'the run alert 4 triggered started: a fresh snapshot');
  assert.deepEqual(Object.keys(snapshots()[4]!.triggered), ['4', '7']);
  await presenter.poll();
  assert.equal(snapshots().length, 5, 'every firing alert has its run: nothing to look for');
  presenter.dispose();
});

test('a deployment without monitors gets an empty snapshot, and a restored dashboard its deployment', async () => {
  const client = fakeClient({ windows: [], alerts: [] });
  const { host, snapshots } = recordingHost();
  const presenter = new MonitoringPresenter('nobody', client, host, { pollIntervalMs: 0 });
  await presenter.receive({ type: MessageType.Ready });
  const [s] = snapshots();
  assert.equal(s!.monitor, undefined);
  assert.deepEqual(s!.monitors, []);
  assert.deepEqual(s!.windows, []);
  assert.equal(s!.histogram, undefined);
  assert.equal(restoredMonitoring({ deployment: 'shop' }), 'shop');
  assert.equal(restoredMonitoring({ deployment: '' }), undefined);
  assert.equal(restoredMonitoring(undefined), undefined);
  presenter.dispose();
});

test('alerts: the status counts firing rules with the worst severity, and each event is a notice with its triggered run', async () => {
  const state = { windows: [], alerts: [] as MonitoringAlertEvent[] };
  const client = fakeClient(state);
  const statuses: AlertStatus[] = [];
  const notices: AlertNotice[] = [];
  const watcher = new AlertWatcher(
    client,
    { status: (s) => statuses.push(s), notify: (n) => notices.push(n), log: () => {} },
    { triggerWaitMs: 20, triggerPollMs: 5 },
  );
  await watcher.refresh();
  assert.equal(statuses.at(-1)!.count, 1, 'rule far of the other deployment fires already');
  assert.equal(statuses.at(-1)!.text, '1 alert (warning)');
  assert.match(statuses.at(-1)!.tooltip, /far \(warning\) on other/);

  await watcher.receive(alert(7, 'firing'));
  assert.equal(statuses.at(-1)!.text, '2 alerts (critical)');
  assert.equal(notices.at(-1)!.level, 'error');
  assert.match(notices.at(-1)!.message, /drift \(critical\) firing on shop.*drifted: age/);
  assert.equal(notices.at(-1)!.triggeredRun?.pipelineRunId, 'p-7');

  await watcher.receive(alert(9, 'firing'));
  assert.equal(notices.at(-1)!.triggeredRun, undefined, 'no run started within the wait');
  assert.ok(
    client.paramsOf('sextant/monitoring/triggeredRuns').length > 2,
    'it looked again while it waited',
  );

  await watcher.receive(alert(10, 'resolved'));
  assert.equal(statuses.at(-1)!.text, '1 alert (warning)');
  assert.equal(notices.at(-1)!.level, 'info');
  assert.match(notices.at(-1)!.message, /resolved on shop/);
  watcher.dispose();
  assert.deepEqual(alertStatus([]), { count: 0, text: '', tooltip: '', firing: [] });
});
