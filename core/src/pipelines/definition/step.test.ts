import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { PipelineDiagnostic } from '../../model/pipeline';
import { FileReader } from './files';
import { entries, entry, SourceFile } from './source';
import { resolveStep, type StepContext } from './step';
import { workspace } from './workspace.testing';

/** Resolves the first step of `yaml` (a file with top-level `steps:`) in `root`. */
function resolveFirst(root: string, yaml: string) {
  const source = new SourceFile(path.join(root, 'sextant.yaml'), yaml);
  const [step] = entries(entry(source.doc.contents, 'steps')?.value);
  const diagnostics: PipelineDiagnostic[] = [];
  const ctx: StepContext = {
    source,
    reader: new FileReader(),
    root,
    step: step!,
    defaults: { env: { FROM_DEFAULTS: 1 }, retries: 1 },
    paramsFile: 'params.yaml',
    compute: [{ name: 'local', kind: 'local' }],
    diagnostics,
    references: [],
    paramsFiles: new Set(),
    componentFiles: new Set(),
  };
  return { drafts: resolveStep(ctx), diagnostics: diagnostics.map((d) => d.message) };
}

describe('resolving a step', () => {
  it('resolves each foreach item: name, paths, params, environment, retries and timeout', () => {
    const root = workspace({ 'params.yaml': 'lr: 0.1\nsizes: {small: 1}\n' });
    const { drafts, diagnostics } = resolveFirst(
      root,
      [
        'steps:',
        '  train:',
        '    foreach: [small, big]',
        '    run: python train.py --size ${item} --lr ${params.lr}',
        '    deps: ["data/${item}.csv"]',
        '    outs: ["models/${item}"]',
        '    metrics: ["metrics/${item}.json"]',
        '    env: {SIZE: "${item}"}',
        '    timeout: 1m30s',
        '',
      ].join('\n'),
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      drafts.map((d) => d.name),
      ['train@small', 'train@big'],
    );
    const [small] = drafts;
    assert.equal(small?.run, 'python train.py --size small --lr 0.1');
    assert.deepEqual(
      small?.deps.map((d) => d.path),
      ['data/small.csv'],
    );
    assert.deepEqual(
      small?.outs.map((o) => o.path),
      ['models/small', 'metrics/small.json'],
    );
    assert.deepEqual(small?.metrics, ['metrics/small.json']);
    assert.deepEqual(small?.params, [{ file: 'params.yaml', key: 'lr', value: 0.1 }]);
    assert.deepEqual(small?.env, { FROM_DEFAULTS: '1', SIZE: 'small' });
    assert.equal(small?.retries, 1);
    assert.equal(small?.timeoutSec, 90);
  });

  it('reports each problem of a step once, in the order of its fields', () => {
    const root = workspace({ 'params.yaml': 'lr: 0.1\n' });
    const { drafts, diagnostics } = resolveFirst(
      root,
      [
        'steps:',
        '  train:',
        '    run: echo ${item}',
        '    deps: [../outside]',
        '    wd: ../elsewhere',
        '    compute: cluster',
        '    timeout: soon',
        '    params: [missing.key]',
        '',
      ].join('\n'),
    );
    assert.equal(drafts.length, 1, 'a step with problems still drafts, for the editor');
    assert.deepEqual(diagnostics, [
      `'../outside' is outside the workspace: paths are relative to ${root}`,
      "working directory '../elsewhere' is outside the workspace",
      "unknown compute target 'cluster': declare it under `compute:` (known: local)",
      "timeout 'soon' is not a duration (e.g. 90, 90s, 30m, 1h30m)",
      "'missing.key' is not a key of params.yaml",
      '${item} is only defined in a step with `foreach` or `matrix`',
    ]);
  });

  it('takes `run` or `use`, not both and not neither', () => {
    const root = workspace({});
    assert.deepEqual(resolveFirst(root, 'steps:\n  a:\n    deps: [x]\n').diagnostics, [
      "step 'a' needs `run` (a command) or `use` (a component)",
    ]);
    assert.deepEqual(
      resolveFirst(root, 'steps:\n  a:\n    run: echo\n    use: builtin/validate-table\n')
        .diagnostics,
      ['a step takes `run` or `use`, not both'],
    );
  });
});
