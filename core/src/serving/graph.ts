import { Counter, Histogram, type Registry } from 'prom-client';
import { combineResults } from './combine';
import { evaluateCondition, parseCondition, type Condition } from './condition';
import { ServingError } from './errors';
import {
  graphFunctions,
  graphModels,
  modelKey,
  type GraphNode,
  type GraphSpec,
  type GraphStep,
} from './graphSpec';
import { ReplicaPool, type PoolOptions } from './pool';
import type { GraphResult } from './nodeTiming';
import { processingEnv } from './processing';
import type { Runtime } from './runtime';
import { WorkerProcess, type WorkerReady, type WorkerResult } from './worker';

/** A graph to serve, its models resolved to folders on disk. */
export interface GraphServing {
  graph: GraphSpec;
  /** Each model URI of the graph to its folder. */
  modelDirs: Record<string, string>;
  /** The Python of the workers (models, and the functions worker). */
  python: string;
  /** The folder function names are resolved in. */
  workspace: string;
}

/** How a graph starts its workers: the pool limits of its deployment. */
export type GraphPoolOptions = Omit<PoolOptions, 'startWorker'> & {
  script?: string;
  onStderr?: (text: string) => void;
};

type Item = Record<string, unknown>;

const BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * An inference graph as one runtime: sequence, ensemble, switch and splitter nodes over the replicas of
 * its models and a worker for its Python functions; each node's and step's latency goes to a
 * Prometheus histogram labelled by node and comes back with the result.
 */
export class GraphRuntime implements Runtime {
  readonly ready: Promise<WorkerReady>;
  private readonly runtimes: Runtime[];
  private readonly conditions = new Map<GraphStep, Condition>();
  private readonly latency = new Histogram({
    name: 'sextant_serving_graph_node_duration_seconds',
    help: 'Latency of each node of an inference graph, and of each step as node.step, in seconds',
    labelNames: ['deployment', 'node'] as const,
    buckets: BUCKETS,
    registers: [],
  });
  private readonly errors = new Counter({
    name: 'sextant_serving_graph_node_errors_total',
    help: 'Answers of an inference graph node or step that were errors',
    labelNames: ['deployment', 'node'] as const,
    registers: [],
  });

  constructor(
    private readonly deployment: string,
    private readonly graph: GraphSpec,
    private readonly models: ReadonlyMap<string, Runtime>,
    private readonly functions: Runtime | undefined,
    /** Numbers in [0, 1) for a splitter's choice (a seeded generator in tests). */
    private readonly random: () => number = Math.random,
  ) {
    this.runtimes = [...models.values(), ...(functions ? [functions] : [])];
    for (const node of Object.values(graph.nodes)) {
      for (const step of node.steps) {
        if (step.condition !== undefined) this.conditions.set(step, parseCondition(step.condition));
      }
    }
    this.ready = Promise.all(this.runtimes.map((r) => r.ready)).then((all) => ({
      pid: process.pid,
      inputs: null,
      outputs: null,
      params: null,
      inputsAreTensors: false,
      mlflowVersion: all[0]?.mlflowVersion ?? '',
    }));
    this.ready.catch(() => undefined);
  }

