import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { analyzePipelineFile, loadComponent, SCHEMA_DIR, SEXTANT_BIN, SourceFile } from './index';
import { rangeOf, workspace } from './workspace.testing';

const REPO_VENV = path.resolve(SCHEMA_DIR, '..', '..', '.venv');

describe('components', () => {
  test('a component file: typed inputs and outputs, defaults, ${component.dir}, path inputs become deps', async () => {
    const root = workspace({
      'components/train.yaml': `name: trainer
description: Trains a model
inputs:
  data: { type: path }
  lr: { type: number, default: 0.1 }
  epochs: { type: integer }
outputs:
  model: { type: path }
  scores: { type: metrics, default: metrics/scores.json }
  plot: { type: artifact, default: plots/loss.png }
deps: ['\${component.dir}/train.py']
env: { EPOCHS: '\${inputs.epochs}' }
resources: { cpu: 2 }
run: python \${component.dir}/train.py \${inputs.data} --lr \${inputs.lr} --epochs \${inputs.epochs} --out \${outputs.model}
`,
      'components/train.py': '',
      'data/train.csv': 'a\n',
      'sextant.yaml': `steps:
  fit:
    foreach: [1, 2]
    use: ./components/train.yaml
    with:
      data: data/train.csv
      epochs: \${item}
      model: models/m\${item}.pkl
      scores: metrics/s\${item}.json
      plot: plots/loss\${item}.png
`,
    });
    const loaded = await analyzePipelineFile(path.join(root, 'sextant.yaml'));
    assert.deepEqual(loaded.diagnostics, []);
    const [one, two] = loaded.pipelines[0]!.steps;
    assert.equal(
      one!.run,
      'python components/train.py data/train.csv --lr 0.1 --epochs 1 --out models/m1.pkl',
    );
    assert.equal(two!.name, 'fit@2');
    assert.deepEqual(one!.deps, ['components/train.py', 'data/train.csv']);
    assert.deepEqual(one!.outputs, ['models/m1.pkl', 'metrics/s1.json', 'plots/loss1.png']);
    assert.deepEqual(one!.metrics, ['metrics/s1.json']);
    assert.deepEqual(one!.artifacts, ['plots/loss1.png']);
    assert.deepEqual(one!.environment.vars, { EPOCHS: '1' });
    assert.equal(one!.resources.cpu, 2);
    assert.equal(one!.component, 'trainer');
    assert.deepEqual(loaded.componentFiles, [path.join(root, 'components/train.yaml')]);
  });

  test('a component file on its own: schema errors and undeclared ${inputs.x} with their ranges', () => {
    const text = `inputs:
  data: { type: path, default: 3 }
outputs:
  out: { type: folder }
run: echo \${inputs.nope}
`;
    const { diagnostics, definition } = loadComponent(new SourceFile('/w/c.yaml', text));
    assert.equal(definition, undefined);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range]),
      [['schema', rangeOf(text, 'folder')]],
    );
    const second = loadComponent(
      new SourceFile('/w/c.yaml', text.replace('folder', 'path')),
    ).diagnostics.map((d) => [d.code, d.message]);
    assert.deepEqual(second, [
      ['component-input', "the default of input 'data' is not of type path"],
      ['component-input', "'inputs.nope' is not declared by this component"],
    ]);
  });
});

