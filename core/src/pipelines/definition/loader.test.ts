import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { PipelineDiagnostic, PipelineDiagnosticCode } from '../../model/pipeline';
import { analyzePipelineFile, loadPipelineFile } from './index';
import { keyRange, rangeOf, workspace } from './workspace.testing';

/** Loads `sextant.yaml` of a fresh workspace holding `files`. */
async function load(spec: string, files: Record<string, string> = {}) {
  const root = workspace({ 'sextant.yaml': spec, ...files });
  return analyzePipelineFile(path.join(root, 'sextant.yaml'));
}

/** The one diagnostic with `code`, failing when there is not exactly one. */
function only(diagnostics: PipelineDiagnostic[], code: PipelineDiagnosticCode): PipelineDiagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(
    found.length,
    1,
    `expected one ${code}, got ${JSON.stringify(diagnostics, null, 1)}`,
  );
  return found[0]!;
}

const SCRIPTS = { 'src/prepare.py': '', 'src/train.py': '', 'data/raw.csv': 'a\n1\n' };

describe('pipeline loader: resolving', () => {
  test('a valid file resolves: order from outputs to deps, params, resources, compute, triggers', async () => {
    const spec = `compute:
  gpu-cluster: { kind: ray, address: http://127.0.0.1:8265 }
  far: { kind: ray, address: http://head:8265, workspace: upload, tracking: http://me:5000 }
defaults:
  retries: 1
  env: { SEED: 7 }
pipelines:
  train:
    on:
      files: [data/**]
      cron: "0 2 * * *"
      webhook: true
      pipeline: { name: ingest, on: success }
      alert: [data-drift, slow]
    steps:
      evaluate:
        run: python src/train.py --eval
        deps: [models/model.pkl]
        metrics: [metrics/eval.json]
      fit:
        run: python src/train.py --lr \${params.train.lr}
        deps: [data/prepared, src/train.py]
        params: [train.epochs]
        outs: [models]
        compute: gpu-cluster
        timeout: 1h30m
        resources: { cpu: 4, gpu: 1, memory: 2Gi }
        env: { MODE: fit }
        requirements: requirements.txt
      prepare:
        run: python src/prepare.py
        deps: [data/raw.csv]
        outs: [data/prepared]
        after: []
`;
    const loaded = await load(spec, {
      ...SCRIPTS,
      'params.yaml': 'train:\n  lr: 0.05\n  epochs: 3\n',
      'requirements.txt': 'numpy\n',
    });
    assert.deepEqual(loaded.diagnostics, []);
    const [pipeline] = loaded.pipelines;
    assert.ok(pipeline);
    assert.equal(pipeline.name, 'train');
    assert.deepEqual(
      pipeline.steps.map((s) => [s.name, s.upstream]),
      [
        ['prepare', []],
        ['fit', ['prepare']],
        ['evaluate', ['fit']],
      ],
    );
    const fit = pipeline.steps[1]!;
    assert.equal(fit.run, 'python src/train.py --lr 0.05');
    assert.deepEqual(fit.params, [
      { file: 'params.yaml', key: 'train.epochs', value: 3 },
      { file: 'params.yaml', key: 'train.lr', value: 0.05 },
    ]);
    assert.deepEqual(fit.resources, { cpu: 4, gpu: 1, memoryMb: 2048 });
    assert.equal(fit.compute, 'gpu-cluster');
    assert.equal(fit.timeoutSec, 5400);
    assert.equal(fit.retries, 1);
    assert.deepEqual(fit.environment, {
      vars: { SEED: '7', MODE: 'fit' },
      requirements: 'requirements.txt',
    });
    assert.deepEqual(fit.location.range, rangeOf(spec, 'fit'));
    assert.deepEqual(pipeline.steps[2]!.outputs, ['metrics/eval.json']);
    assert.deepEqual(pipeline.steps[2]!.metrics, ['metrics/eval.json']);
    assert.deepEqual(pipeline.compute, [
      { name: 'local', kind: 'local' },
      { name: 'gpu-cluster', kind: 'ray', address: 'http://127.0.0.1:8265' },
      {
        name: 'far',
        kind: 'ray',
        address: 'http://head:8265',
        workspace: 'upload',
        tracking: 'http://me:5000',
      },
    ]);
    assert.deepEqual(pipeline.triggers, [
      { kind: 'files', paths: ['data/**'], debounceMs: 500 },
      { kind: 'cron', schedule: '0 2 * * *' },
      { kind: 'webhook' },
      { kind: 'pipeline', pipeline: 'ingest', on: 'success' },
      { kind: 'alert', rule: 'data-drift' },
      { kind: 'alert', rule: 'slow' },
    ]);
    assert.deepEqual(pipeline.location.range, rangeOf(spec, 'train:'.slice(0, 5)));
  });

  test('top-level steps make one pipeline named by `name:` (main by default); timeout in seconds', async () => {
    const loaded = await load('steps:\n  hello:\n    run: echo hi\n    timeout: 90\n');
    assert.deepEqual(loaded.diagnostics, []);
    assert.equal(loaded.pipelines[0]!.name, 'main');
    assert.equal(loaded.pipelines[0]!.steps[0]!.timeoutSec, 90);
    const named = await load('name: nightly\nsteps:\n  hello:\n    run: echo hi\n');
    assert.equal(named.pipelines[0]!.name, 'nightly');
  });

  test('YAML anchors, aliases and merge keys; `x-` fields hold them', async () => {
    const spec = `x-common: &common
  retries: 2
  env: { MODE: fast }
steps:
  a:
    <<: *common
    run: echo a
    resources: &res { cpu: 2 }
  b:
    run: echo b
    resources: *res
    env: *common
`;
    const loaded = await load(spec);
    assert.deepEqual(
      loaded.diagnostics.map((d) => [d.code, d.range]),
      [['schema', rangeOf(spec, '{ MODE: fast }')]],
    );
    const fixed = await load(spec.replace('    env: *common\n', ''));
    assert.deepEqual(fixed.diagnostics, []);
    assert.deepEqual(
      fixed.pipelines[0]!.steps.map((s) => [
        s.name,
        s.retries,
        s.resources.cpu,
        s.environment.vars,
      ]),
      [
        ['a', 2, 2, { MODE: 'fast' }],
        ['b', 0, 2, {}],
      ],
    );
  });

  test('`text` overrides the file on disk, `root` moves the workspace', async () => {
    const root = workspace({ 'sextant.yaml': 'steps: {}\n', 'sub/x.sh': '' });
    const loaded = await loadPipelineFile(path.join(root, 'sextant.yaml'), {
      text: 'steps:\n  a:\n    run: ./sub/x.sh\n',
    });
    assert.deepEqual(loaded.diagnostics, []);
    assert.equal(loaded.pipelines[0]!.steps[0]!.run, './sub/x.sh');
    const elsewhere = await loadPipelineFile(path.join(root, 'sub', 'p.sextant.yaml'), {
      text: 'steps:\n  a:\n    run: ./sub/x.sh\n',
      root,
    });
    assert.deepEqual(elsewhere.diagnostics, []);
    assert.equal(elsewhere.pipelines[0]!.root, root);
  });

  test('a dependency inside another step’s output folder orders the steps; `after:` adds order', async () => {
    const loaded = await load(
      `steps:
  report:
    run: echo report
    after: [train]
  train:
    run: echo train
    deps: [data/prepared/train.csv]
  prepare:
    run: echo prepare
    outs: [data/prepared]
`,
    );
    assert.deepEqual(loaded.diagnostics, []);
    assert.deepEqual(
      loaded.pipelines[0]!.steps.map((s) => [s.name, s.upstream]),
      [
        ['prepare', []],
        ['train', ['prepare']],
        ['report', ['train']],
      ],
    );
  });

  test('params from another file (JSON) and whole sub-maps', async () => {
    const loaded = await load(
      `steps:
  a:
    run: echo a
    params:
      - model
      - { file: conf/extra.json, keys: [opt.beta] }
`,
      {
        'params.yaml': 'model:\n  depth: 3\n  kind: tree\n',
        'conf/extra.json': '{"opt": {"beta": [0.9, 0.99]}}',
      },
    );
    assert.deepEqual(loaded.diagnostics, []);
    assert.deepEqual(loaded.pipelines[0]!.steps[0]!.params, [
      { file: 'params.yaml', key: 'model', value: { depth: 3, kind: 'tree' } },
      { file: 'conf/extra.json', key: 'opt.beta', value: [0.9, 0.99] },
    ]);
    assert.deepEqual(
      loaded.paramsFiles.sort(),
      ['conf/extra.json', 'params.yaml'].map((f) => path.join(loaded.root, f)).sort(),
    );
  });

  test('a top-level `params:` names the default params file', async () => {
    const loaded = await load(
      'params: conf/p.yaml\nsteps:\n  a:\n    run: echo\n    params: [x]\n',
      {
        'conf/p.yaml': 'x: 1\n',
      },
    );
    assert.deepEqual(loaded.diagnostics, []);
    assert.deepEqual(loaded.pipelines[0]!.steps[0]!.params, [
      { file: 'conf/p.yaml', key: 'x', value: 1 },
    ]);
  });
});

