import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  ArtifactsListRequest,
  CellsFindRequest,
  CellsListRequest,
  ArtifactsReadRequest,
  ExperimentsChangedNotification,
  ExperimentsDeleteRequest,
  ExperimentsDeleteTagRequest,
  ExperimentsListRequest,
  ExperimentsRestoreRequest,
  ExperimentsSetTagRequest,
  MetricsAppendedNotification,
  MetricsHistoryRequest,
  RunsChangedNotification,
  RunsCompareRequest,
  RunsDeleteRequest,
  RunsDeleteTagRequest,
  RunsGetRequest,
  RunsRenameRequest,
  RunsRestoreRequest,
  RunsSearchRequest,
  RunsSetTagRequest,
  ServerChangedNotification,
  ServerInfoRequest,
  type SextantErrorData,
} from './protocol';
import {
  connectInMemory,
  mlflow,
  startSession,
  tempFolder,
  type TestSession,
} from './session.testing';

let session: TestSession;
let experimentId: string;
let runA: string;
let runB: string;
/** Points of run A's loss curve: 1, 1/2, ... 1/990; a batch holds at most 1000 entities. */
const LOSS_POINTS = 990;

const call = <T>(endpoint: string, body: unknown): Promise<T> =>
  mlflow<T>(session.sextant.trackingUri, endpoint, body);

async function createRun(name: string): Promise<string> {
  const { run } = await call<{ run: { info: { run_id: string } } }>('runs/create', {
    experiment_id: experimentId,
    run_name: name,
  });
  return run.info.run_id;
}

const points = (key: string, values: number[]) =>
  values.map((value, step) => ({ key, value, step, timestamp: 1_700_000_000_000 + step }));

async function uploadArtifact(runId: string, file: string, body: Buffer): Promise<void> {
  const response = await fetch(
    `${session.sextant.trackingUri}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${file}`,
    { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body },
  );
  assert.equal(response.status, 200, await response.text());
}

