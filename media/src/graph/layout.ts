/**
 * Lays out a pipeline DAG with ELK's layered algorithm (elkjs, its bundled build: no web worker,
 * so it runs inside a webview under a strict Content-Security-Policy and in Node for tests).
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { PipelineGraph } from '@sextant/language-server/protocol';
import { edgeId, toElkGraph } from './model';

/** A point in SVG units. */
export interface Point {
  x: number;
  y: number;
}

/** Where one step's box is. */
export interface NodeBox {
  step: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The route of one edge, from the upstream box to the downstream one. */
export interface EdgeRoute {
  id: string;
  from: string;
  to: string;
  points: Point[];
}

/** A laid-out graph. */
export interface GraphLayout {
  width: number;
  height: number;
  /** In the order of the graph's nodes (a topological order), which is also the Tab order. */
  nodes: NodeBox[];
  edges: EdgeRoute[];
}

/** The boxes and routes of ELK's answer. */
export function fromElk(
  result: ElkNode,
  graph: Pick<PipelineGraph, 'nodes' | 'edges'>,
): GraphLayout {
  const boxes = new Map(
    (result.children ?? []).map((c) => [
      c.id,
      { step: c.id, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 },
    ]),
  );
  const routes = new Map(
    (result.edges ?? []).map((e) => {
      const points = (e.sections ?? []).flatMap((s) => [
        s.startPoint,
        ...(s.bendPoints ?? []),
        s.endPoint,
      ]);
      return [e.id, points.map((p) => ({ x: p.x, y: p.y }))];
    }),
  );
  return {
    width: result.width ?? 0,
    height: result.height ?? 0,
    nodes: graph.nodes.map((n) => boxes.get(n.step)).filter((b): b is NodeBox => b !== undefined),
    edges: graph.edges
      .filter((e) => routes.has(edgeId(e)))
      .map((e) => ({ id: edgeId(e), from: e.from, to: e.to, points: routes.get(edgeId(e))! })),
  };
}

let elk: InstanceType<typeof ELK> | undefined;

/** Lays out `graph`: boxes sized for their names, layers left to right, orthogonal edges. */
export async function layoutGraph(
  graph: Pick<PipelineGraph, 'nodes' | 'edges'>,
): Promise<GraphLayout> {
  elk ??= new ELK();
  const result = await elk.layout(toElkGraph(graph));
  return fromElk(result, graph);
}
