import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RegistryChangedNotification,
  type RegistryCompareParams,
  type VersionRef,
} from '@sextant/language-server/protocol';
import { MessageType, type HostMessage } from '../contract';
import { FakeClient } from './fakeClient.testing';
import { ModelComparePresenter, restoredModelComparison } from './modelCompare';
import { ModelVersionPresenter, restoredVersion, type ModelVersionViewHost } from './modelVersion';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function fakeClient() {
  return new FakeClient({
    'sextant/registry/version': ({ name, version }: VersionRef) => ({
      summary: { name, version },
      evaluations: version === '0' ? [] : [{ runId: `e${version}`, evalSet: 'holdout' }],
    }),
    'sextant/evaluation/list': ({ name }: { name: string }) => ({
      evaluations: [{ runId: 'e2', name, version: '2' }],
    }),
    'sextant/registry/compare': (params: RegistryCompareParams) => ({
      versions: params.versions,
      evalSet: params.evalSet ?? 'holdout',
    }),
  });
}

function host(posted: HostMessage[], calls: string[] = []): ModelVersionViewHost {
  return {
    post: (m) => posted.push(m),
    log: (message) => calls.push(`log ${message}`),
    openRun: (id) => calls.push(`run ${id}`),
    openVersion: (ref) => calls.push(`version ${ref.name}/${ref.version}`),
    copy: (text) => calls.push(`copy ${text}`),
    saveFile: (name) => calls.push(`save ${name}`),
    shown: (page) => calls.push(`shown ${page.summary.version}`),
  };
}

test('the version page answers ready with the page and the model history on its eval set', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new ModelVersionPresenter(
    { name: 'churn', version: '2' },
    client,
    host(posted, calls),
  );
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(client.paramsOf('sextant/registry/version'), [{ name: 'churn', version: '2' }]);
  assert.deepEqual(client.paramsOf('sextant/evaluation/list'), [
    { name: 'churn', evalSet: 'holdout' },
  ]);
  assert.equal(posted.length, 1);
  const snapshot = posted[0]!;
  assert.equal(snapshot.type, MessageType.ModelVersionSnapshot);
  if (snapshot.type === MessageType.ModelVersionSnapshot) {
    assert.equal(snapshot.modelEvaluations[0]?.runId, 'e2');
  }
  assert.deepEqual(calls, ['shown 2']);

  await presenter.show({ name: 'churn', version: '0' });
  assert.equal(client.paramsOf('sextant/evaluation/list').length, 1, 'no eval set, no history');
  presenter.dispose();
});

test('the version page follows its model live, renames included, and nothing else', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const presenter = new ModelVersionPresenter(
    { name: 'churn', version: '2' },
    client,
    host(posted),
  );
  client.notify(RegistryChangedNotification, { name: 'churn' });
  await settle();
  assert.equal(posted.length, 0, 'nothing before ready');
  await presenter.receive({ type: MessageType.Ready });
  client.notify(RegistryChangedNotification, { name: 'fraud' });
  await settle();
  assert.equal(posted.length, 1);
  client.notify(RegistryChangedNotification, { name: 'churn', version: '2' });
  await settle();
  client.notify(RegistryChangedNotification, { name: 'churn-v2', previousName: 'churn' });
  await settle();
  assert.equal(posted.length, 3);
  presenter.dispose();
  client.notify(RegistryChangedNotification, { name: 'churn' });
  await settle();
  assert.equal(posted.length, 3, 'nothing after dispose');
});

test('the views hand opening, copying and saving to the IDE', async () => {
  const calls: string[] = [];
  const presenter = new ModelVersionPresenter(
    { name: 'churn', version: '2' },
    fakeClient(),
    host([], calls),
  );
  await presenter.receive({ type: MessageType.OpenRun, runId: 'r1' });
  await presenter.receive({ type: MessageType.OpenModelVersion, name: 'churn', version: '1' });
  await presenter.receive({ type: MessageType.CopyText, text: 'import mlflow' });
  await presenter.receive({ type: MessageType.SaveFile, fileName: 'a.csv', content: 'x' });
  await presenter.receive({ type: MessageType.SelectEvalSet, evalSet: 'other' });
  assert.deepEqual(calls.slice(0, 4), [
    'run r1',
    'version churn/1',
    'copy import mlflow',
    'save a.csv',
  ]);
  assert.match(calls[4]!, /^log .*unhandled view message/);
});

test('the comparison asks for its versions, switches eval sets, and restarts on show', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const compared: string[] = [];
  const versions = [
    { name: 'churn', version: '1' },
    { name: 'churn', version: '2' },
  ];
  const presenter = new ModelComparePresenter(versions, client, {
    ...host(posted),
    compared: (result) => compared.push(result.evalSet ?? ''),
  });
  assert.deepEqual(presenter.modelNames, ['churn']);
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({ type: MessageType.SelectEvalSet, evalSet: 'recent' });
  await presenter.show([...versions, { name: 'fraud', version: '1' }]);
  assert.deepEqual(client.paramsOf('sextant/registry/compare'), [
    { versions },
    { versions, evalSet: 'recent' },
    { versions: [...versions, { name: 'fraud', version: '1' }] },
  ]);
  assert.deepEqual(compared, ['holdout', 'recent', 'holdout']);
  assert.deepEqual(
    posted.map((m) => m.type),
    Array(3).fill(MessageType.ModelCompareSnapshot),
  );
  client.notify(RegistryChangedNotification, { name: 'fraud', version: '1' });
  await settle();
  assert.equal(posted.length, 4);
  presenter.dispose();
});

test('restored state gives back what the views saved, and nothing from junk', () => {
  assert.deepEqual(restoredVersion({ name: 'churn', version: '3' }), {
    name: 'churn',
    version: '3',
  });
  assert.equal(restoredVersion({ name: 'churn' }), undefined);
  assert.equal(restoredVersion(undefined), undefined);
  const two = [
    { name: 'a', version: '1' },
    { name: 'a', version: '2' },
  ];
  assert.deepEqual(restoredModelComparison({ versions: two }), two);
  assert.equal(restoredModelComparison({ versions: [two[0]] }), undefined);
  assert.equal(restoredModelComparison({ versions: [two[0], 'x'] }), undefined);
});
