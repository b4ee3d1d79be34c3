import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseDeployments } from './deploymentSpec';

const FILE = path.join('/work', 'project', 'sextant.yaml');

const deployments = (text: string) =>
  parseDeployments((parse(text) as { deployments: unknown }).deployments, FILE);

const graph = (nodes: string, root = '') =>
  deployments(`
deployments:
  g:
    graph:
      ${root}
      nodes:
${nodes}
`);

describe('graphs in deployments', () => {
  it('reads nodes and steps with their defaults', () => {
    const [spec] = graph(`
        root:
          type: sequence
          steps:
            - function: features.py:clean
            - model: models:/reg/1
              preprocess: pkg.prep:scale
            - { name: again, node: pick, data: $request }
        pick:
          type: switch
          steps:
            - { model: models:/a@champion, condition: 'params.kind == "a"' }
            - { node: both }
        both:
          type: ensemble
          combine: vote
          steps: [{ model: models:/a/1 }, { model: models:/a/2 }]
`);
    assert.equal(spec!.model, '');
    assert.equal(spec!.graph!.root, 'root');
    assert.deepEqual(spec!.graph!.nodes.root!.steps, [
      { name: 'clean', function: 'features.py:clean', data: '$request' },
      {
        name: 'reg',
        model: 'models:/reg/1',
        processing: { preprocess: 'pkg.prep:scale' },
        data: '$response',
      },
      { name: 'again', node: 'pick', data: '$request' },
    ]);
    assert.deepEqual(
      spec!.graph!.nodes.pick!.steps.map((s) => [s.name, s.condition]),
      [
        ['a', 'params.kind == "a"'],
        ['both', undefined],
      ],
    );
    assert.equal(spec!.graph!.nodes.both!.combine, 'vote');
    assert.deepEqual(
      spec!.graph!.nodes.both!.steps.map((s) => s.name),
      ['a', 'a_1'],
    );
  });

  it('reads pre- and post-processing of a plain deployment', () => {
    const [spec] = deployments(`
deployments:
  d:
    model: models:/m/1
    preprocess: sub/features.py:clean
    postprocess: features:label
`);
    assert.deepEqual(spec!.processing, {
      preprocess: 'sub/features.py:clean',
      postprocess: 'features:label',
    });
  });

  const refuses = (nodes: string, message: RegExp, root = 'root: a') =>
    assert.throws(() => graph(nodes, root), message);

  it('refuses unknown nodes, cycles and unreached nodes', () => {
    refuses(
      `        a: { type: sequence, steps: [{ node: nowhere }] }`,
      /no node 'nowhere'; the graph has a/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1 }] }`,
      /g.graph.root: no node 'b'/,
      'root: b',
    );
    refuses(
      `        a: { type: sequence, steps: [{ node: b }] }
        b: { type: sequence, steps: [{ node: c }] }
        c: { type: ensemble, combine: average, steps: [{ model: models:/m/1 }, { node: a }] }`,
      /the nodes form a cycle: a → b → c → a/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1 }] }
        b: { type: sequence, steps: [{ model: models:/m/2 }] }`,
      /node 'b' is not reached from the root 'a'/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1 }] }
        b: { type: sequence, steps: [{ model: models:/m/2 }] }`,
      /g.graph.root: name the node requests enter/,
      '',
    );
  });

  it('refuses bad conditions and misplaced fields', () => {
    refuses(
      `        a: { type: switch, steps: [{ model: models:/m/1, condition: 'x ==' }, { model: models:/m/2 }] }`,
      /nodes.a.steps\[0\]: condition 'x ==': the condition ends/,
    );
    refuses(
      `        a: { type: switch, steps: [{ model: models:/m/1 }, { model: models:/m/2 }] }`,
      /steps\[0\]: give a condition \(only the last step of a switch may be its default\)/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1, condition: 'x == 1' }] }`,
      /a condition is for the steps of a switch/,
    );
    refuses(
      `        a: { type: ensemble, steps: [{ model: models:/m/1 }, { model: models:/m/2 }] }`,
      /an ensemble needs combine: average, vote or module:function/,
    );
    refuses(
      `        a: { type: ensemble, combine: vote, steps: [{ model: models:/m/1 }] }`,
      /at least two steps/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1, node: a }] }`,
      /give exactly one of model, node or function/,
    );
    refuses(
      `        a: { type: ensemble, combine: vote, steps: [{ name: m, model: models:/m/1 }, { name: m, model: models:/m/2 }] }`,
      /step name 'm' is used twice/,
    );
    refuses(
      `        a: { type: fork, steps: [{ model: models:/m/1 }] }`,
      /nodes.a.type: must be equal to one of/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1, serviceName: x }] }`,
      /unknown field 'serviceName'/,
    );
  });

  it('reads a splitter whose weights make 100, and refuses one whose do not', () => {
    const [spec] = graph(`
        a:
          type: splitter
          steps: [{ model: models:/m/1, weight: 70 }, { model: models:/m/2, weight: 30 }]
`);
    assert.deepEqual(
      spec!.graph!.nodes.a!.steps.map((s) => s.weight),
      [70, 30],
    );
    refuses(
      `        a: { type: splitter, steps: [{ model: models:/m/1, weight: 70 }, { model: models:/m/2, weight: 20 }] }`,
      /nodes.a: the weights of a splitter's steps sum to 90; make them 100/,
    );
    refuses(
      `        a: { type: splitter, steps: [{ model: models:/m/1, weight: 100 }, { model: models:/m/2 }] }`,
      /steps\[1\]: give each step of a splitter a weight/,
    );
    refuses(
      `        a: { type: sequence, steps: [{ model: models:/m/1, weight: 100 }] }`,
      /a weight is for the steps of a splitter/,
    );
  });

  it('refuses functions outside the workspace and processing the runtime cannot run', () => {
    refuses(
      `        a: { type: sequence, steps: [{ function: ../up.py:f }, { model: models:/m/1 }] }`,
      /steps\[0\].function: '..\/up.py:f' is outside the workspace/,
    );
    assert.throws(
      () =>
        deployments(`
deployments:
  d: { model: models:/m/1, preprocess: /etc/x.py:f }
`),
      /d.preprocess: '\/etc\/x.py:f' is outside the workspace/,
    );
    assert.throws(
      () =>
        deployments(`
deployments:
  d: { model: models:/m/1, postprocess: "not a function:f" }
`),
      /'not a function:f' is not a function/,
    );
    assert.throws(
      () =>
        deployments(`
deployments:
  d: { model: models:/m/1, runtime: onnx, preprocess: f:g }
`),
      /not in the onnx runtime; use runtime: python/,
    );
    assert.throws(
      () =>
        deployments(`
deployments:
  d: { model: models:/m/1, graph: { nodes: { a: { type: sequence, steps: [{ model: models:/m/1 }] } } } }
`),
      /give model or graph, not both/,
    );
    assert.throws(
      () =>
        deployments(`
deployments:
  d: { replicas: 2 }
`),
      /missing field 'model' \(or 'graph'\) in d/,
    );
  });
});
