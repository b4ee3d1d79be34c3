/**
 * The pipeline graph as plain data: what ELK is asked to lay out, how a run's step states are
 * folded into the graph, and the view's state reducer for host messages. No DOM here.
 */
import type {
  PipelineGraph,
  PipelineGraphNode,
  PipelineRun,
  StepRun,
} from '@sextant/language-server/protocol';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { MessageType, type HostMessage, type PipelineStepDetails } from '../contract';
import { statusStyle } from './status';

/** Size of a node box, in SVG units. */
export interface NodeSize {
  width: number;
  height: number;
}

/** Height of every node box. */
export const NODE_HEIGHT = 48;
const MIN_WIDTH = 120;
const MAX_WIDTH = 280;
/** Average glyph width of the node font (13px), used to size a box before anything is drawn. */
const CHAR_WIDTH = 7.4;

/**
 * Characters of a node's status line at its longest: the longest status word, a gap, and a
 * duration as long as `59m 59s` (shorter ones, `553ms`, fit with room to spare).
 */
const STATUS_LINE_CHARS = 'cancelled'.length + 2 + '59m 59s'.length;

/** The box of a step named `step`: wide enough for its name and its status line. */
export function nodeSize(step: string): NodeSize {
  const text = Math.max(step.length, STATUS_LINE_CHARS) * CHAR_WIDTH;
  return {
    width: Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, text + 40))),
    height: NODE_HEIGHT,
  };
}

/** The id of the edge `from → to` in the ELK graph and the SVG. */
export function edgeId(edge: { from: string; to: string }): string {
  return `${edge.from}\u2192${edge.to}`;
}

/** The ELK input for `graph`: layered, left to right, orthogonal edges, nodes in the given order. */
export function toElkGraph(graph: Pick<PipelineGraph, 'nodes' | 'edges'>): ElkNode {
  const ids = new Set(graph.nodes.map((n) => n.step));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '28',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: graph.nodes.map((node) => ({ id: node.step, ...nodeSize(node.step) })),
    edges: graph.edges
      .filter((e) => ids.has(e.from) && ids.has(e.to))
      .map((e) => ({ id: edgeId(e), sources: [e.from], targets: [e.to] })),
  };
}

/** A key that is equal for two graphs exactly when they have the same nodes and edges. */
export function shapeKey(graph: Pick<PipelineGraph, 'nodes' | 'edges'>): string {
  const nodes = graph.nodes.map((n) => n.step).sort();
  const edges = graph.edges.map(edgeId).sort();
  return JSON.stringify([nodes, edges]);
}

/** How long a step run took, when it has started (running ones count up to `now`). */
export function stepDuration(step: StepRun, now: number): number | undefined {
  if (step.startTime === undefined) return undefined;
  return Math.max(0, (step.endTime ?? now) - step.startTime);
}

/** True when `run` is a run of the pipeline `graph` shows. */
export function runBelongsTo(
  graph: Pick<PipelineGraph, 'file' | 'pipeline'>,
  run: PipelineRun,
): boolean {
  return run.file === graph.file && run.pipeline === graph.pipeline;
}

/**
 * `graph` coloured by `run`: each step the run holds takes its status, duration and tracked run
 * from it, none where the run has not started the step (so a queued or skipped step of a new run
 * does not show the duration or the params and metrics of its last execution); steps the run does
 * not hold (a run of one step and its upstream) keep what they showed.
 * `unknownSteps` lists the run's steps that the graph lacks: the pipeline changed shape.
 */
export function applyRun(
  graph: PipelineGraph,
  run: PipelineRun,
  now: number,
): { graph: PipelineGraph; unknownSteps: string[] } {
  const byStep = new Map(run.steps.map((s) => [s.step, s]));
  const known = new Set(graph.nodes.map((n) => n.step));
  const nodes = graph.nodes.map((node): PipelineGraphNode => {
    const step = byStep.get(node.step);
    if (!step) return node;
    return {
      ...node,
      status: step.status,
      compute: step.compute || node.compute,
      durationMs: stepDuration(step, now),
      runId: step.runId,
    };
  });
  return {
    graph: { ...graph, nodes, run },
    unknownSteps: run.steps.map((s) => s.step).filter((s) => !known.has(s)),
  };
}

/**
 * `graph` with each step that never executed (`queued`) showing what its run made of it instead
 * (skipped after an upstream failure, cancelled), so that a finished run reads as it ended.
 */
export function withRunOutcomes(graph: PipelineGraph): PipelineGraph {
  const run = graph.run;
  if (!run) return graph;
  const byStep = new Map(run.steps.map((s) => [s.step, s]));
  let changed = false;
  const nodes = graph.nodes.map((node) => {
    const step = byStep.get(node.step);
    if ((node.status !== 'queued' && node.status !== 'not-run') || !step) return node;
    if (step.status === 'queued') return node;
    changed = true;
    return { ...node, status: step.status };
  });
  return changed ? { ...graph, nodes } : graph;
}

