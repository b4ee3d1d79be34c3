import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ServingChangedNotification,
  type ServingDeploymentSummary,
  type ServingTrafficParams,
} from '@sextant/language-server/protocol';
import { MessageType, type HostMessage } from '../contract';
import { DeploymentPresenter, restoredDeployment, type DeploymentViewHost } from './deployment';
import { FakeClient } from './fakeClient.testing';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function summary(status: ServingDeploymentSummary['status']): ServingDeploymentSummary {
  return {
    name: 'churn-api',
    status,
    ...(status === 'running' ? { url: 'http://127.0.0.1:9000' } : {}),
    variants: [
      {
        name: 'champion',
        model: 'churn',
        version: '1',
        uri: 'models:/churn@champion',
        weight: 90,
        shadow: false,
        replicas: 1,
      },
      {
        name: 'challenger',
        model: 'churn',
        version: '2',
        uri: 'models:/churn/2',
        weight: 10,
        shadow: false,
        replicas: 1,
      },
    ],
    champion: 'champion',
  };
}

/** The deployment's state in a test: its status, and how many requests it has logged. */
interface Deployed {
  now: ServingDeploymentSummary['status'];
  logged?: number;
}

function fakeClient(status: Deployed, fail = false) {
  return new FakeClient({
    'sextant/serving/get': () => ({
      deployment: summary(status.now),
      events: [],
      testRequest: { path: '/invocations', body: '{"inputs": [[1]]}', source: 'input_example' },
      snippets: {
        url: 'http://127.0.0.1:9000/invocations',
        curl: 'curl …',
        python: 'import requests',
      },
    }),
    'sextant/serving/requests': () => ({
      requests: Array.from({ length: status.logged ?? 1 }, (_, i) => ({
        requestId: `r${(status.logged ?? 1) - i}`,
      })),
    }),
    'sextant/serving/stats': () => ({ deployment: 'churn-api', variants: [], seconds: [] }),
    'sextant/serving/predict': ({ body }: { body: string }) => {
      if (fail) throw new Error('deployment churn-api is not running; deploy it first');
      return {
        status: 200,
        body: `{"predictions": ${body.length}}`,
        latencyMs: 3.2,
        variant: 'champion',
      };
    },
    'sextant/serving/setTraffic': (p: ServingTrafficParams) => {
      if (p.weights['champion'] === undefined) throw new Error("no variant 'x'");
      return summary('running');
    },
    'sextant/serving/promote': () => summary('running'),
    'sextant/serving/rollback': () => summary('running'),
  });
}

function host(posted: HostMessage[], calls: string[]): DeploymentViewHost {
  return {
    post: (m) => posted.push(m),
    log: (message) => calls.push(`log ${message}`),
    copy: (text) => calls.push(`copy ${text}`),
    notify: (level, message) => calls.push(`${level} ${message}`),
    shown: (page) => calls.push(`shown ${page.deployment.name}`),
  };
}

const types = (posted: HostMessage[]): string[] => posted.map((m) => m.type);

test('the dashboard answers ready with the page, the logged requests and the live figures', async () => {
  const client = fakeClient({ now: 'running' });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new DeploymentPresenter('churn-api', client, host(posted, calls), {
    statsIntervalMs: 0,
    requestLimit: 10,
  });
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(types(posted), [MessageType.DeploymentSnapshot, MessageType.DeploymentStats]);
  assert.deepEqual(client.paramsOf('sextant/serving/requests'), [
    { name: 'churn-api', limit: 10 },
    { name: 'churn-api', limit: 10 },
  ]);
  assert.deepEqual(client.paramsOf('sextant/serving/stats'), [
    { name: 'churn-api', windowSeconds: 120 },
  ]);
  assert.deepEqual(calls, ['shown churn-api']);
  presenter.dispose();
});

