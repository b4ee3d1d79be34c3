import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MetricsAppendedNotification,
  RunsChangedNotification,
  type MetricsHistoryParams,
  type RunSummary,
  type SampledSeries,
} from '@sextant/language-server/protocol';
import { MessageType, type HostMessage } from '../contract';
import { ComparePresenter, restoredComparison } from './compare';
import { FakeClient } from './fakeClient.testing';
import { RunPresenter, restoredRun } from './run';
import type { RunViewHost } from './run';

const series = (runId: string, key: string, n: number): SampledSeries => ({
  runId,
  key,
  total: n,
  steps: Array.from({ length: n }, (_, i) => i),
  timestamps: Array.from({ length: n }, (_, i) => i),
  values: Array.from({ length: n }, (_, i) => i),
  downsampled: false,
});

function fakeClient(extra = {}) {
  return new FakeClient({
    'sextant/runs/compare': ({ runIds }: { runIds: string[] }) => ({
      runs: runIds.map((runId) => ({ runId, runName: `name-${runId}` })),
      params: [],
      metrics: [],
    }),
    'sextant/metrics/history': (params: MetricsHistoryParams) => ({
      series: params.runIds.flatMap((id) => (params.keys ?? ['loss']).map((k) => series(id, k, 3))),
    }),
    'sextant/runs/get': ({ runId }: { runId: string }) => ({ info: { runId, runName: 'r' } }),
    'sextant/artifacts/list': ({ path }: { path?: string }) => ({
      rootUri: 'x',
      files: path ? [{ path: `${path}/a.png`, isDir: false, fileSize: 3 }] : [],
    }),
    ...extra,
  });
}

function host(posted: HostMessage[], calls: string[] = [], budget?: number): RunViewHost {
  return {
    post: (m) => posted.push(m),
    log: (message) => calls.push(`log ${message}`),
    openRun: (id) => calls.push(`open ${id}`),
    saveFile: (name) => calls.push(`save ${name}`),
    downloadArtifact: (runId, path) => calls.push(`download ${runId}:${path}`),
    ...(budget === undefined ? {} : { budget: () => budget }),
  };
}

const appended = { runId: 'a', experimentId: '1', keys: ['loss'], latest: [] };

test('ready is answered with a whole snapshot of the compared runs, within the point budget', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const names: string[] = [];
  const presenter = new ComparePresenter(['a', 'b'], client, {
    ...host(posted, [], 500),
    compared: (result) => names.push(...result.runs.map((r) => r.runName)),
  });
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(
    posted.map((m) => m.type),
    [MessageType.CompareSnapshot],
  );
  assert.deepEqual(client.paramsOf('sextant/metrics/history'), [
    { runIds: ['a', 'b'], budget: 500 },
  ]);
  assert.deepEqual(names, ['name-a', 'name-b']);
  presenter.dispose();
});

test('nothing is pushed before ready; only the series that grew are re-requested, with a budget', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const presenter = new ComparePresenter(['a'], client, host(posted));
  client.notify(MetricsAppendedNotification, appended);
  await presenter.metricsAppended(appended);
  assert.equal(posted.length, 0);
  await presenter.receive({ type: MessageType.Ready });
  await presenter.metricsAppended({ ...appended, runId: 'other' });
  await presenter.metricsAppended(appended);
  assert.deepEqual(
    posted.map((m) => m.type),
    [MessageType.CompareSnapshot, MessageType.SeriesUpdate],
  );
  assert.deepEqual(client.paramsOf('sextant/metrics/history').at(-1), {
    runIds: ['a'],
    keys: ['loss'],
    budget: 1000,
  });
  presenter.dispose();
});

