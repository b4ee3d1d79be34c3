import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PipelinesChangedNotification,
  PipelinesLogNotification,
  PipelinesStatesChangedNotification,
  type PipelineRun,
} from '@sextant/language-server/protocol';
import { MessageType, type HostMessage } from '../contract';
import { FakeClient } from './fakeClient.testing';
import { PipelinePresenter, restoredPipeline, type PipelineViewHost } from './pipeline';

const FILE = '/ws/sextant.yaml';

const pipelineRun = (id: string, pipeline = 'train'): PipelineRun => ({
  pipelineRunId: id,
  pipeline,
  file: FILE,
  status: 'running',
  trigger: { kind: 'manual' },
  startTime: 1,
  forced: false,
  steps: [{ step: 'prep', status: 'running', compute: 'local', attempts: 1 }],
});

function fakes(overrides: Partial<PipelineViewHost> = {}) {
  const client = new FakeClient({
    'sextant/pipelines/graph': () => ({
      pipeline: 'train',
      file: FILE,
      nodes: [],
      edges: [],
      run: pipelineRun('r1'),
    }),
    'sextant/pipelines/stepLog': ({ step }: { step: string }) => {
      if (step === 'missing') {
        throw Object.assign(new Error('no log'), {
          data: { errorCode: 'RESOURCE_DOES_NOT_EXIST' },
        });
      }
      if (step === 'broken') throw new Error('disk on fire');
      return { stdout: `out of ${step}`, stderr: '', truncated: false };
    },
    'sextant/runs/get': ({ runId }: { runId: string }) => ({
      info: { runId, runName: 'step-run' },
      data: { params: [], metrics: [], tags: [] },
    }),
    'sextant/pipelines/run': () => ({ pipelineRunId: 'r9', plan: [] }),
    'sextant/pipelines/cancel': () => pipelineRun('r1'),
  });
  const calls: string[] = [];
  const posted: HostMessage[] = [];
  const host: PipelineViewHost = {
    post: (m) => posted.push(m),
    run: async (t) =>
      void calls.push(
        `run ${t.file} ${t.pipeline} ${t.step ?? '-'} ${t.force ? 'force' : ''}`.trim(),
      ),
    cancel: async (id) => void calls.push(`cancel ${id}`),
    openRun: (id) => void calls.push(`open ${id}`),
    log: (m) => void calls.push(`log ${m}`),
    ...overrides,
  };
  const presenter = new PipelinePresenter({ file: FILE, pipelineRunId: 'r0' }, client, host);
  return { presenter, client, calls, posted };
}

test('ready gets the graph (by the asked run first, the newest later) and names the pipeline', async () => {
  const { presenter, client } = fakes();
  await presenter.receive({ type: MessageType.Ready });
  const graphCalls = client.paramsOf('sextant/pipelines/graph');
  assert.deepEqual(graphCalls[0], { file: FILE, pipeline: undefined, pipelineRunId: 'r0' });
  assert.deepEqual(presenter.shown, { file: FILE, pipeline: 'train' });
  await presenter.show();
  assert.deepEqual(graphCalls.length, 1, 'paramsOf is a copy');
  assert.deepEqual(client.paramsOf('sextant/pipelines/graph')[1], {
    file: FILE,
    pipeline: 'train',
    pipelineRunId: undefined,
  });
  assert.ok(presenter.shows({ file: FILE, pipeline: 'train' }));
  assert.ok(!presenter.shows({ file: FILE, pipeline: 'other' }));
  presenter.dispose();
});

test('run changes and logs of this pipeline reach the view; others do not', async () => {
  const { presenter, client, posted } = fakes();
  client.notify(PipelinesChangedNotification, { run: pipelineRun('early') });
  assert.equal(posted.length, 0, 'nothing before ready');
  await presenter.receive({ type: MessageType.Ready });
  client.notify(PipelinesChangedNotification, { run: pipelineRun('r2') });
  client.notify(PipelinesChangedNotification, { run: pipelineRun('r3', 'other') });
  const chunk = { step: 'prep', stream: 'stdout' as const };
  client.notify(PipelinesLogNotification, { ...chunk, pipelineRunId: 'r2', text: 'hi' });
  client.notify(PipelinesLogNotification, { ...chunk, pipelineRunId: 'r3', text: 'not mine' });
  assert.deepEqual(
    posted.map((m) => m.type),
    [MessageType.PipelineSnapshot, MessageType.PipelineRunUpdate, MessageType.PipelineLog],
  );
  presenter.dispose();
  client.notify(PipelinesChangedNotification, { run: pipelineRun('r4') });
  assert.equal(posted.length, 3, 'nothing after dispose');
});

