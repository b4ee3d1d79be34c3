import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RunsChangedNotification,
  type RunsSearchParams,
  type RunSummary,
} from '@sextant/language-server/protocol';
import { MessageType, type HostMessage, type RunsTableSnapshot } from '../contract';
import { runSummary } from '../runs/fixtures.testing';
import { FakeClient } from './fakeClient.testing';
import { oneLine, restoredRunsTable, RunsTablePresenter, type RunsTableHost } from './runsTable';

const RUNS: RunSummary[] = [
  runSummary('a', {
    startTime: 1000,
    endTime: 9000,
    metrics: { accuracy: 0.9, loss: 0.3 },
    params: { lr: '0.1', model: 'rf' },
    tags: { team: 'x' },
  }),
  runSummary('b', {
    startTime: 2000,
    endTime: 3000,
    metrics: { accuracy: 0.95, loss: 0.2 },
    params: { lr: '0.01', model: 'rf' },
  }),
];

/** A store of RUNS that filters only `params.lr = '0.01'`, refuses other filters as MLflow does. */
function fakeClient(pageSize = 1000) {
  return new FakeClient({
    'sextant/experiments/list': () => ({
      experiments: [{ experimentId: '1', name: 'iris' }],
    }),
    'sextant/runs/search': (params: RunsSearchParams) => {
      let runs = RUNS;
      if (params.filter === "params.lr = '0.01'") runs = RUNS.filter((r) => r.runId === 'b');
      else if (params.filter) {
        throw Object.assign(
          new Error(`Invalid filter '${params.filter}': expected a comparison.\nsee the docs`),
          { data: { errorCode: 'INVALID_PARAMETER_VALUE' } },
        );
      }
      const start = Number(params.pageToken ?? 0);
      const end = start + Math.min(pageSize, params.maxResults ?? 100);
      return {
        runs: runs.slice(start, end),
        ...(end < runs.length ? { nextPageToken: String(end) } : {}),
      };
    },
  });
}

function host(posted: HostMessage[], calls: string[] = []): RunsTableHost {
  return {
    post: (m) => posted.push(m),
    log: (message) => calls.push(`log ${message}`),
    openRun: (id) => calls.push(`open ${id}`),
    compare: (ids) => calls.push(`compare ${ids.join(',')}`),
    shown: (names) => calls.push(`shown ${names.join(',')}`),
  };
}

const last = (posted: HostMessage[]): RunsTableSnapshot => {
  const snapshot = posted.at(-1);
  assert.equal(snapshot?.type, MessageType.RunsTableSnapshot);
  return snapshot as RunsTableSnapshot;
};

test('the runs table answers ready with every run, its keys and values, in pages', async () => {
  const client = fakeClient(1);
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const presenter = new RunsTablePresenter(['1'], client, host(posted, calls));
  await presenter.receive({ type: MessageType.Ready });
  const snapshot = last(posted);
  assert.deepEqual(snapshot.experiments, ['iris']);
  assert.deepEqual(snapshot.experimentIds, ['1']);
  assert.deepEqual(
    snapshot.runs.map((r) => r.runId),
    ['a', 'b'],
  );
  assert.equal(snapshot.truncated, false);
  assert.deepEqual(snapshot.keys, {
    metrics: ['accuracy', 'loss'],
    params: ['lr', 'model'],
    tags: ['team'],
  });
  assert.deepEqual(snapshot.values['params.lr'], ['0.01', '0.1']);
  assert.deepEqual(snapshot.defaultColumns, ['metrics.accuracy', 'metrics.loss', 'params.lr']);
  assert.deepEqual(snapshot.sort, { column: 'start', descending: true });
  const searches = client.paramsOf('sextant/runs/search') as RunsSearchParams[];
  assert.ok(searches.every((p) => p.withData === true));
  assert.ok(
    searches.some((p) => p.pageToken === '1'),
    'follows the next page',
  );
  assert.deepEqual(searches.at(-1)?.orderBy, ['attributes.start_time DESC']);
  assert.deepEqual(calls, ['shown iris']);
});