test('a change of a shown run brings a new snapshot; of another run, none; none after dispose', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const presenter = new ComparePresenter(['a'], client, host(posted));
  await presenter.receive({ type: MessageType.Ready });
  const run = (runId: string) => ({ run: { runId } as RunSummary });
  client.notify(RunsChangedNotification, run('other'));
  client.notify(RunsChangedNotification, run('a'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(posted.filter((m) => m.type === MessageType.CompareSnapshot).length, 2);
  presenter.dispose();
  client.notify(RunsChangedNotification, run('a'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(posted.length, 2);
  await presenter.show(['b']);
  assert.deepEqual(presenter.runIds, ['b']);
});

test('view requests reach the host; unknown messages are logged', async () => {
  const calls: string[] = [];
  const presenter = new RunPresenter('a', fakeClient(), host([], calls));
  await presenter.receive({ type: MessageType.OpenRun, runId: 'b' });
  await presenter.receive({ type: MessageType.SaveFile, fileName: 'x.csv', content: '' });
  await presenter.receive({ type: 'bogus' });
  assert.deepEqual(calls.slice(0, 2), ['open b', 'save x.csv']);
  assert.match(calls[2]!, /^log Sextant: a view sent a message of unknown type/);
  presenter.dispose();
});

test('a restored view gets back its runs from the state it saved', () => {
  assert.deepEqual(restoredComparison({ runIds: ['a', 'b'], onlyDifferences: true }), ['a', 'b']);
  assert.equal(restoredRun({ runId: 'a' }), 'a');
  assert.equal(restoredComparison(undefined), undefined);
  assert.equal(restoredComparison({ runIds: [] }), undefined);
  assert.equal(restoredRun({ runIds: ['a'] }), undefined);
});

test('artifact previews: images as base64 up to 8 MiB, text up to 256 KiB, others refused', async () => {
  const client = fakeClient({
    'sextant/artifacts/read': (params: { path: string }) => {
      if (params.path === 'gone.txt') throw new Error('RESOURCE_DOES_NOT_EXIST: gone.txt');
      return { path: params.path, size: 3, encoding: 'utf8', content: 'abc', truncated: false };
    },
  });
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new RunPresenter('r1', client, host(posted, calls));
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'plots/a.png' });
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'notes.txt' });
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'model.pkl' });
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'gone.txt' });
  await presenter.receive({ type: MessageType.ListArtifacts, path: 'plots' });
  await presenter.receive({ type: MessageType.DownloadArtifact, path: 'model.pkl' });
  const reads = client.paramsOf('sextant/artifacts/read');
  assert.deepEqual(reads.slice(0, 2), [
    { runId: 'r1', path: 'plots/a.png', encoding: 'base64', maxBytes: 8 * 1024 * 1024 },
    { runId: 'r1', path: 'notes.txt', maxBytes: 256 * 1024 },
  ]);
  assert.equal(reads.length, 3, 'a file without a preview is not read');
  const contents = posted.filter((m) => m.type === MessageType.ArtifactContent);
  assert.equal(contents.length, 4);
  assert.equal(
    contents[1]!.type === MessageType.ArtifactContent && contents[1]!.result?.content,
    'abc',
  );
  assert.match(
    String(contents[2]!.type === MessageType.ArtifactContent && contents[2]!.error),
    /no preview/,
  );
  assert.match(
    String(contents[3]!.type === MessageType.ArtifactContent && contents[3]!.error),
    /gone\.txt/,
  );
  const listing = posted.find((m) => m.type === MessageType.ArtifactListing);
  assert.deepEqual(listing, {
    type: MessageType.ArtifactListing,
    path: 'plots',
    files: [{ path: 'plots/a.png', isDir: false, fileSize: 3 }],
  });
  assert.deepEqual(calls, ['download r1:model.pkl']);
  presenter.dispose();
});

test('an artifact to reveal waits for the run snapshot; the host hears of the run shown', async () => {
  const posted: HostMessage[] = [];
  const shown: string[] = [];
  const presenter = new RunPresenter('r1', fakeClient(), {
    ...host(posted),
    shown: (run) => shown.push(run.info.runId),
  });
  presenter.reveal('plot.png');
  assert.equal(posted.length, 0);
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(
    posted.map((m) => m.type).filter((t) => t !== MessageType.RunModels),
    [MessageType.RunSnapshot, MessageType.RevealArtifact],
  );
  presenter.reveal('other.png');
  assert.deepEqual(posted.at(-1), { type: MessageType.RevealArtifact, path: 'other.png' });
  assert.deepEqual(shown, ['r1']);
  presenter.dispose();
});

test("the run's models follow its snapshot, and Register goes to the host", async () => {
  const posted: HostMessage[] = [];
  const registered: string[] = [];
  const model = { source: 'runs:/r1/model', name: 'model', flavors: ['sklearn'] };
  const presenter = new RunPresenter(
    'r1',
    fakeClient({ 'sextant/registry/runModels': () => ({ models: [model] }) }),
    { ...host(posted), registerModel: (runId, source) => registered.push(`${runId} ${source}`) },
  );
  await presenter.receive({ type: MessageType.Ready });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    posted.find((m) => m.type === MessageType.RunModels),
    { type: MessageType.RunModels, models: [model] },
  );
  await presenter.receive({ type: MessageType.RegisterModel, source: model.source });
  assert.deepEqual(registered, ['r1 runs:/r1/model']);
  presenter.dispose();
});

test('a run whose models cannot be listed still shows, with the reason', async () => {
  const posted: HostMessage[] = [];
  const presenter = new RunPresenter('r1', fakeClient(), host(posted));
  await presenter.receive({ type: MessageType.Ready });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(posted[0]?.type, MessageType.RunSnapshot);
  assert.deepEqual(
    posted.find((m) => m.type === MessageType.RunModels),
    {
      type: MessageType.RunModels,
      models: [],
      error: 'no fake for sextant/registry/runModels',
    },
  );
  presenter.dispose();
});

test('a failed snapshot goes to the host (or to its log)', async () => {
  const client = new FakeClient({});
  const failures: string[] = [];
  const logged: string[] = [];
  const shown = new RunPresenter('r1', client, {
    ...host([], logged),
    failed: (error) => failures.push((error as Error).message),
  });
  await shown.receive({ type: MessageType.Ready });
  assert.deepEqual(failures, ['no fake for sextant/runs/get']);
  const plain = new ComparePresenter(['a'], client, host([], logged));
  await plain.receive({ type: MessageType.Ready });
  assert.match(logged[0]!, /^log Sextant: no fake for sextant\/runs\/compare/);
});