test('edited workspace files show the graph again, except while a run of it is in progress', async () => {
  const { presenter, client, posted } = fakes();
  const snapshots = () => posted.filter((m) => m.type === MessageType.PipelineSnapshot).length;
  const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
  client.notify(PipelinesStatesChangedNotification, { files: ['/ws/params.yaml'] });
  await settled();
  assert.equal(snapshots(), 0, 'nothing before ready');
  await presenter.receive({ type: MessageType.Ready });
  assert.equal(snapshots(), 1);
  client.notify(PipelinesStatesChangedNotification, { files: ['/ws/params.yaml'] });
  await settled();
  assert.equal(snapshots(), 2, 'a param edited: the states are asked again');
  client.notify(PipelinesChangedNotification, { run: pipelineRun('r2') });
  client.notify(PipelinesStatesChangedNotification, { files: ['/ws/data/out.csv'] });
  await settled();
  assert.equal(snapshots(), 2, "a running step's outputs do not redraw the graph");
  client.notify(PipelinesChangedNotification, { run: { ...pipelineRun('r2'), status: 'done' } });
  client.notify(PipelinesStatesChangedNotification, { files: ['/ws/params.yaml'] });
  await settled();
  assert.equal(snapshots(), 3);
  presenter.dispose();
});

test('a selected step gets its log and tracked run; a step not started yet gets no error', async () => {
  const { presenter, posted } = fakes();
  await presenter.receive({
    type: MessageType.SelectStep,
    step: 'prep',
    pipelineRunId: 'r1',
    runId: 'm1',
  });
  const details = posted.at(-1)!;
  assert.equal(details.type, MessageType.PipelineStepDetails);
  if (details.type !== MessageType.PipelineStepDetails) return;
  assert.equal(details.log?.stdout, 'out of prep');
  assert.equal(details.run?.info.runId, 'm1');
  assert.equal(details.error, undefined);
  await presenter.receive({ type: MessageType.SelectStep, step: 'missing', pipelineRunId: 'r1' });
  const missing = posted.at(-1)!;
  assert.ok(missing.type === MessageType.PipelineStepDetails && !missing.error && !missing.log);
  await presenter.receive({ type: MessageType.SelectStep, step: 'broken', pipelineRunId: 'r1' });
  const broken = posted.at(-1)!;
  assert.ok(
    broken.type === MessageType.PipelineStepDetails && /disk on fire/.test(broken.error ?? ''),
  );
});

test('run, cancel and open requests go to the IDE with the shown pipeline', async () => {
  const { presenter, calls } = fakes();
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({ type: MessageType.RunPipeline, force: true });
  await presenter.receive({ type: MessageType.RunPipeline, step: 'prep' });
  await presenter.receive({ type: MessageType.CancelPipelineRun, pipelineRunId: 'r1' });
  await presenter.receive({ type: MessageType.OpenRun, runId: 'm1' });
  await presenter.receive({ type: 'bogus' });
  assert.deepEqual(calls.slice(0, 4), [
    `run ${FILE} train - force`,
    `run ${FILE} train prep`,
    'cancel r1',
    'open m1',
  ]);
  assert.match(calls[4]!, /^log Sextant: a view sent a message of unknown type/);
});

test('without IDE run and cancel, the presenter asks the server itself', async () => {
  const { presenter, client } = fakes({ run: undefined, cancel: undefined });
  await presenter.receive({ type: MessageType.Ready });
  await presenter.receive({ type: MessageType.RunPipeline, step: 'prep', force: true });
  await presenter.receive({ type: MessageType.CancelPipelineRun, pipelineRunId: 'r1' });
  assert.deepEqual(client.paramsOf('sextant/pipelines/run'), [
    { file: FILE, pipeline: 'train', step: 'prep', force: true },
  ]);
  assert.deepEqual(client.paramsOf('sextant/pipelines/cancel'), [{ pipelineRunId: 'r1' }]);
});

test('a failed graph is worded for the log', async () => {
  const calls: string[] = [];
  const presenter = new PipelinePresenter({ file: FILE }, new FakeClient(), {
    post: () => undefined,
    openRun: () => undefined,
    log: (m) => void calls.push(`log ${m}`),
  });
  await presenter.receive({ type: MessageType.Ready });
  assert.match(calls[0]!, /^log Sextant: the pipeline graph could not be loaded: no fake/);
});

test('a restored panel needs the file it showed', () => {
  assert.deepEqual(restoredPipeline({ file: FILE, pipeline: 'train', selected: 'x' }), {
    file: FILE,
    pipeline: 'train',
  });
  assert.equal(restoredPipeline({ pipeline: 'train' }), undefined);
  assert.equal(restoredPipeline(undefined), undefined);
});
