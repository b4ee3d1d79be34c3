import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ServingChangedNotification,
  type OnlineDecideParams,
  type OnlineReport,
} from '@sextant/language-server/protocol';
import { MessageType, type ExperimentReportSnapshot, type HostMessage } from '../contract';
import { FakeClient } from './fakeClient.testing';
import {
  ExperimentReportPresenter,
  restoredExperiment,
  type ExperimentReportViewHost,
} from './onlineExperiment';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function report(overrides: Partial<OnlineReport> = {}): OnlineReport {
  return {
    deployment: 'shop',
    type: 'ab',
    metric: 'reward',
    metricKind: 'proportion',
    higherIsBetter: true,
    alpha: 0.05,
    running: true,
    concluded: false,
    variants: [
      {
        name: 'champion',
        model: 'm',
        version: '1',
        weight: 50,
        control: true,
        requests: 300,
        errors: 0,
        errorRate: 0,
        p99Ms: 12,
        n: 300,
        mean: 0.3,
        ciLow: 0.25,
        ciHigh: 0.35,
      },
      {
        name: 'challenger',
        model: 'm',
        version: '2',
        weight: 50,
        control: false,
        requests: 300,
        errors: 0,
        errorRate: 0,
        p99Ms: 13,
        n: 300,
        mean: 0.5,
        ciLow: 0.44,
        ciHigh: 0.56,
      },
    ],
    comparisons: [
      {
        variant: 'challenger',
        control: 'champion',
        test: 'two-proportion-z',
        effect: 0.2,
        ciLow: 0.12,
        ciHigh: 0.28,
        pValue: 1e-6,
        sequentialPValue: 0.001,
        sequentialCiLow: 0.05,
        sequentialCiHigh: 0.35,
        significant: true,
        guardrails: [{ metric: 'error_rate', harmed: false }],
      },
    ],
    sequential: [],
    allocations: [],
    decisions: [],
    current: {
      time: 1,
      action: 'promote',
      variant: 'challenger',
      reason: 'wins',
      applied: false,
      by: 'sextant',
    },
    ...overrides,
  };
}

/** A fake server: the report (or an error), the deployment's page, and the actions it took. */
function fakeClient(state: { report?: OnlineReport; fail?: Error; events?: string[] }) {
  return new FakeClient({
    'sextant/online/report': () => {
      if (state.fail) throw state.fail;
      return state.report;
    },
    'sextant/serving/get': () => ({
      deployment: {
        name: 'shop',
        status: 'running',
        variants: [{ name: 'champion', uri: 'models:/m@champion', shadow: false }],
      },
      events: (state.events ?? []).map((kind, i) => ({ kind, time: i, details: {} })),
    }),
    'sextant/online/decide': (p: OnlineDecideParams) => {
      if (p.variant === 'ghost') throw new Error("deployment 'shop' has no variant 'ghost'");
      state.report = report({ concluded: true, running: true });
      state.events = [...(state.events ?? []), 'promote'];
      return { time: 2, action: p.action, reason: 'by hand', applied: true, by: 'me' };
    },
    'sextant/serving/rollback': () => {
      state.events = [...(state.events ?? []), 'rollback'];
      return {};
    },
  });
}

function notFound(): Error {
  return Object.assign(new Error("deployment 'shop' has no online experiment"), {
    data: { errorCode: 'RESOURCE_DOES_NOT_EXIST' },
  });
}

function host(posted: HostMessage[], calls: string[]): ExperimentReportViewHost {
  return {
    post: (m) => posted.push(m),
    log: (message) => calls.push(`log ${message}`),
    notify: (level, message) => calls.push(`${level} ${message}`),
    shown: (deployment, r) => calls.push(`shown ${deployment} ${r ? r.type : 'none'}`),
  };
}

const snapshots = (posted: HostMessage[]): ExperimentReportSnapshot[] =>
  posted.filter(
    (m): m is ExperimentReportSnapshot => m.type === MessageType.ExperimentReportSnapshot,
  );

test('the report answers ready with the experiment report of the deployment', async () => {
  const client = fakeClient({ report: report() });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new ExperimentReportPresenter('shop', client, host(posted, calls), {
    refreshIntervalMs: 0,
  });
  assert.equal(presenter.deployment, 'shop');
  await presenter.receive({ type: MessageType.Ready });
  const [snapshot] = snapshots(posted);
  assert.equal(snapshot!.deployment, 'shop');
  assert.equal(snapshot!.report!.comparisons[0]!.sequentialPValue, 0.001);
  assert.equal(snapshot!.snippet, undefined);
  assert.equal(snapshot!.promotionToRollBack, undefined);
  assert.deepEqual(client.paramsOf('sextant/online/report'), [{ deployment: 'shop' }]);
  assert.deepEqual(
    client.paramsOf('sextant/serving/get'),
    [],
    'a running experiment needs no events',
  );
  assert.deepEqual(calls, ['shown shop ab']);
  presenter.dispose();
});

