import { invalid } from '../model/errors';
import { parseCondition } from './condition';
import { checkFunctionRef, type ProcessingSpec } from './processing';

/** How a graph node runs its steps (KServe InferenceGraph's Sequence, Ensemble, Switch, Splitter). */
export type GraphNodeType = 'sequence' | 'ensemble' | 'switch' | 'splitter';

/** One step of a node: a model (with its own pre/post-processing), another node or a function. */
export interface GraphStep {
  /** Unique in its node; the name in metrics and in `Server-Timing`. */
  name: string;
  /** `models:/name@alias` or `models:/name/N` (KServe's `serviceName`). */
  model?: string;
  /** Another node of the graph (KServe's `nodeName`). */
  node?: string;
  /** A Python function (`module:function` or `file.py:function`) run on the step's input. */
  function?: string;
  processing?: ProcessingSpec;
  /** In a sequence: the graph's request, or the previous step's response (the default). */
  data: '$request' | '$response';
  /** In a switch: when this step is taken (see condition.ts); none: the default branch. */
  condition?: string;
  /** In a splitter: the step's share of the requests, in percent. */
  weight?: number;
}

/** One node of an inference graph. */
export interface GraphNode {
  name: string;
  type: GraphNodeType;
  steps: GraphStep[];
  /** In an ensemble: `average`, `vote` or a Python function combining the steps' outputs. */
  combine?: string;
}

/** An inference graph: its nodes and the one requests enter. */
export interface GraphSpec {
  root: string;
  nodes: Record<string, GraphNode>;
}

interface RawStep {
  name?: string;
  model?: string;
  node?: string;
  function?: string;
  preprocess?: string;
  postprocess?: string;
  data?: '$request' | '$response';
  condition?: string;
  weight?: number;
}

interface RawNode {
  type: GraphNodeType;
  steps: RawStep[];
  combine?: string;
}