describe('pipeline loader: foreach and matrix', () => {
  test('a list of values makes step@value with ${item}', async () => {
    const loaded = await load(
      `steps:
  train:
    foreach: [0.1, 0.01]
    run: echo \${item} > out-\${item}.txt
    outs: ['out-\${item}.txt']
  pick:
    run: echo pick
    deps: [out-0.1.txt, out-0.01.txt]
    after: [train]
`,
    );
    assert.deepEqual(loaded.diagnostics, []);
    const steps = loaded.pipelines[0]!.steps;
    assert.deepEqual(
      steps.map((s) => [s.name, s.run, s.outputs, s.upstream]),
      [
        ['train@0.1', 'echo 0.1 > out-0.1.txt', ['out-0.1.txt'], []],
        ['train@0.01', 'echo 0.01 > out-0.01.txt', ['out-0.01.txt'], []],
        ['pick', 'echo pick', [], ['train@0.01', 'train@0.1']],
      ],
    );
    assert.deepEqual(loaded.outline[0]!.steps[0]!.expanded, ['train@0.1', 'train@0.01']);
  });

  test('a list of dicts uses ${item.key}; a map uses ${key}; a matrix makes every combination', async () => {
    const loaded = await load(
      `steps:
  dicts:
    foreach:
      - { lr: 0.1, depth: 3 }
      - { lr: 0.2, depth: 5 }
    run: echo \${item.lr} \${item.depth}
  regions:
    foreach:
      us: { rows: 10 }
      eu: { rows: 20 }
    run: echo \${key} \${item.rows}
  grid:
    matrix:
      lr: [0.1, 0.2]
      model: [tree, linear]
    run: echo \${item.model} \${item.lr}
`,
    );
    assert.deepEqual(loaded.diagnostics, []);
    const runs = Object.fromEntries(loaded.pipelines[0]!.steps.map((s) => [s.name, s.run]));
    assert.deepEqual(runs, {
      'dicts@lr-0.1_depth-3': 'echo 0.1 3',
      'dicts@lr-0.2_depth-5': 'echo 0.2 5',
      'regions@us': 'echo us 10',
      'regions@eu': 'echo eu 20',
      'grid@lr-0.1_model-tree': 'echo tree 0.1',
      'grid@lr-0.1_model-linear': 'echo linear 0.1',
      'grid@lr-0.2_model-tree': 'echo tree 0.2',
      'grid@lr-0.2_model-linear': 'echo linear 0.2',
    });
  });

  test('item values that are not name-safe make `-` in the step name', async () => {
    const loaded = await load(
      "steps:\n  copy:\n    foreach: ['data/a b.csv', {path: x/y}]\n    run: echo '${item}'\n",
    );
    assert.deepEqual(loaded.diagnostics, []);
    assert.deepEqual(
      loaded.pipelines[0]!.steps.map((s) => [s.name, s.run]),
      [
        ['copy@data-a-b.csv', "echo 'data/a b.csv'"],
        ['copy@path-x-y', `echo '{"path":"x/y"}'`],
      ],
    );
  });

  test('foreach errors: unknown item key, ${item} without foreach, foreach with matrix, repeated names', async () => {
    const spec = `steps:
  a:
    foreach: [{ lr: 1 }]
    run: echo \${item.depth}
  b:
    run: echo \${item}
  c:
    foreach: [1]
    matrix: { x: [1] }
    run: echo
  d:
    foreach: [1, 1]
    run: echo \${item}
`;
    const { diagnostics, pipelines } = await load(spec);
    assert.deepEqual(pipelines, []);
    const foreach = diagnostics
      .filter((d) => d.code === 'foreach')
      .map((d) => [d.range, d.message]);
    assert.deepEqual(
      foreach,
      [
        [rangeOf(spec, '${item.depth}'), `the item {"lr":1} has no 'depth'`],
        [rangeOf(spec, '${item}'), '${item} is only defined in a step with `foreach` or `matrix`'],
        [rangeOf(spec, 'matrix'), 'a step takes `foreach` or `matrix`, not both'],
        [keyRange(spec, 'd'), `two items of \`foreach\` make the same step name 'd@1'`],
      ].map(([range, message]) => [range, message]),
    );
  });
});

