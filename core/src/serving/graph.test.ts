import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ServingError } from './errors';
import { asItem, GraphRuntime } from './graph';
import { modelKey, type GraphNode, type GraphSpec } from './graphSpec';
import type { GraphResult } from './nodeTiming';
import type { Runtime } from './runtime';
import { seededRandom } from './traffic';
import type { WorkerReady, WorkerResult } from './worker';

type Predicted = { predictions: unknown } & GraphResult;

const READY: WorkerReady = {
  pid: 1,
  inputs: null,
  outputs: null,
  params: null,
  inputsAreTensors: false,
  mlflowVersion: '3.0',
};

/** A runtime answering each item with `answer(item)`, keeping what it was sent. */
function fake(answer: (item: Record<string, unknown>) => WorkerResult | Promise<WorkerResult>) {
  const sent: Record<string, unknown>[] = [];
  const runtime: Runtime & { sent: typeof sent } = {
    sent,
    ready: Promise.resolve(READY),
    isReady: true,
    failed: undefined,
    queueDepth: 0,
    replicaCounts: { ready: 1, starting: 0 },
    submit: async (text) => {
      const item = JSON.parse(text) as Record<string, unknown>;
      sent.push(item);
      return answer(item);
    },
    stop: async () => undefined,
  };
  return runtime;
}

const rows = (item: Record<string, unknown>) =>
  ((item.mlflow as { dataframe_records?: { x: number }[] }).dataframe_records ?? []).map(
    (r) => r.x,
  );

function graphOf(nodes: GraphNode[], root = nodes[0]!.name): GraphSpec {
  return { root, nodes: Object.fromEntries(nodes.map((n) => [n.name, n])) };
}

const step = (name: string, target: Record<string, string>, extra = {}) => ({
  name,
  data: '$response' as const,
  ...target,
  ...extra,
});