/** A step's default name: its model's, node's or function's, made a safe token. */
function defaultName(step: RawStep, index: number): string {
  const from = step.model
    ? /^models:\/([^/@]+)/.exec(step.model)?.[1]
    : (step.node ?? step.function?.split(':').pop());
  const token = (from ?? '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48);
  return token ? token : `step${index}`;
}

/**
 * The graph a deployment's `graph:` declares (its shape already checked by the schema), with
 * every reference checked: the root and each `node:` exist, no node reaches itself, every node
 * is reachable, conditions parse, functions are inside the workspace.
 * @throws SextantError INVALID_PARAMETER_VALUE naming the node and step at fault.
 */
export function parseGraph(raw: unknown, where: string, workspace: string): GraphSpec {
  const section = raw as { root?: string; nodes: Record<string, RawNode> };
  const names = Object.keys(section.nodes);
  const root =
    section.root ?? (names.includes('root') ? 'root' : names.length === 1 ? names[0] : undefined);
  if (root === undefined) {
    throw invalid(`${where}.root: name the node requests enter (one of ${names.join(', ')})`);
  }
  if (!names.includes(root)) {
    throw invalid(`${where}.root: no node '${root}'; the graph has ${names.join(', ')}`);
  }
  const nodes: Record<string, GraphNode> = {};
  for (const [name, node] of Object.entries(section.nodes)) {
    const at = `${where}.nodes.${name}`;
    const seen = new Set<string>();
    const steps = node.steps.map((step, i): GraphStep => {
      const stepAt = `${at}.steps[${i}]`;
      const targets = (['model', 'node', 'function'] as const).filter((k) => step[k] !== undefined);
      if (targets.length !== 1) {
        throw invalid(`${stepAt}: give exactly one of model, node or function`);
      }
      const fallback = defaultName(step, i);
      const stepName = step.name ?? (seen.has(fallback) ? `${fallback}_${i}` : fallback);
      if (seen.has(stepName)) {
        throw invalid(
          `${stepAt}: step name '${stepName}' is used twice in node '${name}'; give each a name`,
        );
      }
      seen.add(stepName);
      if (step.node !== undefined && !names.includes(step.node)) {
        throw invalid(`${stepAt}: no node '${step.node}'; the graph has ${names.join(', ')}`);
      }
      if (step.function !== undefined)
        checkFunctionRef(step.function, workspace, `${stepAt}.function`);
      if ((step.preprocess || step.postprocess) && step.model === undefined) {
        throw invalid(`${stepAt}: preprocess and postprocess go on a model step`);
      }
      if (step.preprocess) checkFunctionRef(step.preprocess, workspace, `${stepAt}.preprocess`);
      if (step.postprocess) checkFunctionRef(step.postprocess, workspace, `${stepAt}.postprocess`);
      if (step.data !== undefined && node.type !== 'sequence') {
        throw invalid(`${stepAt}: data ($request or $response) is for the steps of a sequence`);
      }
      if (step.condition !== undefined) {
        if (node.type !== 'switch') {
          throw invalid(`${stepAt}: a condition is for the steps of a switch`);
        }
        try {
          parseCondition(step.condition);
        } catch (error) {
          throw invalid(`${stepAt}: ${(error as Error).message}`);
        }
      } else if (node.type === 'switch' && i < node.steps.length - 1) {
        throw invalid(
          `${stepAt}: give a condition (only the last step of a switch may be its default)`,
        );
      }
      if (step.weight !== undefined && node.type !== 'splitter') {
        throw invalid(`${stepAt}: a weight is for the steps of a splitter`);
      }
      if (step.weight === undefined && node.type === 'splitter') {
        throw invalid(`${stepAt}: give each step of a splitter a weight (percent)`);
      }
      const processing: ProcessingSpec = {
        ...(step.preprocess ? { preprocess: step.preprocess } : {}),
        ...(step.postprocess ? { postprocess: step.postprocess } : {}),
      };
      return {
        name: stepName,
        ...(step.model !== undefined ? { model: step.model } : {}),
        ...(step.node !== undefined ? { node: step.node } : {}),
        ...(step.function !== undefined ? { function: step.function } : {}),
        ...(Object.keys(processing).length > 0 ? { processing } : {}),
        data: step.data ?? (i === 0 ? '$request' : '$response'),
        ...(step.condition !== undefined ? { condition: step.condition } : {}),
        ...(step.weight !== undefined ? { weight: step.weight } : {}),
      };
    });
    if (node.type === 'splitter') {
      const total = steps.reduce((sum, s) => sum + s.weight!, 0);
      if (total !== 100) {
        throw invalid(`${at}: the weights of a splitter's steps sum to ${total}; make them 100`);
      }
    }
    if (node.type === 'ensemble') {
      if (steps.length < 2) throw invalid(`${at}: an ensemble needs at least two steps`);
      if (node.combine === undefined) {
        throw invalid(`${at}: an ensemble needs combine: average, vote or module:function`);
      }
      if (node.combine !== 'average' && node.combine !== 'vote') {
        checkFunctionRef(node.combine, workspace, `${at}.combine`);
      }
    } else if (node.combine !== undefined) {
      throw invalid(`${at}: combine is for an ensemble`);
    }
    nodes[name] = {
      name,
      type: node.type,
      steps,
      ...(node.combine !== undefined ? { combine: node.combine } : {}),
    };
  }
  checkAcyclic(nodes, root, where);
  return { root, nodes };
}

/** Refuses a node that reaches itself, and a node the root does not reach. */
function checkAcyclic(nodes: Record<string, GraphNode>, root: string, where: string): void {
  const done = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    if (trail.includes(name)) {
      throw invalid(
        `${where}: the nodes form a cycle: ${[...trail.slice(trail.indexOf(name)), name].join(' → ')}`,
      );
    }
    if (done.has(name)) return;
    for (const step of nodes[name]!.steps) {
      if (step.node !== undefined) visit(step.node, [...trail, name]);
    }
    done.add(name);
  };
  visit(root, []);
  for (const name of Object.keys(nodes)) if (!done.has(name)) visit(name, []);
  const reached = new Set<string>();
  const walk = (name: string): void => {
    if (reached.has(name)) return;
    reached.add(name);
    for (const step of nodes[name]!.steps) if (step.node !== undefined) walk(step.node);
  };
  walk(root);
  const unreached = Object.keys(nodes).filter((n) => !reached.has(n));
  if (unreached.length > 0) {
    throw invalid(
      `${where}: node ${unreached.map((n) => `'${n}'`).join(', ')} is not reached from the root '${root}'`,
    );
  }
}

