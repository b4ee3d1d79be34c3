import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  MetricsAppendedParams,
  MetricsHistoryParams,
  RunsChangedParams,
  SampledSeries,
} from '@sextant/language-server/dist/protocol';
import { MessageType, type HostMessage } from '@sextant/media/dist/lib/contract';
import { Emitter, type SextantApi } from '../api';
import { restoredSubject, ViewPresenter } from './presenter';

const series = (runId: string, key: string, n: number): SampledSeries => ({
  runId,
  key,
  total: n,
  steps: Array.from({ length: n }, (_, i) => i),
  timestamps: Array.from({ length: n }, (_, i) => i),
  values: Array.from({ length: n }, (_, i) => i),
  downsampled: false,
});

function fakeApi() {
  const appended = new Emitter<MetricsAppendedParams>();
  const changed = new Emitter<RunsChangedParams>();
  const historyCalls: MetricsHistoryParams[] = [];
  const api = {
    info: undefined,
    onMetricsAppended: appended.event,
    onRunsChanged: changed.event,
    compareRuns: async (runIds: string[]) => ({ runs: [], params: [], metrics: [], runIds }),
    metricHistory: async (params: MetricsHistoryParams) => {
      historyCalls.push(params);
      return {
        series: params.runIds.flatMap((id) =>
          (params.keys ?? ['loss']).map((k) => series(id, k, 3)),
        ),
      };
    },
  } as unknown as SextantApi;
  return { api, appended, historyCalls };
}

const noActions = {
  openRun: () => undefined,
  saveFile: () => undefined,
  downloadArtifact: () => undefined,
  log: () => undefined,
};

test('ready is answered with a whole snapshot of the compared runs', async () => {
  const { api, historyCalls } = fakeApi();
  const posted: HostMessage[] = [];
  const presenter = new ViewPresenter(
    { view: 'compare', runIds: ['a', 'b'] },
    api,
    (m) => posted.push(m),
    noActions,
    () => 500,
  );
  await presenter.receive({ type: MessageType.Ready });
  assert.equal(posted.length, 1);
  assert.equal(posted[0]!.type, MessageType.CompareSnapshot);
  assert.deepEqual(historyCalls[0], { runIds: ['a', 'b'], budget: 500 });
  presenter.dispose();
});

test('nothing is pushed before ready; points of a shown run are re-requested and pushed', async () => {
  const { api, historyCalls } = fakeApi();
  const posted: HostMessage[] = [];
  const presenter = new ViewPresenter(
    { view: 'compare', runIds: ['a'] },
    api,
    (m) => posted.push(m),
    noActions,
    () => 100,
  );
  const event = { runId: 'a', experimentId: '1', keys: ['loss'], latest: [] };
  await presenter.metricsAppended(event);
  assert.equal(posted.length, 0);
  await presenter.receive({ type: MessageType.Ready });
  await presenter.metricsAppended({ ...event, runId: 'other' });
  await presenter.metricsAppended(event);
  assert.deepEqual(
    posted.map((m) => m.type),
    [MessageType.CompareSnapshot, MessageType.SeriesUpdate],
  );
  assert.deepEqual(historyCalls.at(-1), { runIds: ['a'], keys: ['loss'], budget: 100 });
  presenter.dispose();
});

test('view requests reach the actions; unknown messages are logged', async () => {
  const { api } = fakeApi();
  const calls: string[] = [];
  const presenter = new ViewPresenter(
    { view: 'run', runId: 'a' },
    api,
    () => undefined,
    {
      openRun: (id) => calls.push(`open ${id}`),
      saveFile: (name) => calls.push(`save ${name}`),
      downloadArtifact: (runId, path) => calls.push(`download ${runId} ${path}`),
      log: (message) => calls.push(`log ${message}`),
    },
    () => 100,
  );
  await presenter.receive({ type: MessageType.OpenRun, runId: 'b' });
  await presenter.receive({ type: MessageType.SaveFile, fileName: 'x.csv', content: '' });
  await presenter.receive({ type: 'bogus' });
  assert.deepEqual(calls.slice(0, 2), ['open b', 'save x.csv']);
  assert.match(calls[2]!, /^log Sextant: a view sent a message of unknown type/);
  presenter.dispose();
});

test('a restored view gets back its runs from the state it saved', () => {
  assert.deepEqual(restoredSubject('compare', { runIds: ['a', 'b'], onlyDifferences: true }), {
    view: 'compare',
    runIds: ['a', 'b'],
  });
  assert.deepEqual(restoredSubject('run', { runId: 'a' }), { view: 'run', runId: 'a' });
  assert.equal(restoredSubject('compare', undefined), undefined);
  assert.equal(restoredSubject('run', { runIds: ['a'] }), undefined);
});

test('artifact previews: images as base64 up to 8 MiB, text up to 256 KiB, others refused', async () => {
  const reads: unknown[] = [];
  const api = {
    onMetricsAppended: new Emitter<MetricsAppendedParams>().event,
    onRunsChanged: new Emitter<RunsChangedParams>().event,
    readArtifact: async (params: { path: string }) => {
      reads.push(params);
      if (params.path === 'gone.txt') throw new Error('RESOURCE_DOES_NOT_EXIST: gone.txt');
      return { path: params.path, size: 3, encoding: 'utf8', content: 'abc', truncated: false };
    },
    listArtifacts: async (params: { path: string }) => ({
      rootUri: 'x',
      files: [{ path: `${params.path}/a.png`, isDir: false, fileSize: 3 }],
    }),
  } as unknown as SextantApi;
  const posted: HostMessage[] = [];
  const downloads: string[] = [];
  const presenter = new ViewPresenter(
    { view: 'run', runId: 'r1' },
    api,
    (m) => posted.push(m),
    { ...noActions, downloadArtifact: (runId, path) => downloads.push(`${runId}:${path}`) },
    () => 100,
  );
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'plots/a.png' });
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'notes.txt' });
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'model.pkl' });
  await presenter.receive({ type: MessageType.ReadArtifact, path: 'gone.txt' });
  await presenter.receive({ type: MessageType.ListArtifacts, path: 'plots' });
  await presenter.receive({ type: MessageType.DownloadArtifact, path: 'model.pkl' });
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
  assert.deepEqual(downloads, ['r1:model.pkl']);
  presenter.dispose();
});

test('an artifact to reveal waits for the run snapshot', async () => {
  const api = {
    onMetricsAppended: new Emitter<MetricsAppendedParams>().event,
    onRunsChanged: new Emitter<RunsChangedParams>().event,
    getRun: async () => ({ info: { runId: 'r1' } }),
    listArtifacts: async () => ({ rootUri: 'x', files: [] }),
    metricHistory: async () => ({ series: [] }),
  } as unknown as SextantApi;
  const posted: HostMessage[] = [];
  const presenter = new ViewPresenter(
    { view: 'run', runId: 'r1' },
    api,
    (m) => posted.push(m),
    noActions,
    () => 100,
  );
  presenter.reveal('plot.png');
  assert.equal(posted.length, 0);
  await presenter.receive({ type: MessageType.Ready });
  assert.deepEqual(
    posted.map((m) => m.type),
    [MessageType.RunSnapshot, MessageType.RevealArtifact],
  );
  presenter.reveal('other.png');
  assert.deepEqual(posted.at(-1), { type: MessageType.RevealArtifact, path: 'other.png' });
  presenter.dispose();
});
