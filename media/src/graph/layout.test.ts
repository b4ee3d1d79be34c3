import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineGraph } from '@sextant/language-server/protocol';
import { layoutGraph } from './layout';
import { edgePath, fitTransform } from './render';

const node = (step: string) => ({
  step,
  status: 'queued' as const,
  run: 'true',
  compute: 'local',
  outputs: [],
});

test('ELK lays a diamond out in layers, left to right, with routed edges', async () => {
  const graph: Pick<PipelineGraph, 'nodes' | 'edges'> = {
    nodes: ['prepare', 'train@a', 'train@b', 'report'].map(node),
    edges: [
      { from: 'prepare', to: 'train@a' },
      { from: 'prepare', to: 'train@b' },
      { from: 'train@a', to: 'report' },
      { from: 'train@b', to: 'report' },
    ],
  };
  const layout = await layoutGraph(graph);
  assert.deepEqual(
    layout.nodes.map((n) => n.step),
    ['prepare', 'train@a', 'train@b', 'report'],
  );
  const at = new Map(layout.nodes.map((n) => [n.step, n]));
  assert.ok(at.get('prepare')!.x + at.get('prepare')!.width < at.get('train@a')!.x);
  assert.ok(at.get('train@a')!.x + at.get('train@a')!.width < at.get('report')!.x);
  assert.equal(at.get('train@a')!.x, at.get('train@b')!.x);
  assert.notEqual(at.get('train@a')!.y, at.get('train@b')!.y);
  assert.equal(layout.edges.length, 4);
  for (const edge of layout.edges) {
    const from = at.get(edge.from)!;
    const to = at.get(edge.to)!;
    const first = edge.points[0]!;
    const last = edge.points.at(-1)!;
    assert.ok(Math.abs(first.x - (from.x + from.width)) < 1, `${edge.id} leaves its source`);
    assert.ok(Math.abs(last.x - to.x) < 1, `${edge.id} enters its target`);
  }
  assert.ok(layout.width >= at.get('report')!.x + at.get('report')!.width);
});

test('fitTransform centres the content, shrinks to fit and never blows it up past 1.5x', () => {
  const t = fitTransform({ width: 1000, height: 200 }, { width: 524, height: 400 }, 12);
  assert.equal(t.scale, 0.5);
  assert.equal(t.x, 12);
  assert.equal(t.y, 150);
  assert.equal(fitTransform({ width: 10, height: 10 }, { width: 1000, height: 1000 }).scale, 1.5);
  assert.deepEqual(fitTransform({ width: 0, height: 0 }, { width: 100, height: 100 }), {
    x: 0,
    y: 0,
    scale: 1,
  });
  assert.equal(
    edgePath([
      { x: 0, y: 1 },
      { x: 2, y: 3 },
    ]),
    'M0,1 L2,3',
  );
});