/** The models a graph serves, each once, with the pre/post-processing of its steps. */
export function graphModels(
  graph: GraphSpec,
): { key: string; model: string; processing: ProcessingSpec }[] {
  const models = new Map<string, { key: string; model: string; processing: ProcessingSpec }>();
  for (const node of Object.values(graph.nodes)) {
    for (const step of node.steps) {
      if (step.model === undefined) continue;
      const key = modelKey(step);
      if (!models.has(key))
        models.set(key, { key, model: step.model, processing: step.processing ?? {} });
    }
  }
  return [...models.values()];
}

/** What identifies a model step's runtime: its model and its functions. */
export const modelKey = (step: GraphStep): string =>
  JSON.stringify([
    step.model,
    step.processing?.preprocess ?? '',
    step.processing?.postprocess ?? '',
  ]);

/** The Python functions a graph's functions worker loads: function steps and combines. */
export function graphFunctions(graph: GraphSpec): string[] {
  const functions = new Set<string>();
  for (const node of Object.values(graph.nodes)) {
    for (const step of node.steps) if (step.function !== undefined) functions.add(step.function);
    if (node.combine !== undefined && node.combine !== 'average' && node.combine !== 'vote') {
      functions.add(node.combine);
    }
  }
  return [...functions];
}

/**
 * The processing functions and the graph of one deployment as declared (`preprocess`,
 * `postprocess`, `graph`), checked: functions inside the workspace, no processing on the onnx
 * runtime, a graph in place of `model` and of `routes`.
 * @throws SextantError INVALID_PARAMETER_VALUE prefixed with `where`.
 */
export function parseServingExtras(
  raw: unknown,
  where: string,
  workspace: string,
): { processing?: ProcessingSpec; graph?: GraphSpec } {
  const d = raw as {
    model?: string;
    runtime?: string;
    routes?: unknown;
    preprocess?: string;
    postprocess?: string;
    graph?: unknown;
  };
  const processing: ProcessingSpec = {
    ...(d.preprocess !== undefined ? { preprocess: d.preprocess } : {}),
    ...(d.postprocess !== undefined ? { postprocess: d.postprocess } : {}),
  };
  if (d.graph !== undefined) {
    if (d.model !== undefined) throw invalid(`${where}: give model or graph, not both`);
    if (d.routes !== undefined) {
      throw invalid(`${where}: routes are not served for a graph; a graph is one variant`);
    }
    if (d.runtime === 'onnx') {
      throw invalid(`${where}: a graph runs its models in Python workers; remove runtime: onnx`);
    }
    if (Object.keys(processing).length > 0) {
      throw invalid(
        `${where}: put preprocess and postprocess on the graph's model steps, or use function steps`,
      );
    }
    return { graph: parseGraph(d.graph, `${where}.graph`, workspace) };
  }
  if (Object.keys(processing).length === 0) return {};
  if (d.runtime === 'onnx') {
    throw invalid(
      `${where}: preprocess and postprocess run in Python workers, not in the onnx runtime; use runtime: python`,
    );
  }
  if (processing.preprocess)
    checkFunctionRef(processing.preprocess, workspace, `${where}.preprocess`);
  if (processing.postprocess) {
    checkFunctionRef(processing.postprocess, workspace, `${where}.postprocess`);
  }
  return { processing };
}

/** The model URIs a graph names, each once. */
export const graphModelUris = (graph: GraphSpec): string[] => [
  ...new Set(graphModels(graph).map((m) => m.model)),
];
