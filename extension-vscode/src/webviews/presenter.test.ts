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

const noActions = { openRun: () => undefined, saveFile: () => undefined, log: () => undefined };

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