test('a query filters and sorts on the server; duration sorts in the table', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const presenter = new RunsTablePresenter(['1'], client, host(posted));
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({
    type: MessageType.QueryRuns,
    filter: " params.lr = '0.01' ",
    sort: { column: 'metrics.loss', descending: false },
  });
  const search = (client.paramsOf('sextant/runs/search') as RunsSearchParams[]).at(-1)!;
  assert.equal(search.filter, "params.lr = '0.01'");
  assert.deepEqual(search.orderBy, ['metrics.`loss` ASC']);
  assert.deepEqual(
    last(posted).runs.map((r) => r.runId),
    ['b'],
  );
  assert.deepEqual(last(posted).keys.params, ['lr', 'model'], 'keys come from every run');
  assert.deepEqual(last(posted).defaultColumns, ['metrics.accuracy', 'metrics.loss', 'params.lr']);

  await presenter.receive({
    type: MessageType.QueryRuns,
    filter: '',
    sort: { column: 'duration', descending: true },
  });
  const unordered = (client.paramsOf('sextant/runs/search') as RunsSearchParams[]).at(-1)!;
  assert.equal(unordered.orderBy, undefined);
  assert.deepEqual(
    last(posted).runs.map((r) => r.runId),
    ['a', 'b'],
  );
  await presenter.receive({
    type: MessageType.QueryRuns,
    filter: '',
    sort: { column: 'duration', descending: false },
  });
  assert.deepEqual(
    last(posted).runs.map((r) => r.runId),
    ['b', 'a'],
  );
});

test('a refused filter keeps the last rows and says why on one line', async () => {
  const posted: HostMessage[] = [];
  const presenter = new RunsTablePresenter(['1'], fakeClient(), host(posted));
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({
    type: MessageType.QueryRuns,
    filter: 'test_accuracy > 0.98',
    sort: { column: 'start', descending: true },
  });
  const snapshot = last(posted);
  assert.equal(
    snapshot.error,
    "Invalid filter 'test_accuracy > 0.98': expected a comparison. see the docs",
  );
  assert.equal(snapshot.filter, 'test_accuracy > 0.98');
  assert.deepEqual(
    snapshot.runs.map((r) => r.runId),
    ['a', 'b'],
  );
  await presenter.receive({
    type: MessageType.QueryRuns,
    filter: '',
    sort: { column: 'start', descending: true },
  });
  assert.equal(last(posted).error, undefined);
});

test('selection goes to compare, a double-click opens the run', async () => {
  const calls: string[] = [];
  const presenter = new RunsTablePresenter(['1'], fakeClient(), host([], calls));
  await presenter.receive({ type: MessageType.CompareRuns, runIds: ['a', 'b'] });
  await presenter.receive({ type: MessageType.OpenRun, runId: 'b' });
  assert.deepEqual(calls, ['compare a,b', 'open b']);
});

test('a changed run of the experiments brings a new snapshot; others do not', async () => {
  const client = fakeClient();
  const posted: HostMessage[] = [];
  const presenter = new RunsTablePresenter(['1'], client, host(posted));
  await presenter.receive({ type: MessageType.Ready });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  const before = posted.length;
  client.notify(RunsChangedNotification, { run: runSummary('z', { experimentId: '7' }) });
  await settle();
  assert.equal(posted.length, before);
  client.notify(RunsChangedNotification, { run: runSummary('a') });
  await settle();
  assert.equal(posted.length, before + 1);
  presenter.dispose();
});

test('restoredRunsTable reads the experiments a view saved', () => {
  assert.deepEqual(restoredRunsTable({ experimentIds: ['1', 2] }), ['1', '2']);
  assert.equal(restoredRunsTable({ experimentIds: [] }), undefined);
  assert.equal(restoredRunsTable(undefined), undefined);
});

test('oneLine joins lines and drops repeats', () => {
  assert.equal(oneLine('bad filter\nbad filter\n  at x  '), 'bad filter at x');
});