describe('built-in components', () => {
  test('sextant/validate-table resolves to the sextant command, and the command runs', async () => {
    const root = workspace({
      'data/table.csv': 'id,v\n1,2\n2,3\n',
      'schemas/table.yaml':
        'columns:\n  id: { type: integer, unique: true }\n  v: { type: number, max: 2 }\n',
      'sextant.yaml': `steps:
  check:
    use: sextant/validate-table
    with: { data: data/table.csv, schema: schemas/table.yaml, report: reports/table.json }
    metrics: [reports/table.json]
`,
    });
    const loaded = await analyzePipelineFile(path.join(root, 'sextant.yaml'));
    assert.deepEqual(loaded.diagnostics, []);
    const step = loaded.pipelines[0]!.steps[0]!;
    assert.equal(
      step.run,
      `node ${SEXTANT_BIN} component validate-table --data data/table.csv --schema schemas/table.yaml --report reports/table.json`,
    );
    assert.deepEqual(step.deps, ['data/table.csv', 'schemas/table.yaml']);
    assert.deepEqual(step.outputs, ['reports/table.json']);
    assert.deepEqual(step.artifacts, ['reports/table.json']);
    assert.deepEqual(step.metrics, ['reports/table.json']);
    const run = spawnSync('sh', ['-c', step.run], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /1 value\(s\) of 'v' above the maximum 2 \(rows 2\)/);
    const report = JSON.parse(fs.readFileSync(path.join(root, 'reports/table.json'), 'utf8'));
    assert.equal(report.columns.v.max, 3);
  });

  test('sextant/notebook resolves to papermill with the workspace venv, and executes the notebook', async () => {
    assert.ok(
      fs.existsSync(path.join(REPO_VENV, 'bin', 'python')),
      `the repository venv ${REPO_VENV} is needed`,
    );
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          metadata: { tags: ['parameters'] },
          source: ['alpha = 1\n'],
          outputs: [],
          execution_count: null,
        },
        {
          cell_type: 'code',
          metadata: {},
          source: ['print("alpha is", alpha * 2)\n'],
          outputs: [],
          execution_count: null,
        },
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const root = workspace({
      'notebooks/explore.ipynb': JSON.stringify(notebook),
      'sextant.yaml': `steps:
  explore:
    use: sextant/notebook
    with:
      notebook: notebooks/explore.ipynb
      parameters: { alpha: 21, label: "it's" }
      output: out/explore.ipynb
`,
    });
    fs.symlinkSync(REPO_VENV, path.join(root, '.venv'));
    const loaded = await analyzePipelineFile(path.join(root, 'sextant.yaml'));
    assert.deepEqual(loaded.diagnostics, []);
    const step = loaded.pipelines[0]!.steps[0]!;
    assert.equal(
      step.run,
      `.venv/bin/python -m papermill notebooks/explore.ipynb out/explore.ipynb -y '{"alpha":21,"label":"it'\\''s"}'`,
    );
    assert.deepEqual(step.deps, ['notebooks/explore.ipynb']);
    assert.deepEqual(step.outputs, ['out/explore.ipynb']);
    assert.deepEqual(step.artifacts, ['out/explore.ipynb']);
    assert.equal(step.component, 'sextant/notebook');
    fs.mkdirSync(path.join(root, 'out'));
    execFileSync('sh', ['-c', step.run], { cwd: root, stdio: 'pipe' });
    const executed = fs.readFileSync(path.join(root, 'out/explore.ipynb'), 'utf8');
    assert.match(executed, /alpha is 42/);
  });

  test('sextant/evaluate, gate and register resolve to sextant commands: evaluate cached by content, gate and register never', async () => {
    const root = workspace({
      'models/clf/MLmodel': 'flavors: {}\n',
      'data/test.csv': 'x,label\n1,0\n',
      'sextant.yaml': `steps:
  evaluate:
    use: sextant/evaluate
    with:
      model: models/clf
      data: data/test.csv
      target: label
      task: classifier
      eval_set: holdout
      result: evaluation/result.json
      metrics: metrics.json
  gate:
    use: sextant/gate
    with:
      result: evaluation/result.json
      thresholds: [accuracy_score>=0.9, "accuracy_score>=+1%"]
      model_name: churn
      baseline_alias: champion
  register:
    use: sextant/register
    after: [gate]
    with: { model: models/clf, name: churn, alias: challenger, evaluation: evaluation/result.json }
`,
    });
    const loaded = await analyzePipelineFile(path.join(root, 'sextant.yaml'));
    assert.deepEqual(loaded.diagnostics, []);
    const [evaluate, gate, register] = loaded.pipelines[0]!.steps;
    const bin = `node ${SEXTANT_BIN} component`;
    assert.equal(
      evaluate!.run,
      `${bin} evaluate --model models/clf --data data/test.csv --target label --task classifier --eval-set holdout --python python3 --result evaluation/result.json --metrics metrics.json`,
    );
    assert.deepEqual(evaluate!.deps, ['models/clf', 'data/test.csv']);
    const quick = await analyzePipelineFile(
      path.join(
        workspace({
          'models/clf/MLmodel': 'flavors: {}\n',
          'data/test.csv': 'x,label\n1,0\n',
          'sextant.yaml': `steps:
  evaluate:
    use: sextant/evaluate
    with: { model: models/clf, data: data/test.csv, target: label, task: classifier, explain: false, result: r.json, metrics: m.json }
`,
        }),
        'sextant.yaml',
      ),
    );
    assert.deepEqual(quick.diagnostics, []);
    assert.match(quick.pipelines[0]!.steps[0]!.run, / --metrics m\.json --no-explain$/);
    assert.deepEqual(evaluate!.outputs, ['evaluation/result.json']);
    assert.deepEqual(evaluate!.metrics, ['metrics.json']);
    assert.equal(
      gate!.run,
      `${bin} gate --result evaluation/result.json --model-name churn --baseline-alias champion --python python3 --threshold 'accuracy_score>=0.9' 'accuracy_score>=+1%'`,
    );
    assert.deepEqual(
      [gate!.deps, gate!.outputs, gate!.metrics],
      [['evaluation/result.json'], [], []],
    );
    assert.deepEqual(gate!.upstream, ['evaluate']);
    assert.equal(
      register!.run,
      `${bin} register --model models/clf --name churn --alias challenger --evaluation evaluation/result.json`,
    );
    assert.deepEqual([register!.outputs, register!.metrics], [[], []]);
    assert.deepEqual([...register!.upstream].sort(), ['evaluate', 'gate']);
  });
});
