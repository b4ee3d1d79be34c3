import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MonitoringAlertNotification,
  RegistryChangedNotification,
  ServingChangedNotification,
  type Timeline,
  type TimelineItem,
} from '@sextant/language-server/protocol';
import { MessageType, type HostMessage, type TimelineSnapshot } from '../contract';
import { iterationsOf } from '../timeline';
import { FakeClient } from './fakeClient.testing';
import { TimelinePresenter, restoredScope, type TimelineViewHost } from './timeline';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

const item = (
  id: string,
  kind: TimelineItem['kind'],
  time: number,
  extra: Partial<TimelineItem> = {},
) =>
  ({
    id,
    kind,
    time,
    title: id,
    detail: '',
    status: 'info',
    ...extra,
  }) as TimelineItem;

/** A first deploy, then two turns of the loop, the second started by hand. */
const ITEMS: TimelineItem[] = [
  item('version:churn/1', 'registration', 1, {
    target: { kind: 'modelVersion', name: 'churn', version: '1' },
  }),
  item('deploy', 'deployment', 2, {
    causedBy: 'version:churn/1',
    target: { kind: 'deployment', name: 'fraud' },
  }),
  item('alert:1', 'alert', 10, { status: 'warning' }),
  item('pipeline:p1', 'pipeline_run', 11, {
    causedBy: 'alert:1',
    target: { kind: 'pipelineRun', pipelineRunId: 'p1', runId: 'r1' },
  }),
  item('alert:2', 'alert', 12, { status: 'success' }),
  item('version:churn/2', 'registration', 13, { causedBy: 'pipeline:p1' }),
  item('pipeline:p2', 'pipeline_run', 20),
  item('late', 'decision', 21, { target: { kind: 'experiment', deployment: 'fraud' } }),
  item('canary', 'deployment', 22, { causedBy: 'version:churn/2' }),
];

test('groups the items by turn of the loop, following causes back to the turn they belong to', () => {
  const turns = iterationsOf(ITEMS);
  assert.deepEqual(
    turns.map((t) => [t.title, t.items.map((i) => i.id)]),
    [
      ['Before any alert', ['version:churn/1', 'deploy']],
      ['Turn 1: alert:1', ['alert:1', 'pipeline:p1', 'alert:2', 'version:churn/2', 'canary']],
      ['Turn 2: pipeline:p2', ['pipeline:p2', 'late']],
    ],
  );
  assert.deepEqual(iterationsOf([]), []);
});

function setup(scope = { deployment: 'fraud' }) {
  let answer: Timeline = {
    items: ITEMS,
    deployments: ['fraud'],
    models: ['churn'],
    truncated: false,
  };
  const client = new FakeClient({ 'sextant/timeline/get': () => answer });
  const posted: HostMessage[] = [];
  const opened: string[] = [];
  const host: TimelineViewHost = {
    post: (m) => posted.push(m),
    log: (m) => opened.push(`log ${m}`),
    openRun: (runId) => opened.push(`run ${runId}`),
    openVersion: (ref) => opened.push(`version ${ref.name}/${ref.version}`),
    openDeployment: (name) => opened.push(`deployment ${name}`),
  };
  const presenter = new TimelinePresenter(scope, client, host);
  return {
    client,
    posted,
    opened,
    presenter,
    answer: (next: Timeline) => (answer = next),
  };
}

test('answers ready with the timeline of its scope, grouped', async () => {
  const { client, posted, presenter } = setup();
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(client.paramsOf('sextant/timeline/get'), [{ deployment: 'fraud' }]);
  const snapshot = posted[0] as TimelineSnapshot;
  assert.equal(snapshot.type, MessageType.TimelineSnapshot);
  assert.equal(snapshot.scope, 'deployment fraud');
  assert.equal(snapshot.iterations.length, 3);
  assert.equal(snapshot.truncated, false);
});

test('refreshes when an alert of its deployment fires, a model or the deployment changes', async () => {
  const { client, posted, presenter, answer } = setup();
  await presenter.receive({ type: MessageType.Ready });
  answer({ items: ITEMS.slice(0, 2), deployments: ['fraud'], models: ['churn'], truncated: true });
  client.notify(ServingChangedNotification, { name: 'other' } as never);
  client.notify(MonitoringAlertNotification, { deployment: 'other' } as never);
  await settle();
  assert.equal(posted.length, 1, 'nothing of another deployment refreshes it');
  client.notify(MonitoringAlertNotification, { deployment: 'fraud' } as never);
  await settle();
  assert.equal(posted.length, 2);
  assert.equal((posted[1] as TimelineSnapshot).truncated, true);
  client.notify(RegistryChangedNotification, { name: 'churn' } as never);
  client.notify(ServingChangedNotification, { name: 'fraud' } as never);
  await settle();
  assert.ok(posted.length >= 3);
  presenter.dispose();
});

test('opens what an item points at through the IDE', async () => {
  const { opened, presenter } = setup();
  await presenter.receive({ type: MessageType.Ready });
  const open = (target: TimelineItem['target']) =>
    presenter.receive({ type: MessageType.OpenTimelineTarget, target });
  await open({ kind: 'run', runId: 'e1' });
  await open({ kind: 'pipelineRun', pipelineRunId: 'p1', runId: 'r1' });
  await open({ kind: 'pipelineRun', pipelineRunId: 'p3' });
  await open({ kind: 'modelVersion', name: 'churn', version: '2' });
  await open({ kind: 'deployment', name: 'fraud' });
  await open({ kind: 'experiment', deployment: 'fraud' });
  assert.deepEqual(opened, [
    'run e1',
    'run r1',
    'log Sextant: pipeline run p3 has no tracked run',
    'version churn/2',
    'deployment fraud',
    'deployment fraud',
  ]);
});

test('restores its scope from the saved view state, ignoring what is not a name', () => {
  assert.deepEqual(restoredScope({ deployment: 'fraud', model: '' }), { deployment: 'fraud' });
  assert.deepEqual(restoredScope({ model: 'churn' }), { model: 'churn' });
  assert.deepEqual(restoredScope(undefined), {});
  assert.deepEqual(restoredScope({ deployment: 3 }), {});
});