  /** Adds the node latency histogram and error counter to an endpoint's registry. */
  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.latency);
    registry.registerMetric(this.errors);
  }

  get isReady(): boolean {
    return this.runtimes.every((r) => r.isReady);
  }

  get failed(): string | undefined {
    return this.runtimes.map((r) => r.failed).find((f) => f !== undefined);
  }

  get queueDepth(): number {
    return this.runtimes.reduce((n, r) => n + r.queueDepth, 0);
  }

  get replicaCounts(): { ready: number; starting: number } {
    return this.runtimes.reduce(
      (n, r) => ({
        ready: n.ready + r.replicaCounts.ready,
        starting: n.starting + r.replicaCounts.starting,
      }),
      { ready: 0, starting: 0 },
    );
  }

  async submit(text: string): Promise<WorkerResult> {
    const timings: Record<string, number> = {};
    const result = await this.runNode(
      this.graph.nodes[this.graph.root]!,
      JSON.parse(text) as Item,
      timings,
    );
    const answer: GraphResult = { ...result, nodeLatencyMs: timings };
    return answer;
  }

  async stop(): Promise<void> {
    await Promise.all(this.runtimes.map((r) => r.stop()));
  }

  private async timed(
    label: string,
    timings: Record<string, number>,
    run: () => Promise<WorkerResult>,
  ): Promise<WorkerResult> {
    const started = process.hrtime.bigint();
    let failed = true;
    try {
      const result = await run();
      failed = 'error' in result;
      return result;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      timings[label] = Math.round(seconds * 1e6) / 1e3;
      this.latency.observe({ deployment: this.deployment, node: label }, seconds);
      if (failed) this.errors.inc({ deployment: this.deployment, node: label });
    }
  }

  private runNode(
    node: GraphNode,
    input: Item,
    timings: Record<string, number>,
  ): Promise<WorkerResult> {
    return this.timed(node.name, timings, async () => {
      switch (node.type) {
        case 'sequence':
          return this.sequence(node, input, timings);
        case 'ensemble':
          return this.ensemble(node, input, timings);
        case 'switch':
          return this.switch(node, input, timings);
        case 'splitter':
          return this.split(node, input, timings);
      }
    });
  }

  private runStep(
    node: GraphNode,
    step: GraphStep,
    input: Item,
    timings: Record<string, number>,
  ): Promise<WorkerResult> {
    return this.timed(`${node.name}.${step.name}`, timings, async () => {
      let result: WorkerResult;
      if (step.node !== undefined) {
        return this.runNode(this.graph.nodes[step.node]!, input, timings);
      } else if (step.model !== undefined) {
        result = await this.models.get(modelKey(step))!.submit(JSON.stringify(input));
      } else {
        result = await this.functions!.submit(
          JSON.stringify({ call: { function: step.function, item: input } }),
        );
      }
      if ('error' in result) {
        return {
          error: `graph node '${node.name}', step '${step.name}': ${result.error}`,
          status: result.status,
        };
      }
      return result;
    });
  }

  private async sequence(
    node: GraphNode,
    input: Item,
    timings: Record<string, number>,
  ): Promise<WorkerResult> {
    let previous: WorkerResult | undefined;
    for (const step of node.steps) {
      const data = step.data === '$request' || previous === undefined ? input : asItem(previous);
      previous = await this.runStep(node, step, data, timings);
      if ('error' in previous) return previous;
    }
    return previous!;
  }

  private async ensemble(
    node: GraphNode,
    input: Item,
    timings: Record<string, number>,
  ): Promise<WorkerResult> {
    const results = await Promise.all(
      node.steps.map((step) => this.runStep(node, step, input, timings)),
    );
    const failed = results.find((r) => 'error' in r);
    if (failed) return failed;
    const how = node.combine!;
    if (how === 'average' || how === 'vote') {
      try {
        return combineResults(how, results);
      } catch (error) {
        const e = error as ServingError;
        return {
          error: `graph node '${node.name}' (${how}): ${e.message}`,
          status: e.status ?? 500,
        };
      }
    }
    const combined = await this.functions!.submit(
      JSON.stringify({ call: { function: how, item: input, results: results.map(bare) } }),
    );
    if ('error' in combined) {
      return { error: `graph node '${node.name}': ${combined.error}`, status: combined.status };
    }
    return combined;
  }

  private split(
    node: GraphNode,
    input: Item,
    timings: Record<string, number>,
  ): Promise<WorkerResult> {
    let point = this.random() * 100;
    const chosen =
      node.steps.find((step) => step.weight! > 0 && (point -= step.weight!) < 0) ??
      node.steps.filter((step) => step.weight! > 0).pop()!;
    return this.runStep(node, chosen, input, timings);
  }

  private async switch(
    node: GraphNode,
    input: Item,
    timings: Record<string, number>,
  ): Promise<WorkerResult> {
    const request = (input.mlflow ?? input.oip ?? {}) as unknown;
    for (const step of node.steps) {
      const condition = this.conditions.get(step);
      if (condition === undefined || evaluateCondition(condition, request)) {
        return this.runStep(node, step, input, timings);
      }
    }
    return {
      error: `graph node '${node.name}': no condition matched the request (${node.steps.map((s) => s.condition).join('; ')}) and the switch has no default step`,
      status: 400,
    };
  }
}

/** A result without the graph's own fields, as a Python function sees it. */
function bare(result: WorkerResult): WorkerResult {
  const rest: GraphResult = { ...result };
  delete rest.nodeLatencyMs;
  return rest;
}

/**
 * A step's answer as the next step's input (KServe's `$response`): MLflow predictions that are
 * records become `dataframe_records`, a dict of columns `inputs`, anything else `instances`;
 * OIP outputs become the inputs of the same names.
 */
export function asItem(result: WorkerResult): Item {
  if ('outputs' in result) return { oip: { inputs: result.outputs } };
  const predictions = (result as { predictions: unknown }).predictions;
  if (
    Array.isArray(predictions) &&
    predictions.length > 0 &&
    predictions.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p))
  ) {
    return { mlflow: { dataframe_records: predictions } };
  }
  if (typeof predictions === 'object' && predictions !== null && !Array.isArray(predictions)) {
    return { mlflow: { inputs: predictions } };
  }
  return { mlflow: { instances: predictions } };
}

/**
 * Starts a graph's workers: one pool per model (and per pre/post-processing of it), and one
 * functions worker when the graph names Python functions.
 */
export function startGraph(
  deployment: string,
  serving: GraphServing,
  pool: GraphPoolOptions,
): GraphRuntime {
  const { script, onStderr, ...limits } = pool;
  const start = (modelDir: string, env: Record<string, string>): Runtime =>
    new ReplicaPool({
      ...limits,
      startWorker: () =>
        new WorkerProcess({
          python: serving.python,
          modelDir,
          env: { ...process.env, ...env },
          ...(script ? { script } : {}),
          ...(onStderr ? { onStderr } : {}),
        }),
    });
  const models = new Map<string, Runtime>();
  try {
    for (const m of graphModels(serving.graph)) {
      const dir = serving.modelDirs[m.model];
      if (dir === undefined) throw new ServingError(500, `no folder was given for ${m.model}`);
      models.set(m.key, start(dir, processingEnv(m.processing, serving.workspace)));
    }
    const functions = graphFunctions(serving.graph);
    const functionsRuntime =
      functions.length > 0
        ? start('--functions', {
            ...processingEnv({}, serving.workspace),
            SEXTANT_FUNCTIONS: JSON.stringify(functions),
          })
        : undefined;
    return new GraphRuntime(deployment, serving.graph, models, functionsRuntime);
  } catch (error) {
    for (const runtime of models.values()) void runtime.stop();
    throw error;
  }
}
