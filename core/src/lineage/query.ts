import type { LineageEdge, LineageNode } from '../model/pipeline';
import { invalid, notFound } from '../model/errors';
import type { LineageStore, StoredEdge } from './store';

/** Where a lineage walk starts and which way it goes. */
export interface LineageQuery {
  /** An artifact (workspace-relative path); its newest version unless `digest`. */
  path?: string;
  digest?: string;
  /** Or a step execution. */
  pipelineRunId?: string;
  step?: string;
  /** `upstream`: what produced it and what that read; `downstream`: what used it and made. */
  direction: 'upstream' | 'downstream';
  /** Hops from artifact to execution or back, default 10. */
  depth?: number;
}

/** Nodes and edges a walk reached. */
export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Most nodes one walk returns. */
const MAX_NODES = 2_000;

const artifactKey = (path: string, digest: string): string => `a\u0000${path}\u0000${digest}`;
const executionKey = (pipelineRunId: string, step: string): string =>
  `e\u0000${pipelineRunId}\u0000${step}`;

/**
 * The producers of an artifact version to follow upstream: the executions that really computed
 * it, or (when every one came from the cache) the newest of those.
 */
function producers(edges: StoredEdge[]): StoredEdge[] {
  const computed = edges.filter((e) => !e.cached);
  return computed.length > 0 ? computed : edges.slice(0, 1);
}

/**
 * Walks the lineage graph breadth-first from an artifact version or a step execution.
 * Upstream answers "what produced this model" (and what that read, and so on); downstream
 * answers "what used this dataset version" (and what that made).
 */
export function queryLineage(
  store: LineageStore,
  query: LineageQuery,
  runIdOf: (pipelineRunId: string, step: string) => string | undefined = () => undefined,
): LineageGraph {
  const depth = query.depth ?? 10;
  if (!Number.isInteger(depth) || depth < 1 || depth > 100) {
    throw invalid(`depth must be a whole number from 1 to 100, not ${depth}`);
  }
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  type Frontier =
    | { kind: 'artifact'; path: string; digest: string }
    | { kind: 'execution'; pipelineRunId: string; step: string };
  let frontier: Frontier[] = [];

  const addArtifact = (path: string, digest: string): boolean => {
    const key = artifactKey(path, digest);
    if (nodes.has(key)) return false;
    nodes.set(key, { kind: 'artifact', path, digest });
    return true;
  };
  const addExecution = (pipelineRunId: string, step: string): boolean => {
    const key = executionKey(pipelineRunId, step);
    if (nodes.has(key)) return false;
    const runId = runIdOf(pipelineRunId, step);
    nodes.set(key, { kind: 'execution', pipelineRunId, step, ...(runId ? { runId } : {}) });
    return true;
  };
  const addEdge = (e: StoredEdge): void => {
    const key = `${e.relation}\u0000${executionKey(e.execution.pipelineRunId, e.execution.step)}\u0000${artifactKey(e.artifact.path, e.artifact.digest)}`;
    edges.set(key, {
      relation: e.relation,
      execution: e.execution,
      artifact: e.artifact,
      time: e.time,
    });
  };

  if (query.path !== undefined) {
    const digest = query.digest ?? store.latestDigest(query.path);
    if (!digest) throw notFound(`no lineage recorded for '${query.path}'`);
    addArtifact(query.path, digest);
    frontier.push({ kind: 'artifact', path: query.path, digest });
  } else if (query.pipelineRunId !== undefined && query.step !== undefined) {
    addExecution(query.pipelineRunId, query.step);
    frontier.push({ kind: 'execution', pipelineRunId: query.pipelineRunId, step: query.step });
  } else {
    throw invalid('start a lineage query from a path, or from a pipelineRunId and a step');
  }

  for (let hop = 0; hop < depth * 2 && frontier.length > 0 && nodes.size < MAX_NODES; hop++) {
    const next: Frontier[] = [];
    for (const at of frontier) {
      if (at.kind === 'artifact') {
        const found =
          query.direction === 'upstream'
            ? producers(store.byArtifact(at.path, at.digest, 'produced'))
            : store.byArtifact(at.path, at.digest, 'consumed');
        for (const e of found) {
          addEdge(e);
          if (addExecution(e.execution.pipelineRunId, e.execution.step)) {
            next.push({ kind: 'execution', ...e.execution });
          }
        }
      } else {
        const relation = query.direction === 'upstream' ? 'consumed' : 'produced';
        for (const e of store.byExecution(at.pipelineRunId, at.step, relation)) {
          addEdge(e);
          if (addArtifact(e.artifact.path, e.artifact.digest)) {
            next.push({ kind: 'artifact', ...e.artifact });
          }
        }
      }
    }
    frontier = next;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