/** The log shown for the selected step: what was stored, then what arrived live. */
export interface StepLogText {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** Everything the pipeline view shows, as the reducer keeps it. */
export interface PipelineViewModel {
  graph?: PipelineGraph;
  /** {@link shapeKey} of the graph as last laid out; a new one means lay out again. */
  shape?: string;
  /** Bumped whenever {@link shape} changes. */
  layoutVersion: number;
  /** True when the host should be asked for a fresh graph (a run holds steps the graph lacks). */
  needsGraph: boolean;
  selected?: string;
  /** Details of the selected step, once the host answered. */
  details?: PipelineStepDetails;
  /** The selected step's log (stored, then live chunks); absent until details arrive. */
  log?: StepLogText;
}

/** The state before the host has sent anything. */
export const INITIAL_MODEL: PipelineViewModel = { layoutVersion: 0, needsGraph: false };

/** What the user did in the view, as the reducer sees it. */
export type ViewAction = { type: 'select'; step: string | undefined };

/** Most characters of log kept per stream in the view. */
export const LOG_LIMIT = 512 * 1024;

function appendCapped(text: string, chunk: string): string {
  const joined = text + chunk;
  return joined.length > LOG_LIMIT ? joined.slice(joined.length - LOG_LIMIT) : joined;
}

/** The pipeline run the view shows (the graph's run). */
export function shownRunId(model: PipelineViewModel): string | undefined {
  return model.graph?.run?.pipelineRunId;
}

/**
 * True when the selected step's details no longer tell what `graph` shows of it: the step got a
 * tracked run, or ended (its metrics and outputs are final only then), so they are asked again.
 */
function detailsOutdated(model: PipelineViewModel, graph: PipelineGraph): boolean {
  if (!model.details || model.selected === undefined) return false;
  const before = model.graph?.nodes.find((n) => n.step === model.selected);
  const after = graph.nodes.find((n) => n.step === model.selected);
  if (!before || !after) return false;
  return (
    before.runId !== after.runId ||
    (before.status !== after.status && !statusStyle(after.status).active)
  );
}

/** The next view state after a host message or a user action. */
export function reduce(
  model: PipelineViewModel,
  event: HostMessage | ViewAction,
  now: number,
): PipelineViewModel {
  switch (event.type) {
    case MessageType.PipelineSnapshot: {
      const shape = shapeKey(event.graph);
      const changed = shape !== model.shape;
      let graph = withRunOutcomes(event.graph);
      // A run update may be newer than the snapshot the host fetched before it.
      const current = model.graph?.run;
      if (
        current &&
        graph.run?.pipelineRunId === current.pipelineRunId &&
        current.endTime !== undefined &&
        graph.run.endTime === undefined
      ) {
        graph = applyRun(graph, current, now).graph;
      }
      const selected =
        model.selected && graph.nodes.some((n) => n.step === model.selected)
          ? model.selected
          : undefined;
      return {
        ...model,
        graph,
        shape,
        layoutVersion: changed ? model.layoutVersion + 1 : model.layoutVersion,
        needsGraph: false,
        selected,
        details: selected ? model.details : undefined,
        log: selected ? model.log : undefined,
      };
    }
    case MessageType.PipelineRunUpdate: {
      if (!model.graph || !runBelongsTo(model.graph, event.run)) return model;
      const shown = model.graph.run;
      // An update of an older run than the one shown does not repaint the graph.
      if (
        shown &&
        shown.pipelineRunId !== event.run.pipelineRunId &&
        event.run.startTime < shown.startTime
      ) {
        return model;
      }
      const newRun = shown?.pipelineRunId !== event.run.pipelineRunId;
      const { graph, unknownSteps } = applyRun(model.graph, event.run, now);
      return {
        ...model,
        graph,
        needsGraph: model.needsGraph || unknownSteps.length > 0,
        // Another run: the selected step's log is of the old one.
        details: newRun || detailsOutdated(model, graph) ? undefined : model.details,
        log: newRun ? undefined : model.log,
      };
    }
    case MessageType.PipelineLog: {
      if (
        !model.log ||
        event.step !== model.selected ||
        event.pipelineRunId !== model.details?.pipelineRunId
      ) {
        return model;
      }
      return {
        ...model,
        log: { ...model.log, [event.stream]: appendCapped(model.log[event.stream], event.text) },
      };
    }
    case MessageType.PipelineStepDetails: {
      if (event.step !== model.selected) return model;
      return {
        ...model,
        details: event,
        log: event.log
          ? { stdout: event.log.stdout, stderr: event.log.stderr, truncated: event.log.truncated }
          : { stdout: '', stderr: '', truncated: false },
      };
    }
    case 'select':
      if (event.step === model.selected) return model;
      return { ...model, selected: event.step, details: undefined, log: undefined };
    default:
      return model;
  }
}
