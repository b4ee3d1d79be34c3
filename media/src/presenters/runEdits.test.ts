import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyValue } from '@sextant/language-server/protocol';
import { MessageType, type HostMessage } from '../contract';
import { FakeClient } from './fakeClient.testing';
import { RunPresenter } from './run';

/** A store of one run whose tags the fake edits as the server does (a missing key is an error). */
function store() {
  const tags: KeyValue[] = [{ key: 'team', value: 'x' }];
  const client = new FakeClient({
    'sextant/runs/get': ({ runId }: { runId: string }) => ({
      info: { runId, runName: 'r' },
      data: { params: [], metrics: [], tags: [...tags] },
    }),
    'sextant/artifacts/list': () => ({ rootUri: 'x', files: [] }),
    'sextant/metrics/history': () => ({ series: [] }),
    'sextant/registry/runModels': () => ({ models: [] }),
    'sextant/runs/setTag': ({ key, value }: KeyValue) => {
      if (key === '') throw new Error('INVALID_PARAMETER_VALUE: a tag key cannot be empty');
      const at = tags.findIndex((t) => t.key === key);
      if (at >= 0) tags.splice(at, 1);
      tags.push({ key, value });
      return {};
    },
    'sextant/runs/deleteTag': ({ key }: { key: string }) => {
      const at = tags.findIndex((t) => t.key === key);
      if (at < 0) throw new Error(`RESOURCE_DOES_NOT_EXIST: no tag ${key}`);
      tags.splice(at, 1);
      return {};
    },
  });
  return { client, tags };
}

const lastTags = (posted: HostMessage[]): KeyValue[] => {
  const snapshot = posted.filter((m) => m.type === MessageType.RunSnapshot).at(-1);
  return snapshot?.type === MessageType.RunSnapshot ? snapshot.run.data.tags : [];
};

test('the note and tags are set and deleted on the run, and the view gets the run anew', async () => {
  const { client } = store();
  const posted: HostMessage[] = [];
  const presenter = new RunPresenter('r1', client, {
    post: (m) => posted.push(m),
    log: () => undefined,
    openRun: () => undefined,
    saveFile: () => undefined,
    downloadArtifact: () => undefined,
  });
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({
    type: MessageType.SetRunTag,
    key: 'mlflow.note.content',
    value: '# Baseline',
  });
  await presenter.receive({ type: MessageType.SetRunTag, key: 'team', value: 'y' });
  await presenter.receive({ type: MessageType.DeleteRunTag, key: 'team' });
  assert.deepEqual(client.paramsOf('sextant/runs/setTag'), [
    { runId: 'r1', key: 'mlflow.note.content', value: '# Baseline' },
    { runId: 'r1', key: 'team', value: 'y' },
  ]);
  assert.deepEqual(client.paramsOf('sextant/runs/deleteTag'), [{ runId: 'r1', key: 'team' }]);
  assert.deepEqual(lastTags(posted), [{ key: 'mlflow.note.content', value: '# Baseline' }]);
  assert.equal(posted.filter((m) => m.type === MessageType.RunSnapshot).length, 4);
  presenter.dispose();
});

test('a refused edit reaches the view with the server words, and no snapshot follows', async () => {
  const { client } = store();
  const posted: HostMessage[] = [];
  const presenter = new RunPresenter('r1', client, {
    post: (m) => posted.push(m),
    log: () => undefined,
    openRun: () => undefined,
    saveFile: () => undefined,
    downloadArtifact: () => undefined,
  });
  await presenter.receive({ type: MessageType.Ready });
  const before = posted.length;
  await presenter.receive({ type: MessageType.SetRunTag, key: '', value: 'v' });
  await presenter.receive({ type: MessageType.DeleteRunTag, key: 'nope' });
  const after = posted.slice(before).filter((m) => m.type !== MessageType.RunModels);
  assert.deepEqual(after, [
    {
      type: MessageType.RunEditFailed,
      key: '',
      error: 'INVALID_PARAMETER_VALUE: a tag key cannot be empty',
    },
    { type: MessageType.RunEditFailed, key: 'nope', error: 'RESOURCE_DOES_NOT_EXIST: no tag nope' },
  ]);
  presenter.dispose();
});
