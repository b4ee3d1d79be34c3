import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  PipelineGraph,
  PipelineRun,
  StepRun,
  StepStatus,
} from '@sextant/language-server/protocol';
import { MessageType } from '../contract';
import {
  applyRun,
  INITIAL_MODEL,
  LOG_LIMIT,
  nodeSize,
  reduce,
  shapeKey,
  toElkGraph,
  type PipelineViewModel,
} from './model';

const FILE = '/ws/sextant.yaml';

function graph(statuses: Record<string, StepStatus>, edges: [string, string][]): PipelineGraph {
  return {
    pipeline: 'train',
    file: FILE,
    nodes: Object.entries(statuses).map(([step, status]) => ({
      step,
      status,
      run: `echo ${step}`,
      compute: 'local',
      outputs: [`${step}.out`],
    })),
    edges: edges.map(([from, to]) => ({ from, to })),
  };
}

function run(id: string, steps: Partial<StepRun>[], extra: Partial<PipelineRun> = {}): PipelineRun {
  return {
    pipelineRunId: id,
    pipeline: 'train',
    file: FILE,
    status: 'running',
    trigger: { kind: 'manual' },
    startTime: 1000,
    forced: false,
    steps: steps.map((s) => ({ step: 'x', status: 'queued', compute: 'local', attempts: 0, ...s })),
    ...extra,
  };
}

const G = graph({ prepare: 'queued', train: 'queued', report: 'stale' }, [
  ['prepare', 'train'],
  ['train', 'report'],
]);

test('toElkGraph gives every step a box wide enough for its name and keeps only known edges', () => {
  const elk = toElkGraph({ ...G, edges: [...G.edges, { from: 'train', to: 'ghost' }] });
  assert.equal(elk.layoutOptions?.['elk.algorithm'], 'layered');
  assert.deepEqual(
    elk.children?.map((c) => c.id),
    ['prepare', 'train', 'report'],
  );
  assert.deepEqual(
    elk.edges?.map((e) => [e.sources, e.targets]),
    [
      [['prepare'], ['train']],
      [['train'], ['report']],
    ],
  );
  const short = nodeSize('a');
  const long = nodeSize('a-rather-long-step-name@lr-0.001');
  assert.ok(long.width > short.width);
  assert.ok(long.width <= 280 && short.width >= 120);
  // The status line (label from x 32, duration right-aligned 10 px from the edge, at 11-12 px
  // type) holds "cancelled" and "59m 59s" apart: ~67 + 8 + ~45 px.
  assert.ok(short.width >= 32 + 67 + 8 + 45 + 10, `a short step's box is ${short.width} px`);
});

test('shapeKey ignores order and statuses but not nodes or edges', () => {
  const reordered = {
    ...G,
    nodes: [...G.nodes].reverse().map((n) => ({ ...n, status: 'done' as const })),
  };
  assert.equal(shapeKey(reordered), shapeKey(G));
  assert.notEqual(shapeKey({ ...G, edges: G.edges.slice(1) }), shapeKey(G));
  assert.notEqual(shapeKey({ ...G, nodes: G.nodes.slice(1) }), shapeKey(G));
});

test('applyRun colours the steps a run holds, keeps the others, and reports unknown steps', () => {
  const r = run('r1', [
    { step: 'prepare', status: 'done', startTime: 1000, endTime: 1500, runId: 'm1' },
    { step: 'train', status: 'running', startTime: 1500 },
    { step: 'evaluate', status: 'queued' },
  ]);
  const { graph: g, unknownSteps } = applyRun(G, r, 4000);
  const by = new Map(g.nodes.map((n) => [n.step, n]));
  assert.equal(by.get('prepare')!.status, 'done');
  assert.equal(by.get('prepare')!.durationMs, 500);
  assert.equal(by.get('prepare')!.runId, 'm1');
  assert.equal(by.get('train')!.status, 'running');
  assert.equal(by.get('train')!.durationMs, 2500);
  assert.equal(by.get('report')!.status, 'stale');
  assert.deepEqual(unknownSteps, ['evaluate']);
  assert.equal(g.run, r);
});