/** Asserts that a request fails with the given LSP code and MLflow error code. */
async function rejects(request: Promise<unknown>, code: number, errorCode: string): Promise<void> {
  await assert.rejects(request, (error: unknown) => {
    assert.ok(error instanceof ResponseError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal((error.data as SextantErrorData).errorCode, errorCode);
    return true;
  });
}

describe('language server over in-memory streams', { timeout: 20_000 }, () => {
  before(async () => {
    session = await startSession();
    ({ experiment_id: experimentId } = await call<{ experiment_id: string }>('experiments/create', {
      name: 'mnist',
    }));
    runA = await createRun('run-a');
    runB = await createRun('run-b');
    await call('runs/log-batch', {
      run_id: runA,
      params: [
        { key: 'lr', value: '0.1' },
        { key: 'batch', value: '32' },
      ],
      metrics: points(
        'loss',
        Array.from({ length: LOSS_POINTS }, (_, i) => 1 / (i + 1)),
      ),
    });
    await call('runs/log-batch', { run_id: runA, metrics: points('acc', [0.5, 0.9]) });
    await call('runs/log-batch', {
      run_id: runB,
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'batch', value: '32' },
        { key: 'dropout', value: '0.2' },
      ],
      metrics: points('loss', [2, 0.5, 1]),
    });
  });
  after(() => session.close());

  it('opens the store in the workspace and starts the tracking endpoint on loopback', async () => {
    assert.equal(session.sextant.storeDir, path.join(session.folder, '.sextant'));
    assert.match(session.sextant.trackingUri, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await session.client.sendRequest(ServerInfoRequest), session.sextant);
    const health = await fetch(`${session.sextant.trackingUri}/health`);
    assert.equal(await health.text(), 'OK');
    const published = JSON.parse(
      fs.readFileSync(path.join(session.sextant.storeDir, 'server.json'), 'utf8'),
    ) as { url: string };
    assert.equal(published.url, session.sextant.trackingUri);
  });

  it('lists experiments, including those created over HTTP', async () => {
    const { experiments } = await session.client.sendRequest(ExperimentsListRequest, {});
    assert.deepEqual(experiments.map((e) => e.name).sort(), ['Default', 'mnist']);
    await session.inbox.next(
      ExperimentsChangedNotification,
      (n) => n.experimentId === experimentId,
    );
  });

  it('finds runs logged through the HTTP endpoint, as summaries, in pages', async () => {
    const first = await session.client.sendRequest(RunsSearchRequest, {
      experimentIds: [experimentId],
      orderBy: ['attributes.run_name ASC'],
      maxResults: 1,
    });
    assert.deepEqual(
      first.runs.map((r) => r.runName),
      ['run-a'],
    );
    assert.deepEqual(first.runs[0]?.metrics, { acc: 0.9, loss: 1 / LOSS_POINTS });
    assert.equal(first.runs[0]?.status, 'RUNNING');
    assert.ok(first.nextPageToken);
    const second = await session.client.sendRequest(RunsSearchRequest, {
      experimentIds: [experimentId],
      orderBy: ['attributes.run_name ASC'],
      maxResults: 1,
      pageToken: first.nextPageToken,
      metricKeys: ['loss'],
    });
    assert.deepEqual(
      second.runs.map((r) => [r.runName, r.metrics]),
      [['run-b', { loss: 1 }]],
    );
    const filtered = await session.client.sendRequest(RunsSearchRequest, {
      experimentIds: [experimentId],
      filter: "params.lr = '0.01'",
    });
    assert.deepEqual(
      filtered.runs.map((r) => r.runId),
      [runB],
    );
    assert.equal(filtered.runs[0]?.params, undefined);
    const withData = await session.client.sendRequest(RunsSearchRequest, {
      experimentIds: [experimentId],
      filter: "params.lr = '0.01'",
      withData: true,
    });
    assert.deepEqual(withData.runs[0]?.params, { lr: '0.01', batch: '32', dropout: '0.2' });
    assert.ok(withData.runs[0]?.tags);
  });

  it('gets a run in full', async () => {
    const run = await session.client.sendRequest(RunsGetRequest, { runId: runB });
    assert.equal(run.info.runName, 'run-b');
    assert.deepEqual(run.data.params.map((p) => p.key).sort(), ['batch', 'dropout', 'lr']);
  });

  it('notifies when metrics are logged, with the latest points', async () => {
    const appended = session.inbox.next(
      MetricsAppendedNotification,
      (n) => n.runId === runB && n.keys.includes('val_loss'),
    );
    await call('runs/log-metric', {
      run_id: runB,
      key: 'val_loss',
      value: 0.25,
      step: 7,
      timestamp: 1,
    });
    const notification = await appended;
    assert.equal(notification.experimentId, experimentId);
    assert.deepEqual(
      notification.latest.map((m) => [m.key, m.value, m.step]),
      [['val_loss', 0.25, 7]],
    );
  });

  it('coalesces a burst of logged metrics and still delivers the last state', async () => {
    const keys = ['burst_a', 'burst_b', 'burst_c', 'burst_d'];
    for (const [i, key] of keys.entries()) {
      await call('runs/log-metric', { run_id: runA, key, value: i, step: 0, timestamp: 1 });
    }
    await session.inbox.next(MetricsAppendedNotification, (n) => n.keys.includes('burst_d'));
    const burst = session.inbox
      .all(MetricsAppendedNotification)
      .filter((n) => n.runId === runA && n.keys.some((k) => k.startsWith('burst_')));
    assert.deepEqual([...new Set(burst.flatMap((n) => n.keys))].sort(), keys);
    assert.ok(burst.length <= keys.length);
  });

  it('downsamples metric history to the point budget, several runs in one request', async () => {
    const { series } = await session.client.sendRequest(MetricsHistoryRequest, {
      runIds: [runA, runB],
      keys: ['loss'],
      budget: 100,
    });
    assert.deepEqual(
      series.map((s) => [s.runId, s.key]),
      [
        [runA, 'loss'],
        [runB, 'loss'],
      ],
    );
    const [a, b] = series;
    assert.ok(a && b);
    assert.equal(a.total, LOSS_POINTS);
    assert.ok(a.downsampled && a.steps.length <= 100, `${a.steps.length} points`);
    assert.equal(a.values[0], 1);
    assert.equal(a.values.at(-1), 1 / LOSS_POINTS);
    assert.deepEqual(b.values, [2, 0.5, 1]);
    const all = await session.client.sendRequest(MetricsHistoryRequest, { runIds: [runB] });
    assert.deepEqual(
      all.series.map((s) => s.key),
      ['loss', 'val_loss'],
    );
    await rejects(
      session.client.sendRequest(MetricsHistoryRequest, { runIds: [runA], budget: 2 }),
      ErrorCodes.InvalidParams,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('compares runs: which params differ, and latest/min/max of each metric', async () => {
    const result = await session.client.sendRequest(RunsCompareRequest, { runIds: [runA, runB] });
    assert.deepEqual(
      result.runs.map((r) => r.runId),
      [runA, runB],
    );
    assert.deepEqual(
      result.params.map((p) => [p.key, p.values, p.differs]),
      [
        ['batch', ['32', '32'], false],
        ['dropout', [null, '0.2'], true],
        ['lr', ['0.1', '0.01'], true],
      ],
    );
    const loss = result.metrics.find((m) => m.key === 'loss');
    assert.deepEqual(loss?.runs, [
      { latest: 1 / LOSS_POINTS, step: LOSS_POINTS - 1, min: 1 / LOSS_POINTS, max: 1 },
      { latest: 1, step: 2, min: 0.5, max: 2 },
    ]);
    assert.deepEqual(result.metrics.find((m) => m.key === 'acc')?.runs[1], null);
  });

  it('lists and reads artifacts as text or base64, with a size cap', async () => {
    await uploadArtifact(runA, 'model/MLmodel', Buffer.from('flavors:\n  onnx: {}\n'));
    await uploadArtifact(runA, 'weights.bin', Buffer.from([0, 1, 2, 255]));
    const root = await session.client.sendRequest(ArtifactsListRequest, { runId: runA });
    assert.match(root.rootUri, new RegExp(`^mlflow-artifacts:/${experimentId}/${runA}/artifacts$`));
    assert.deepEqual(root.files, [
      { path: 'model', isDir: true },
      { path: 'weights.bin', isDir: false, fileSize: 4 },
    ]);
    const model = await session.client.sendRequest(ArtifactsListRequest, {
      runId: runA,
      path: 'model',
    });
    assert.deepEqual(
      model.files.map((f) => f.path),
      ['model/MLmodel'],
    );

    const text = await session.client.sendRequest(ArtifactsReadRequest, {
      runId: runA,
      path: 'model/MLmodel',
    });
    assert.deepEqual(text, {
      path: 'model/MLmodel',
      size: 20,
      encoding: 'utf8',
      content: 'flavors:\n  onnx: {}\n',
      truncated: false,
    });
    const binary = await session.client.sendRequest(ArtifactsReadRequest, {
      runId: runA,
      path: 'weights.bin',
    });
    assert.equal(binary.encoding, 'base64');
    assert.deepEqual([...Buffer.from(binary.content, 'base64')], [0, 1, 2, 255]);
    const head = await session.client.sendRequest(ArtifactsReadRequest, {
      runId: runA,
      path: 'model/MLmodel',
      maxBytes: 8,
    });
    assert.deepEqual([head.content, head.truncated, head.size], ['flavors:', true, 20]);

    await rejects(
      session.client.sendRequest(ArtifactsReadRequest, { runId: runA, path: '../../etc/passwd' }),
      ErrorCodes.InvalidParams,
      'INVALID_PARAMETER_VALUE',
    );
    await rejects(
      session.client.sendRequest(ArtifactsReadRequest, { runId: runA, path: 'missing.txt' }),
      LSPErrorCodes.RequestFailed,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('deletes, restores, renames and tags runs, and notifies each change', async () => {
    const deleted = await session.client.sendRequest(RunsDeleteRequest, { runId: runB });
    assert.equal(deleted.lifecycleStage, 'deleted');
    await session.inbox.next(
      RunsChangedNotification,
      (n) => n.run.runId === runB && n.run.lifecycleStage === 'deleted',
    );
    const active = await session.client.sendRequest(RunsSearchRequest, {
      experimentIds: [experimentId],
    });
    assert.deepEqual(
      active.runs.map((r) => r.runId),
      [runA],
    );
    const restored = await session.client.sendRequest(RunsRestoreRequest, { runId: runB });
    assert.equal(restored.lifecycleStage, 'active');

    const renamed = await session.client.sendRequest(RunsRenameRequest, {
      runId: runB,
      name: 'baseline',
    });
    assert.equal(renamed.runName, 'baseline');
    await session.inbox.next(RunsChangedNotification, (n) => n.run.runName === 'baseline');

    await session.client.sendRequest(RunsSetTagRequest, {
      runId: runB,
      key: 'stage',
      value: 'best',
    });
    const run = await session.client.sendRequest(RunsGetRequest, { runId: runB });
    assert.ok(run.data.tags.some((t) => t.key === 'stage' && t.value === 'best'));
    await rejects(
      session.client.sendRequest(RunsRenameRequest, { runId: runB, name: '  ' }),
      ErrorCodes.InvalidParams,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('deletes a run tag, and deletes, restores and tags an experiment', async () => {
    await session.client.sendRequest(RunsSetTagRequest, { runId: runB, key: 'note', value: 'x' });
    await session.client.sendRequest(RunsDeleteTagRequest, { runId: runB, key: 'note' });
    const run = await session.client.sendRequest(RunsGetRequest, { runId: runB });
    assert.ok(!run.data.tags.some((t) => t.key === 'note'));
    await rejects(
      session.client.sendRequest(RunsDeleteTagRequest, { runId: runB, key: 'note' }),
      LSPErrorCodes.RequestFailed,
      'RESOURCE_DOES_NOT_EXIST',
    );

    const tagged = await session.client.sendRequest(ExperimentsSetTagRequest, {
      experimentId,
      key: 'mlflow.note.content',
      value: '# About',
    });
    assert.ok(tagged.tags.some((t) => t.key === 'mlflow.note.content' && t.value === '# About'));
    const untagged = await session.client.sendRequest(ExperimentsDeleteTagRequest, {
      experimentId,
      key: 'mlflow.note.content',
    });
    assert.ok(!untagged.tags.some((t) => t.key === 'mlflow.note.content'));

    const deleted = await session.client.sendRequest(ExperimentsDeleteRequest, { experimentId });
    assert.equal(deleted.lifecycleStage, 'deleted');
    const listed = async (viewType: 'ACTIVE_ONLY' | 'DELETED_ONLY') =>
      (await session.client.sendRequest(ExperimentsListRequest, { viewType })).experiments.map(
        (e) => e.experimentId,
      );
    assert.ok(!(await listed('ACTIVE_ONLY')).includes(experimentId));
    assert.ok((await listed('DELETED_ONLY')).includes(experimentId));
    const restored = await session.client.sendRequest(ExperimentsRestoreRequest, { experimentId });
    assert.equal(restored.lifecycleStage, 'active');
    await rejects(
      session.client.sendRequest(ExperimentsSetTagRequest, { experimentId, key: '', value: 'v' }),
      ErrorCodes.InvalidParams,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('lists the notebook cells a run recorded and finds the latest run of each cell', async () => {
    const cell = (id: string, source: string, start: number) => ({
      cell_id: id,
      execution_count: start,
      source,
      start_time: start,
      duration_ms: 3,
      status: 'ok',
      logged: { params: [], metrics: ['loss'], tags: [] },
    });
    const response = await fetch(`${session.sextant.trackingUri}/api/2.0/sextant/cells/log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        run_id: runB,
        cells: [cell('c1', 'a = 1', 1), cell('c2', 'b = 2', 2)],
      }),
    });
    assert.equal(response.status, 200, await response.text());
    const { cells } = await session.client.sendRequest(CellsListRequest, { runId: runB });
    assert.deepEqual(
      cells.map((c) => [c.cellId, c.source, c.runId, c.logged.metrics]),
      [
        ['c1', 'a = 1', runB, ['loss']],
        ['c2', 'b = 2', runB, ['loss']],
      ],
    );
    const found = await session.client.sendRequest(CellsFindRequest, { cellIds: ['c2', 'nope'] });
    assert.deepEqual(
      found.cells.map((c) => c.cellId),
      ['c2'],
    );
  });

  it('answers unknown runs and bad params with an error naming the problem', async () => {
    await assert.rejects(
      session.client.sendRequest(RunsGetRequest, { runId: 'nope' }),
      (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, LSPErrorCodes.RequestFailed);
        assert.deepEqual(error.data, { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
        assert.match(error.message, /nope/);
        return true;
      },
    );
    await rejects(
      session.client.sendRequest(RunsDeleteRequest, { runId: 'nope' }),
      LSPErrorCodes.RequestFailed,
      'RESOURCE_DOES_NOT_EXIST',
    );
    await rejects(
      session.client.sendRequest(RunsCompareRequest, { runIds: [runA, 'nope'] }),
      LSPErrorCodes.RequestFailed,
      'RESOURCE_DOES_NOT_EXIST',
    );
    await rejects(
      session.client.sendRequest(RunsGetRequest, {} as { runId: string }),
      ErrorCodes.InvalidParams,
      'INVALID_PARAMETER_VALUE',
    );
  });
});

describe('store selection', { timeout: 20_000 }, () => {
  it('refuses requests before initialize', async () => {
    const { client } = connectInMemory();
    await assert.rejects(client.sendRequest(ServerInfoRequest), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, ErrorCodes.ServerNotInitialized);
      return true;
    });
    client.dispose();
  });

  it('takes the store from initializationOptions, then moves when sextant.storeDir changes', async () => {
    const custom = tempFolder();
    const moved = await startSession({ initializationOptions: { storeDir: custom } });
    try {
      assert.equal(moved.sextant.storeDir, custom);
      const changed = moved.inbox.next(ServerChangedNotification);
      await moved.client.sendNotification('workspace/didChangeConfiguration', {
        settings: { sextant: { storeDir: 'stores/team' } },
      });
      const info = await changed;
      assert.equal(info.storeDir, path.join(moved.folder, 'stores', 'team'));
      assert.notEqual(info.trackingUri, moved.sextant.trackingUri);
      assert.deepEqual(await moved.client.sendRequest(ServerInfoRequest), info);
      const { run } = await mlflow<{ run: { info: { run_id: string } } }>(
        info.trackingUri,
        'runs/create',
        {},
      );
      const found = await moved.client.sendRequest(RunsSearchRequest, { experimentIds: ['0'] });
      assert.deepEqual(
        found.runs.map((r) => r.runId),
        [run.info.run_id],
      );
    } finally {
      await moved.close();
      fs.rmSync(custom, { recursive: true, force: true });
    }
  });
});