test('a deployment without an experiment gets an experiment: block to add', async () => {
  const client = fakeClient({ fail: notFound() });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new ExperimentReportPresenter('shop', client, host(posted, calls), {
    refreshIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  const [snapshot] = snapshots(posted);
  assert.equal(snapshot!.report, null);
  assert.equal(snapshot!.error, undefined);
  // One variant only: the snippet declares the second one too.
  assert.match(snapshot!.snippet!, /^deployments:\n {2}shop:\n {4}routes:/);
  assert.match(snapshot!.snippet!, /\n {4}experiment:\n {6}type: ab/);
  assert.match(snapshot!.snippet!, /metric: \{ feedback: reward \}/);
  assert.deepEqual(calls, ['shown shop none']);
  presenter.dispose();
});

test('any other failure is shown as an error, not as a missing experiment', async () => {
  const client = fakeClient({ fail: new Error('the server stopped') });
  const posted: HostMessage[] = [];
  const presenter = new ExperimentReportPresenter('shop', client, host(posted, []), {
    refreshIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  const [snapshot] = snapshots(posted);
  assert.equal(snapshot!.error, 'the server stopped');
  assert.equal(snapshot!.snippet, undefined);
  presenter.dispose();
});

test('Promote calls sextant/online/decide, tells the view, and offers to roll the promotion back', async () => {
  const state = { report: report() };
  const client = fakeClient(state);
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new ExperimentReportPresenter('shop', client, host(posted, calls), {
    refreshIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  posted.length = 0;
  await presenter.receive({
    type: MessageType.ExperimentAction,
    action: 'promote',
    variant: 'challenger',
  });
  assert.deepEqual(client.paramsOf('sextant/online/decide'), [
    { deployment: 'shop', action: 'promote', variant: 'challenger' },
  ]);
  assert.deepEqual(
    posted.map((m) => (m.type === MessageType.ExperimentNotice ? m.level : m.type)),
    ['busy', 'info', MessageType.ExperimentReportSnapshot],
  );
  const after = snapshots(posted)[0]!;
  assert.equal(after.report!.concluded, true);
  assert.equal(after.promotionToRollBack, true, 'the last move was a promotion');
  assert.ok(calls.includes("info shop: promoted 'challenger'"));

  posted.length = 0;
  await presenter.receive({ type: MessageType.ExperimentAction, action: 'undoPromotion' });
  assert.deepEqual(client.paramsOf('sextant/serving/rollback'), [{ name: 'shop' }]);
  assert.equal(snapshots(posted)[0]!.promotionToRollBack, undefined, 'rolled back already');
  presenter.dispose();
});

test('Roll back sends no variant; a failed Stop is told to the view and the user', async () => {
  const client = fakeClient({ report: report() });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new ExperimentReportPresenter('shop', client, host(posted, calls), {
    refreshIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({ type: MessageType.ExperimentAction, action: 'stop', variant: 'ghost' });
  await presenter.receive({ type: MessageType.ExperimentAction, action: 'stop' });
  await presenter.receive({ type: MessageType.ExperimentAction, action: 'rollback', variant: 'x' });
  assert.deepEqual(client.paramsOf('sextant/online/decide'), [
    { deployment: 'shop', action: 'stop', variant: 'ghost' },
    { deployment: 'shop', action: 'rollback' },
  ]);
  const errors = posted.filter(
    (m) => m.type === MessageType.ExperimentNotice && m.level === 'error',
  );
  assert.deepEqual(
    errors.map((m) => (m as { message: string }).message),
    ["deployment 'shop' has no variant 'ghost'", 'name the variant to stop'],
  );
  assert.ok(calls.includes("error deployment 'shop' has no variant 'ghost'"));
  presenter.dispose();
});

test('a running experiment refreshes on its timer and on its deployment changing, a stopped one does not', async () => {
  const state = { report: report() };
  const client = fakeClient(state);
  const posted: HostMessage[] = [];
  const presenter = new ExperimentReportPresenter('shop', client, host(posted, []), {
    refreshIntervalMs: 10,
  });
  await presenter.receive({ type: MessageType.Ready });
  await new Promise((resolve) => setTimeout(resolve, 60));
  const running = client.paramsOf('sextant/online/report').length;
  assert.ok(running >= 3, `refreshed ${running} times`);

  state.report = report({ running: false });
  await presenter.refresh();
  const stopped = client.paramsOf('sextant/online/report').length;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(client.paramsOf('sextant/online/report').length, stopped, 'no timer once stopped');

  client.notify(ServingChangedNotification, { name: 'other' });
  await settle();
  assert.equal(client.paramsOf('sextant/online/report').length, stopped);
  client.notify(ServingChangedNotification, { name: 'shop' });
  await settle();
  assert.equal(client.paramsOf('sextant/online/report').length, stopped + 1);
  presenter.dispose();
});

test('an unknown view message is logged; the saved state names the deployment', async () => {
  const calls: string[] = [];
  const presenter = new ExperimentReportPresenter(
    'shop',
    fakeClient({ report: report() }),
    host([], calls),
    {
      refreshIntervalMs: 0,
    },
  );
  await presenter.receive({ type: MessageType.PromoteDeployment });
  assert.match(calls[0]!, /unhandled view message/);
  assert.equal(restoredExperiment({ deployment: 'shop' }), 'shop');
  assert.equal(restoredExperiment({ deployment: '' }), undefined);
  assert.equal(restoredExperiment(undefined), undefined);
  presenter.dispose();
});
