import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  PipelineGraph,
  PipelineRun,
  PipelinesChangedParams,
  PipelinesGraphParams,
  PipelinesLogParams,
  Run,
} from '@sextant/language-server/dist/protocol';
import { MessageType, type HostMessage } from '@sextant/media/dist/lib/contract';
import { Emitter } from '../api';
import type { PipelinesApi } from './api';
import { PipelinePresenter, restoredPipeline, type PipelineActions } from './presenter';

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

function fakes() {
  const changed = new Emitter<PipelinesChangedParams>();
  const log = new Emitter<PipelinesLogParams>();
  const graphCalls: PipelinesGraphParams[] = [];
  const pipelines = {
    graph: async (params: PipelinesGraphParams): Promise<PipelineGraph> => {
      graphCalls.push(params);
      return { pipeline: 'train', file: FILE, nodes: [], edges: [], run: pipelineRun('r1') };
    },
    stepLog: async ({ step }: { step: string }) => {
      if (step === 'missing') {
        throw Object.assign(new Error('no log'), {
          data: { errorCode: 'RESOURCE_DOES_NOT_EXIST' },
        });
      }
      if (step === 'broken') throw new Error('disk on fire');
      return { stdout: `out of ${step}`, stderr: '', truncated: false };
    },
    onChanged: changed.event,
    onLog: log.event,
  } as unknown as PipelinesApi;
  const api = {
    getRun: async (runId: string) =>
      ({
        info: { runId, runName: 'step-run' },
        data: { params: [], metrics: [], tags: [] },
      }) as unknown as Run,
  };
  const calls: string[] = [];
  const actions: PipelineActions = {
    run: async (t) =>
      void calls.push(
        `run ${t.file} ${t.pipeline} ${t.step ?? '-'} ${t.force ? 'force' : ''}`.trim(),
      ),
    cancel: async (id) => void calls.push(`cancel ${id}`),
    openRun: (id) => void calls.push(`open ${id}`),
    log: (m) => void calls.push(`log ${m}`),
  };
  const posted: HostMessage[] = [];
  const presenter = new PipelinePresenter(
    { file: FILE, pipelineRunId: 'r0' },
    api,
    pipelines,
    (m) => posted.push(m),
    actions,
  );
  return { presenter, changed, log, graphCalls, calls, posted };
}

test('ready gets the graph (by the asked run first, the newest later) and names the pipeline', async () => {
  const { presenter, graphCalls, posted } = fakes();
  await presenter.receive({ type: MessageType.Ready });
  assert.equal(posted[0]!.type, MessageType.PipelineSnapshot);
  assert.deepEqual(graphCalls[0], { file: FILE, pipeline: undefined, pipelineRunId: 'r0' });
  assert.deepEqual(presenter.shown, { file: FILE, pipeline: 'train' });
  await presenter.show();
  assert.deepEqual(graphCalls[1], { file: FILE, pipeline: 'train', pipelineRunId: undefined });
  assert.ok(presenter.shows({ file: FILE, pipeline: 'train' }));
  assert.ok(!presenter.shows({ file: FILE, pipeline: 'other' }));
  presenter.dispose();
});

test('run changes and logs of this pipeline reach the view; others do not', async () => {
  const { presenter, changed, log, posted } = fakes();
  changed.fire({ run: pipelineRun('early') });
  assert.equal(posted.length, 0, 'nothing before ready');
  await presenter.receive({ type: MessageType.Ready });
  changed.fire({ run: pipelineRun('r2') });
  changed.fire({ run: pipelineRun('r3', 'other') });
  log.fire({ pipelineRunId: 'r2', step: 'prep', stream: 'stdout', text: 'hi' });
  log.fire({ pipelineRunId: 'r3', step: 'prep', stream: 'stdout', text: 'not mine' });
  assert.deepEqual(
    posted.slice(1).map((m) => m.type),
    [MessageType.PipelineRunUpdate, MessageType.PipelineLog],
  );
  presenter.dispose();
  changed.fire({ run: pipelineRun('r4') });
  assert.equal(posted.length, 3, 'nothing after dispose');
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

test('a restored panel needs the file it showed', () => {
  assert.deepEqual(restoredPipeline({ file: FILE, pipeline: 'train', selected: 'x' }), {
    file: FILE,
    pipeline: 'train',
  });
  assert.equal(restoredPipeline({ pipeline: 'train' }), undefined);
  assert.equal(restoredPipeline(undefined), undefined);
});