test('a stopped deployment gets no stats request, and null figures', async () => {
  const client = fakeClient({ now: 'stopped' });
  const posted: HostMessage[] = [];
  const presenter = new DeploymentPresenter('churn-api', client, host(posted, []), {
    statsIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(client.paramsOf('sextant/serving/stats'), []);
  const stats = posted.find((m) => m.type === MessageType.DeploymentStats);
  assert.ok(stats && stats.type === MessageType.DeploymentStats && stats.stats === null);
  presenter.dispose();
});

test('it polls the live figures while the deployment runs, and stops when disposed', async () => {
  const client = fakeClient({ now: 'running' });
  const posted: HostMessage[] = [];
  const presenter = new DeploymentPresenter('churn-api', client, host(posted, []), {
    statsIntervalMs: 10,
  });
  await presenter.receive({ type: MessageType.Ready });
  await new Promise((resolve) => setTimeout(resolve, 60));
  const polled = client.paramsOf('sextant/serving/stats').length;
  assert.ok(polled >= 3, `polled ${polled} times`);
  presenter.dispose();
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(client.paramsOf('sextant/serving/stats').length, polled);
});

test('a test request answers the view with the response, and refreshes the logged requests', async () => {
  const deployed: Deployed = { now: 'running', logged: 1 };
  const client = fakeClient(deployed);
  const posted: HostMessage[] = [];
  const presenter = new DeploymentPresenter('churn-api', client, host(posted, []), {
    statsIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  posted.length = 0;
  await presenter.receive({
    type: MessageType.SendTestRequest,
    body: '{"inputs": [[1]]}',
    path: '/invocations',
  });
  assert.deepEqual(client.paramsOf('sextant/serving/predict'), [
    { name: 'churn-api', body: '{"inputs": [[1]]}', path: '/invocations' },
  ]);
  const answer = posted[0]!;
  assert.ok(answer.type === MessageType.DeploymentPredicted && answer.result?.status === 200);
  assert.equal(answer.result.latencyMs, 3.2);
  assert.ok(types(posted).includes(MessageType.DeploymentSnapshot));
  assert.ok(!types(posted).includes(MessageType.DeploymentRequests));
  // The deployment writes its log a moment later: the next poll pushes the new list alone.
  posted.length = 0;
  deployed.logged = 2;
  await presenter.pollStats();
  assert.deepEqual(types(posted), [MessageType.DeploymentStats, MessageType.DeploymentRequests]);
  const list = posted[1]!;
  assert.ok(list.type === MessageType.DeploymentRequests && list.requests[0]!.requestId === 'r2');
  posted.length = 0;
  await presenter.pollStats();
  assert.deepEqual(types(posted), [MessageType.DeploymentStats]);
  presenter.dispose();
});

test('a failed test request is an answer with its error, not a crash', async () => {
  const client = fakeClient({ now: 'running' }, true);
  const posted: HostMessage[] = [];
  const presenter = new DeploymentPresenter('churn-api', client, host(posted, []), {
    statsIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  posted.length = 0;
  await presenter.receive({ type: MessageType.SendTestRequest, body: '{}', path: '/invocations' });
  const answer = posted[0]!;
  assert.ok(answer.type === MessageType.DeploymentPredicted);
  assert.match(answer.error ?? '', /not running/);
  presenter.dispose();
});

test('traffic, promote and roll back go to the server, with notices of how they ended', async () => {
  const client = fakeClient({ now: 'running' });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new DeploymentPresenter('churn-api', client, host(posted, calls), {
    statsIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  posted.length = 0;
  await presenter.receive({
    type: MessageType.SetDeploymentTraffic,
    weights: { champion: 70, challenger: 30 },
  });
  assert.deepEqual(client.paramsOf('sextant/serving/setTraffic'), [
    { name: 'churn-api', weights: { champion: 70, challenger: 30 } },
  ]);
  const notices = posted.filter((m) => m.type === MessageType.DeploymentNotice);
  assert.deepEqual(
    notices.map((m) => m.type === MessageType.DeploymentNotice && m.level),
    ['busy', 'info'],
  );
  await presenter.receive({ type: MessageType.SetDeploymentTraffic, weights: { x: 1 } });
  assert.ok(calls.includes("error no variant 'x'"));
  await presenter.receive({ type: MessageType.PromoteDeployment });
  await presenter.receive({ type: MessageType.RollbackDeployment });
  assert.deepEqual(client.paramsOf('sextant/serving/promote'), [{ name: 'churn-api' }]);
  assert.deepEqual(client.paramsOf('sextant/serving/rollback'), [{ name: 'churn-api' }]);
  await presenter.receive({ type: MessageType.CopyText, text: 'curl …' });
  assert.ok(calls.includes('copy curl …'));
  presenter.dispose();
});

test('it refreshes on sextant/serving/changed for its deployment only', async () => {
  const client = fakeClient({ now: 'running' });
  const presenter = new DeploymentPresenter('churn-api', client, host([], []), {
    statsIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  client.notify(ServingChangedNotification, { name: 'other' });
  await settle();
  assert.equal(client.paramsOf('sextant/serving/get').length, 1);
  client.notify(ServingChangedNotification, { name: 'churn-api' });
  await settle();
  assert.equal(client.paramsOf('sextant/serving/get').length, 2);
  presenter.dispose();
});

test('a reloaded dashboard restores its deployment from the saved state', () => {
  assert.equal(restoredDeployment({ name: 'churn-api' }), 'churn-api');
  assert.equal(restoredDeployment({ name: '' }), undefined);
  assert.equal(restoredDeployment(undefined), undefined);
});

test('actions run one after the other: a promote waits for a traffic change in flight', async () => {
  const order: string[] = [];
  const client = new FakeClient({
    'sextant/serving/get': () => ({
      deployment: { name: 'churn-api', status: 'stopped', variants: [] },
      events: [],
      testRequest: { path: '/invocations', body: '{}', source: 'none' },
      snippets: { url: '', curl: '', python: '' },
    }),
    'sextant/serving/requests': () => ({ requests: [] }),
    'sextant/serving/setTraffic': async () => {
      order.push('traffic start');
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('traffic end');
    },
    'sextant/serving/promote': () => order.push('promote'),
  });
  const presenter = new DeploymentPresenter('churn-api', client, host([], []), {
    statsIntervalMs: 0,
  });
  await presenter.receive({ type: MessageType.Ready });
  await Promise.all([
    presenter.receive({
      type: MessageType.SetDeploymentTraffic,
      weights: { champion: 50, challenger: 50 },
    }),
    presenter.receive({ type: MessageType.PromoteDeployment }),
  ]);
  assert.deepEqual(order, ['traffic start', 'traffic end', 'promote']);
  presenter.dispose();
});

test('the dashboard names the experiment of its deployment and opens its report', async () => {
  const client = fakeClient({ now: 'running' });
  const withList = new FakeClient({
    ...Object.fromEntries(
      ['sextant/serving/get', 'sextant/serving/requests', 'sextant/serving/stats'].map((method) => [
        method,
        (p: unknown) => client.request({ method } as never, p as never),
      ]),
    ),
    'sextant/online/list': () => ({
      experiments: [
        { deployment: 'other', type: 'ab', metric: 'reward', running: true, concluded: false },
        {
          deployment: 'churn-api',
          type: 'bandit',
          metric: 'reward',
          running: true,
          concluded: false,
        },
      ],
    }),
  });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new DeploymentPresenter(
    'churn-api',
    withList,
    { ...host(posted, calls), openExperimentReport: (name) => calls.push(`report ${name}`) },
    { statsIntervalMs: 0 },
  );
  await presenter.receive({ type: MessageType.Ready });
  const snapshot = posted.find((m) => m.type === MessageType.DeploymentSnapshot);
  assert.equal(
    snapshot?.type === MessageType.DeploymentSnapshot && snapshot.experiment?.type,
    'bandit',
  );
  await presenter.receive({ type: MessageType.OpenExperimentReport });
  assert.ok(calls.includes('report churn-api'));
  presenter.dispose();

  // A host that cannot open reports does not ask for experiments.
  const plain = fakeClient({ now: 'running' });
  const bare = new DeploymentPresenter('churn-api', plain, host([], []), { statsIntervalMs: 0 });
  await bare.receive({ type: MessageType.Ready });
  assert.deepEqual(plain.paramsOf('sextant/online/list'), []);
  bare.dispose();
});