test('a new run shows none of the last execution for the steps it has not started', () => {
  const last = applyRun(
    G,
    run('r1', [
      { step: 'prepare', status: 'done', startTime: 1000, endTime: 1500, runId: 'm1' },
      { step: 'train', status: 'failed', startTime: 1500, endTime: 1700, runId: 'm2' },
    ]),
    4000,
  ).graph;
  const { graph: g } = applyRun(
    last,
    run('r2', [
      { step: 'prepare', status: 'queued' },
      { step: 'train', status: 'skipped' },
    ]),
    5000,
  );
  const by = new Map(g.nodes.map((n) => [n.step, n]));
  for (const step of ['prepare', 'train']) {
    assert.equal(by.get(step)!.runId, undefined, `${step}: no tracked run of r1`);
    assert.equal(by.get(step)!.durationMs, undefined, `${step}: no duration of r1`);
  }
});

function snapshot(model: PipelineViewModel, g: PipelineGraph): PipelineViewModel {
  return reduce(model, { type: MessageType.PipelineSnapshot, graph: g }, 0);
}

test('a snapshot of the same shape does not ask for a new layout; another shape does', () => {
  const first = snapshot(INITIAL_MODEL, G);
  assert.equal(first.layoutVersion, 1);
  const same = snapshot(first, { ...G, nodes: G.nodes.map((n) => ({ ...n, status: 'done' })) });
  assert.equal(same.layoutVersion, 1);
  assert.equal(same.graph!.nodes[0]!.status, 'done');
  const other = snapshot(same, graph({ prepare: 'done' }, []));
  assert.equal(other.layoutVersion, 2);
});

test('run updates repaint the graph in place, ignore other pipelines and older runs', () => {
  let m = snapshot(INITIAL_MODEL, G);
  m = reduce(
    m,
    {
      type: MessageType.PipelineRunUpdate,
      run: run('r2', [{ step: 'prepare', status: 'running', startTime: 2000 }], {
        startTime: 2000,
      }),
    },
    2500,
  );
  assert.equal(m.graph!.nodes[0]!.status, 'running');
  assert.equal(m.layoutVersion, 1);
  assert.equal(m.needsGraph, false);
  const before = m;
  m = reduce(
    m,
    {
      type: MessageType.PipelineRunUpdate,
      run: run('r1', [{ step: 'prepare', status: 'failed' }], { startTime: 1000 }),
    },
    2500,
  );
  assert.equal(m, before, 'an older run does not repaint');
  m = reduce(
    m,
    {
      type: MessageType.PipelineRunUpdate,
      run: { ...run('r3', [{ step: 'prepare', status: 'done' }]), pipeline: 'other' },
    },
    2500,
  );
  assert.equal(m, before, 'another pipeline does not repaint');
  m = reduce(
    m,
    {
      type: MessageType.PipelineRunUpdate,
      run: run(
        'r2',
        [
          { step: 'prepare', status: 'done' },
          { step: 'new-step', status: 'queued' },
        ],
        { startTime: 2000 },
      ),
    },
    2500,
  );
  assert.equal(m.needsGraph, true, 'a step the graph lacks asks for a fresh graph');
});