describe('GraphRuntime', () => {
  const double = fake((item) => ({ predictions: rows(item).map((x) => ({ x: x * 2 })) }));
  const plusOne = fake((item) => ({ predictions: rows(item).map((x) => x + 1) }));
  const minusOne = fake((item) => ({ predictions: rows(item).map((x) => x - 1) }));
  const models = new Map<string, Runtime>([
    [modelKey(step('d', { model: 'models:/double/1' })), double],
    [modelKey(step('p', { model: 'models:/plus/1' })), plusOne],
    [modelKey(step('m', { model: 'models:/minus/1' })), minusOne],
  ]);
  const request = JSON.stringify({ mlflow: { dataframe_records: [{ x: 1 }, { x: 5 }] } });

  it('runs a sequence, each step on the response before it or on the request', async () => {
    const graph = graphOf([
      {
        name: 'seq',
        type: 'sequence',
        steps: [
          step('double', { model: 'models:/double/1' }, { data: '$request' }),
          step('plus', { model: 'models:/plus/1' }),
        ],
      },
    ]);
    const runtime = new GraphRuntime('g', graph, models, undefined);
    const result = (await runtime.submit(request)) as Predicted;
    assert.deepEqual(result.predictions, [3, 11]);
    assert.deepEqual(Object.keys(result.nodeLatencyMs!).sort(), ['seq', 'seq.double', 'seq.plus']);
    const fromRequest = new GraphRuntime(
      'g',
      graphOf([
        {
          name: 'seq',
          type: 'sequence',
          steps: [
            step('double', { model: 'models:/double/1' }, { data: '$request' }),
            step('plus', { model: 'models:/plus/1' }, { data: '$request' }),
          ],
        },
      ]),
      models,
      undefined,
    );
    assert.deepEqual(((await fromRequest.submit(request)) as Predicted).predictions, [2, 6]);
  });

  it('runs an ensemble in parallel and a switch by condition, nodes within nodes', async () => {
    const graph = graphOf([
      {
        name: 'root',
        type: 'switch',
        steps: [
          step('avg', { node: 'avg' }, { condition: 'params.kind == "avg"' }),
          step('big', { model: 'models:/plus/1' }, { condition: 'dataframe_records[0].x > 3' }),
        ],
      },
      {
        name: 'avg',
        type: 'ensemble',
        combine: 'average',
        steps: [step('p', { model: 'models:/plus/1' }), step('m', { model: 'models:/minus/1' })],
      },
    ]);
    const registry = new Registry();
    const runtime = new GraphRuntime('g', graph, models, undefined);
    runtime.registerMetrics(registry);
    const averaged = (await runtime.submit(
      JSON.stringify({
        mlflow: { dataframe_records: [{ x: 1 }, { x: 5 }], params: { kind: 'avg' } },
      }),
    )) as Predicted;
    assert.deepEqual(averaged.predictions, [1, 5]);
    assert.deepEqual(Object.keys(averaged.nodeLatencyMs!).sort(), [
      'avg',
      'avg.m',
      'avg.p',
      'root',
      'root.avg',
    ]);
    const big = await runtime.submit(JSON.stringify({ mlflow: { dataframe_records: [{ x: 4 }] } }));
    assert.deepEqual((big as Predicted).predictions, [5]);
    const none = await runtime.submit(
      JSON.stringify({ mlflow: { dataframe_records: [{ x: 0 }] } }),
    );
    assert.equal((none as { status: number }).status, 400);
    assert.match((none as { error: string }).error, /graph node 'root': no condition matched/);
    const text = await registry.metrics();
    assert.match(
      text,
      /sextant_serving_graph_node_duration_seconds_count\{deployment="g",node="avg.m"\} 1/,
    );
    assert.match(text, /sextant_serving_graph_node_errors_total\{deployment="g",node="root"\} 1/);
  });

  it('splits requests between the steps of a splitter by weight', async () => {
    const graph = graphOf([
      {
        name: 'split',
        type: 'splitter',
        steps: [
          step('p', { model: 'models:/plus/1' }, { weight: 70 }),
          step('none', { model: 'models:/double/1' }, { weight: 0 }),
          step('m', { model: 'models:/minus/1' }, { weight: 30 }),
        ],
      },
    ]);
    const runtime = new GraphRuntime('g', graph, models, undefined, seededRandom(7));
    const one = JSON.stringify({ mlflow: { dataframe_records: [{ x: 1 }] } });
    const answers: unknown[] = [];
    for (let i = 0; i < 1000; i++)
      answers.push(((await runtime.submit(one)) as Predicted).predictions);
    const plus = answers.filter((a) => JSON.stringify(a) === '[2]').length;
    const minus = answers.filter((a) => JSON.stringify(a) === '[0]').length;
    assert.equal(plus + minus, 1000, 'a step of weight 0 never answers');
    assert.ok(Math.abs(plus - 700) < 60, `70% expected, got ${plus / 10}%`);
  });

  it("names the node and step of an error, and passes the pool's own errors on", async () => {
    const failing = fake(() => ({ error: 'the model could not predict', status: 400 }));
    const busy = fake(() => {
      throw new ServingError(429, 'the queue is full', 1);
    });
    const m = new Map<string, Runtime>([
      [modelKey(step('f', { model: 'models:/fail/1' })), failing],
      [modelKey(step('b', { model: 'models:/busy/1' })), busy],
      ...models,
    ]);
    const graph = (target: string) =>
      graphOf([
        {
          name: 'seq',
          type: 'sequence',
          steps: [step('first', { model: target }), step('plus', { model: 'models:/plus/1' })],
        },
      ]);
    const result = await new GraphRuntime('g', graph('models:/fail/1'), m, undefined).submit(
      request,
    );
    assert.deepEqual(result, {
      error: "graph node 'seq', step 'first': the model could not predict",
      status: 400,
      nodeLatencyMs: (result as Predicted).nodeLatencyMs,
    });
    await assert.rejects(
      new GraphRuntime('g', graph('models:/busy/1'), m, undefined).submit(request),
      (e: ServingError) => e.status === 429 && e.retryAfter === 1,
    );
  });

  it('sends function steps and combine functions to the functions worker', async () => {
    const functions = fake((item) => {
      const call = item.call as {
        function: string;
        item: Record<string, unknown>;
        results?: WorkerResult[];
      };
      if (call.results)
        return {
          predictions: call.results.map((r) => (r as { predictions: number[] }).predictions[0]),
        };
      return { predictions: rows(call.item).map((x) => ({ x: x * 10 })) };
    });
    const graph = graphOf([
      {
        name: 'seq',
        type: 'sequence',
        steps: [step('scale', { function: 'f.py:scale' }), step('both', { node: 'both' })],
      },
      {
        name: 'both',
        type: 'ensemble',
        combine: 'f.py:first',
        steps: [step('p', { model: 'models:/plus/1' }), step('m', { model: 'models:/minus/1' })],
      },
    ]);
    const result = await new GraphRuntime('g', graph, models, functions).submit(request);
    assert.deepEqual((result as Predicted).predictions, [11, 9]);
    assert.deepEqual(functions.sent[1], {
      call: {
        function: 'f.py:first',
        item: { mlflow: { dataframe_records: [{ x: 10 }, { x: 50 }] } },
        results: [{ predictions: [11, 51] }, { predictions: [9, 49] }],
      },
    });
  });
});

describe('asItem', () => {
  it("makes a step's answer the next step's input", () => {
    assert.deepEqual(asItem({ predictions: [{ a: 1 }] }), {
      mlflow: { dataframe_records: [{ a: 1 }] },
    });
    assert.deepEqual(asItem({ predictions: [1, 2] }), { mlflow: { instances: [1, 2] } });
    assert.deepEqual(asItem({ predictions: { a: [1] } }), { mlflow: { inputs: { a: [1] } } });
    assert.deepEqual(asItem({ outputs: [{ name: 'y' }] }), { oip: { inputs: [{ name: 'y' }] } });
  });
});