describe('pipeline loader: every diagnostic code with its exact range', () => {
  test('yaml-syntax', async () => {
    const spec = 'steps:\n  a:\n    run: echo: x\n';
    const { diagnostics, pipelines } = await load(spec);
    assert.deepEqual(pipelines, []);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.severity, d.range]),
      [
        [
          'yaml-syntax',
          'error',
          { start: { line: 2, character: 9 }, end: { line: 2, character: 10 } },
        ],
      ],
    );
  });

  test('schema: unknown field on its key, wrong type on its value, missing field on the map key', async () => {
    const spec = `pipelines:
  p:
    steps:
      a:
        run: echo
        retries: many
        colour: blue
  q:
    description: no steps
`;
    const { diagnostics, pipelines } = await load(spec);
    assert.deepEqual(pipelines, []);
    const schema = diagnostics.filter((d) => d.code === 'schema').map((d) => [d.range, d.message]);
    assert.deepEqual(
      schema.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      [
        [rangeOf(spec, 'many'), 'pipelines.p.steps.a.retries: must be integer'],
        [rangeOf(spec, 'colour'), "unknown field 'colour' in pipelines.p.steps.a"],
        [rangeOf(spec, 'q'), "missing field 'steps' in pipelines.q"],
      ].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
  });

  test('schema: a step with neither run nor use; an unknown compute target; a bad cron', async () => {
    const spec = `on:
  cron: "61 * * * *"
steps:
  a:
    deps: []
  b:
    run: echo
    compute: gpu
`;
    const { diagnostics } = await load(spec);
    const schema = diagnostics.filter((d) => d.code === 'schema');
    assert.deepEqual(
      schema.map((d) => d.range).sort((x, y) => x.start.line - y.start.line),
      [keyRange(spec, 'a'), rangeOf(spec, 'gpu', 0), rangeOf(spec, '"61 * * * *"')].sort(
        (x, y) => x.start.line - y.start.line,
      ),
    );
  });

  test('cycle: on each step of the cycle', async () => {
    const spec = `steps:
  a:
    run: echo
    deps: [b.txt]
    outs: [a.txt]
  b:
    run: echo
    deps: [a.txt]
    outs: [b.txt]
  c:
    run: echo
    deps: [a.txt]
`;
    const { diagnostics, pipelines } = await load(spec);
    assert.deepEqual(pipelines, []);
    const cycles = diagnostics.filter((d) => d.code === 'cycle');
    assert.deepEqual(
      cycles.map((d) => d.range),
      [keyRange(spec, 'a'), keyRange(spec, 'b')],
    );
    assert.match(cycles[0]!.message, /a → b → a/);
  });

  test('unknown-dependency: a path that exists nowhere, and an unknown `after:` step', async () => {
    const spec = 'steps:\n  a:\n    run: echo\n    deps: [data/missing.csv]\n    after: [ghost]\n';
    const { diagnostics } = await load(spec);
    assert.deepEqual(
      diagnostics.filter((d) => d.code === 'unknown-dependency').map((d) => d.range),
      [rangeOf(spec, 'ghost'), rangeOf(spec, 'data/missing.csv')],
    );
  });

  test('duplicate-output: on both steps that write the path', async () => {
    const spec =
      'steps:\n  a:\n    run: echo\n    outs: [model.pkl]\n  b:\n    run: echo\n    outs: [model.pkl]\n';
    const { diagnostics } = await load(spec);
    const found = diagnostics.filter((d) => d.code === 'duplicate-output');
    assert.deepEqual(
      found.map((d) => d.range),
      [rangeOf(spec, 'model.pkl', 1), rangeOf(spec, 'model.pkl', 0)],
    );
  });

  test('missing-script: the script word of `run`, relative to the working directory', async () => {
    const spec = `steps:
  a:
    run: python src/nope.py --x 1
  b:
    run: bash ./ok.sh
  c:
    wd: src
    run: python prepare.py
  d:
    run: python -m http.server
  e:
    run: ./gen/tool.sh
  f:
    run: echo > gen/tool.sh
    outs: [gen]
`;
    const { diagnostics } = await load(spec, { ...SCRIPTS, 'ok.sh': '' });
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range]),
      [['missing-script', rangeOf(spec, 'src/nope.py')]],
    );
  });

  test('unknown-param: on the key; missing-params-file: on the reference', async () => {
    const spec = `steps:
  a:
    run: echo \${params.train.nope}
    params: [train.lr, train.momentum]
  b:
    run: echo
    params:
      - { file: other.yaml, keys: [x] }
`;
    const { diagnostics } = await load(spec, { 'params.yaml': 'train:\n  lr: 1\n' });
    assert.deepEqual(
      diagnostics.filter((d) => d.code === 'unknown-param').map((d) => d.range),
      [rangeOf(spec, 'train.momentum'), rangeOf(spec, '${params.train.nope}')],
    );
    const missing = only(diagnostics, 'missing-params-file');
    assert.deepEqual(missing.range, rangeOf(spec, 'other.yaml'));
  });

  test('unknown-component and component-input', async () => {
    const spec = `steps:
  a:
    use: ./components/nope.yaml
  b:
    use: sextant/nothing
  c:
    use: ./components/train.yaml
    with:
      lr: fast
      colour: red
      model: m.pkl
`;
    const { diagnostics } = await load(spec, {
      'components/train.yaml': `inputs:
  data: { type: path }
  lr: { type: number, default: 0.1 }
outputs:
  model: { type: path }
run: echo \${inputs.data} \${inputs.lr} > \${outputs.model}
`,
    });
    assert.deepEqual(
      diagnostics.filter((d) => d.code === 'unknown-component').map((d) => d.range),
      [rangeOf(spec, './components/nope.yaml'), rangeOf(spec, 'sextant/nothing')],
    );
    assert.deepEqual(
      diagnostics
        .filter((d) => d.code === 'component-input')
        .map((d) => [d.range, d.message])
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      [
        [
          rangeOf(spec, 'colour'),
          "'train' has no input or output 'colour' (it takes: data, lr, model)",
        ],
        [rangeOf(spec, 'with'), "missing input 'data' (path) of 'train'"],
        [rangeOf(spec, 'fast'), "input 'lr' of 'train' takes a number, not \"fast\""],
      ].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
  });

  test('a component file with errors is an unknown-component on the use', async () => {
    const spec = 'steps:\n  a:\n    use: ./c.yaml\n';
    const { diagnostics } = await load(spec, {
      'c.yaml': 'inputs:\n  x: { type: banana }\nrun: echo\n',
    });
    const d = only(diagnostics, 'unknown-component');
    assert.deepEqual(d.range, rangeOf(spec, './c.yaml'));
    assert.match(d.message, /1 error\(s\), first at line 2/);
  });

  test('duplicate-step: a step name written twice', async () => {
    const spec = 'steps:\n  a:\n    run: echo 1\n  a:\n    run: echo 2\n';
    const { diagnostics } = await load(spec);
    const d = only(diagnostics, 'duplicate-step');
    assert.deepEqual(d.range, keyRange(spec, 'a', 1));
    assert.equal(diagnostics.length, 1);
  });

  test('a repeated key inside a step is a syntax error at the second key', async () => {
    const spec = 'steps:\n  a:\n    run: echo 1\n    run: echo 2\n  b:\n    run: echo 3\n';
    const { diagnostics } = await load(spec);
    const d = only(diagnostics, 'yaml-syntax');
    assert.equal(d.message, 'map keys must be unique');
    assert.deepEqual(d.range, keyRange(spec, 'run', 1));
  });

  test('paths outside the workspace are refused', async () => {
    const spec = 'steps:\n  a:\n    run: echo\n    deps: [../secret]\n    outs: [/etc/x]\n';
    const { diagnostics } = await load(spec);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range]),
      [
        ['unknown-dependency', rangeOf(spec, '../secret')],
        ['schema', rangeOf(spec, '/etc/x')],
      ],
    );
  });

  test('top-level `on:` without top-level steps is a warning; a top-level pipeline named like another is an error', async () => {
    const spec = 'on:\n  webhook: true\npipelines:\n  p:\n    steps:\n      a: { run: echo }\n';
    const loaded = await load(spec);
    assert.deepEqual(
      loaded.diagnostics.map((d) => [d.code, d.severity, d.range]),
      [['schema', 'warning', keyRange(spec, 'on')]],
    );
    assert.equal(loaded.pipelines.length, 1);
    const clash =
      'name: p\nsteps:\n  a: { run: echo }\npipelines:\n  p:\n    steps:\n      b: { run: echo }\n';
    const both = await load(clash);
    assert.deepEqual(
      both.diagnostics.map((d) => [d.code, d.severity, d.range]),
      [['schema', 'error', rangeOf(clash, 'p')]],
    );
  });

  test('only the pipeline with an error is left out', async () => {
    const spec = `pipelines:
  good:
    steps:
      a: { run: echo }
  bad:
    steps:
      b: { run: echo, deps: [nowhere] }
`;
    const loaded = await load(spec);
    assert.deepEqual(
      loaded.pipelines.map((p) => p.name),
      ['good'],
    );
    assert.equal(only(loaded.diagnostics, 'unknown-dependency').range.start.line, 6);
  });
});
