import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipelineRun } from '../model/pipeline';
import { migrate } from '../store';
import { asUuid, openLineageEvents } from './openlineage';
import { queryLineage } from './query';
import { LineageStore, type StoredEdge } from './store';

const edge = (
  relation: 'consumed' | 'produced',
  pipelineRunId: string,
  step: string,
  path: string,
  digest: string,
  time: number,
  cached = false,
): StoredEdge => ({
  relation,
  execution: { pipelineRunId, step },
  artifact: { path, digest },
  time,
  cached,
});

/** raw.csv → prepare → clean.csv → train → model.pkl, run twice (the second time from the cache). */
function store(): LineageStore {
  const db = new Database(':memory:');
  migrate(db);
  const lineage = new LineageStore(db);
  for (const [run, cached, t] of [
    ['r1', false, 1],
    ['r2', true, 10],
  ] as const) {
    lineage.record([
      edge('consumed', run, 'prepare', 'raw.csv', 'md5:raw', t, cached),
      edge('produced', run, 'prepare', 'clean.csv', 'md5:clean', t, cached),
      edge('consumed', run, 'train', 'clean.csv', 'md5:clean', t + 1, cached),
      edge('produced', run, 'train', 'model.pkl', 'md5:model', t + 1, cached),
    ]);
  }
  return lineage;
}

describe('lineage queries', () => {
  it('answers what produced a model: the executions that computed it, not the cache hits', () => {
    const graph = queryLineage(store(), { path: 'model.pkl', direction: 'upstream' });
    const executions = graph.nodes.flatMap((n) =>
      n.kind === 'execution' ? [`${n.pipelineRunId}/${n.step}`] : [],
    );
    assert.deepEqual(executions.sort(), ['r1/prepare', 'r1/train']);
    assert.ok(graph.nodes.some((n) => n.kind === 'artifact' && n.path === 'raw.csv'));
    const limited = queryLineage(store(), { path: 'model.pkl', direction: 'upstream', depth: 1 });
    assert.ok(!limited.nodes.some((n) => n.kind === 'artifact' && n.path === 'raw.csv'));
  });

  it('answers what used a dataset version, from every run that read it', () => {
    const graph = queryLineage(store(), {
      path: 'raw.csv',
      digest: 'md5:raw',
      direction: 'downstream',
    });
    const used = graph.edges.filter(
      (e) => e.relation === 'consumed' && e.artifact.path === 'raw.csv',
    );
    assert.deepEqual(used.map((e) => e.execution.pipelineRunId).sort(), ['r1', 'r2']);
    assert.ok(graph.nodes.some((n) => n.kind === 'artifact' && n.path === 'model.pkl'));
  });

  it('starts from an execution, and names an unknown path', () => {
    const graph = queryLineage(store(), {
      pipelineRunId: 'r1',
      step: 'train',
      direction: 'upstream',
    });
    assert.ok(graph.nodes.some((n) => n.kind === 'execution' && n.step === 'prepare'));
    assert.throws(
      () => queryLineage(store(), { path: 'nope', direction: 'upstream' }),
      /no lineage recorded for 'nope'/,
    );
    assert.throws(() => queryLineage(store(), { direction: 'upstream' }), /start a lineage query/);
  });
});

describe('OpenLineage export', () => {
  it('gives START and COMPLETE, FAIL or ABORT per executed step, with versioned datasets', () => {
    const run: PipelineRun = {
      pipelineRunId: '4a1d1d5e-3c8a-4d1b-9f0e-0c7a6b5d4e3f',
      pipeline: 'p',
      file: '/ws/sextant.yaml',
      status: 'failed',
      trigger: { kind: 'manual' },
      startTime: 1000,
      endTime: 5000,
      forced: false,
      steps: [
        {
          step: 'prepare',
          status: 'done',
          compute: 'local',
          attempts: 1,
          runId: 'ab'.repeat(16),
          startTime: 1000,
          endTime: 2000,
        },
        {
          step: 'train',
          status: 'failed',
          compute: 'local',
          attempts: 1,
          startTime: 2000,
          endTime: 3000,
          reason: 'exited with code 1',
        },
        {
          step: 'stop',
          status: 'cancelled',
          compute: 'local',
          attempts: 1,
          startTime: 3000,
          endTime: 4000,
        },
        { step: 'report', status: 'skipped', compute: 'local', attempts: 0 },
      ],
    };
    const edges = [
      edge('consumed', run.pipelineRunId, 'prepare', 'raw.csv', 'md5:aaaa', 1000),
      edge('produced', run.pipelineRunId, 'prepare', 'clean.csv', 'md5:bbbb', 2000),
    ];
    const events = openLineageEvents(run, edges, 'ns');
    assert.deepEqual(
      events.map((e) => `${e.job.name}:${e.eventType}`),
      [
        'p.prepare:START',
        'p.prepare:COMPLETE',
        'p.train:START',
        'p.train:FAIL',
        'p.stop:START',
        'p.stop:ABORT',
      ],
    );
    const complete = events[1]!;
    assert.equal(complete.run.runId, asUuid('ab'.repeat(16)));
    assert.equal(complete.run.runId, 'abababab-abab-abab-abab-abababababab');
    assert.equal(complete.eventTime, new Date(2000).toISOString());
    assert.deepEqual(
      complete.inputs.map((d) => [d.namespace, d.name, d.facets.version?.datasetVersion]),
      [['ns', 'raw.csv', 'md5:aaaa']],
    );
    assert.deepEqual(
      complete.outputs.map((d) => d.name),
      ['clean.csv'],
    );
    assert.deepEqual(complete.run.facets.parent?.run, { runId: run.pipelineRunId });
    assert.match(String(events[3]!.run.facets.errorMessage?.message), /exited with code 1/);
    for (const e of events) {
      assert.match(e.run.runId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(
        e.schemaURL,
        'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      );
    }
  });
});