test('selecting a step, its details and live log chunks for it', () => {
  let m = snapshot(INITIAL_MODEL, { ...G, run: run('r1', [{ step: 'train', status: 'running' }]) });
  m = reduce(m, { type: 'select', step: 'train' }, 0);
  assert.equal(m.selected, 'train');
  assert.equal(m.log, undefined);
  const chunk = (text: string, step = 'train', stream: 'stdout' | 'stderr' = 'stdout') =>
    ({ type: MessageType.PipelineLog, pipelineRunId: 'r1', step, stream, text }) as const;
  assert.equal(reduce(m, chunk('early'), 0), m, 'chunks before the stored log are dropped');
  m = reduce(
    m,
    {
      type: MessageType.PipelineStepDetails,
      step: 'train',
      pipelineRunId: 'r1',
      log: { stdout: 'epoch 1\n', stderr: '', truncated: false },
    },
    0,
  );
  m = reduce(m, chunk('epoch 2\n'), 0);
  m = reduce(m, chunk('warn\n', 'train', 'stderr'), 0);
  m = reduce(m, chunk('other\n', 'prepare'), 0);
  assert.deepEqual(m.log, { stdout: 'epoch 1\nepoch 2\n', stderr: 'warn\n', truncated: false });
  m = reduce(m, chunk('x'.repeat(LOG_LIMIT)), 0);
  assert.equal(m.log!.stdout.length, LOG_LIMIT);
  assert.ok(m.log!.stdout.endsWith('x'));
  const details = reduce(m, { type: MessageType.PipelineStepDetails, step: 'prepare' }, 0);
  assert.equal(details, m, 'details of a step no longer selected are dropped');
  m = reduce(
    m,
    {
      type: MessageType.PipelineRunUpdate,
      run: run('r9', [{ step: 'train', status: 'queued' }], { startTime: 5000 }),
    },
    0,
  );
  assert.equal(m.details, undefined, 'a new run forgets the old log');
  assert.equal(m.selected, 'train');
});

test('the selected step is asked again when it gets a tracked run and when it ends', () => {
  const update = (m: PipelineViewModel, step: Partial<StepRun>): PipelineViewModel =>
    reduce(
      m,
      { type: MessageType.PipelineRunUpdate, run: run('r1', [{ step: 'train', ...step }]) },
      0,
    );
  const answered = (m: PipelineViewModel): PipelineViewModel =>
    reduce(m, { type: MessageType.PipelineStepDetails, step: 'train', pipelineRunId: 'r1' }, 0);
  let m = snapshot(INITIAL_MODEL, { ...G, run: run('r1', [{ step: 'train', status: 'queued' }]) });
  m = answered(reduce(m, { type: 'select', step: 'train' }, 0));
  m = update(m, { status: 'queued' });
  assert.ok(m.details, 'nothing new: the details stay');
  m = update(m, { status: 'running', startTime: 10, runId: 'm1' });
  assert.equal(m.details, undefined, 'a tracked run now: asked again');
  m = answered(m);
  m = update(m, { step: 'prepare', status: 'done', startTime: 10, endTime: 20 });
  assert.ok(m.details, 'another step ended: the details stay');
  m = update(m, { status: 'done', startTime: 10, endTime: 30, runId: 'm1' });
  assert.equal(m.details, undefined, 'ended: asked again for its final metrics');
  assert.ok(m.log, 'the log stays shown while the details are asked again');
});

test('a snapshot keeps a finished run that arrived while the graph was being fetched', () => {
  let m = snapshot(INITIAL_MODEL, G);
  const finished = run('r1', [{ step: 'prepare', status: 'done' }], {
    status: 'done',
    endTime: 9000,
  });
  m = reduce(m, { type: MessageType.PipelineRunUpdate, run: finished }, 0);
  m = snapshot(m, { ...G, run: run('r1', [{ step: 'prepare', status: 'running' }]) });
  assert.equal(m.graph!.nodes[0]!.status, 'done');
  assert.equal(m.graph!.run!.status, 'done');
});

test('a snapshot shows how its run ended for steps that never executed', () => {
  const ended = run(
    'r1',
    [
      { step: 'prepare', status: 'failed' },
      { step: 'train', status: 'skipped' },
    ],
    { status: 'failed', endTime: 5 },
  );
  const m = snapshot(INITIAL_MODEL, {
    ...graph({ prepare: 'failed', train: 'queued', report: 'stale' }, []),
    run: ended,
  });
  assert.deepEqual(
    m.graph!.nodes.map((n) => n.status),
    ['failed', 'skipped', 'stale'],
  );
});
