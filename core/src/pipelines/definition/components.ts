import path from 'node:path';
import { shippedPath } from './assets';
import { isSeq, type Node } from 'yaml';
import type { PipelineDiagnostic, SourceRange } from '../../model/pipeline';
import type { FileReader } from './files';
import { interpolate, stringify } from './interpolate';
import { validateAgainstSchema } from './schema';
import { entries, entry, items, text, toData, type SourceFile } from './source';

/** Type of a component input. */
export type InputType = 'string' | 'number' | 'integer' | 'boolean' | 'path' | 'object' | 'list';

/** Kind of a component output: every kind is an output of the step; some are more. */
export type OutputType = 'path' | 'metrics' | 'artifact';

/** An input a component takes. */
export interface ComponentInput {
  name: string;
  type: InputType;
  required: boolean;
  default?: unknown;
  description?: string;
  /** Where it is declared (component files only). */
  range?: SourceRange;
}

/** An output a component writes; the step gives its path (or the default is used). */
export interface ComponentOutput {
  name: string;
  type: OutputType;
  default?: string;
  description?: string;
  range?: SourceRange;
}

/** What a component makes of its arguments: the parts of a step. */
export interface ComponentBody {
  run: string;
  deps: string[];
  outs: string[];
  metrics: string[];
  artifacts: string[];
  params: string[];
  env: Record<string, string>;
  requirements?: string;
  resources?: { cpu?: number; gpu?: number; memory?: number | string };
}

/** What a component builder is told about the step using it. */
export interface BuildContext {
  /** Absolute workspace root. */
  root: string;
  /** The step's working directory, root-relative. */
  wd: string;
  /** Whether the step has a `requirements:` environment (its venv is then first on PATH). */
  hasRequirements: boolean;
  /** Whether an absolute path exists (through the load's file reader). */
  exists(file: string): boolean;
}

/** A component, from a file or built in. */
export interface ComponentDefinition {
  /** `sextant/notebook`, or the component file's `name:` (else its file name). */
  name: string;
  /** Absolute path of the component file; absent for built-ins. */
  file?: string;
  description?: string;
  inputs: ComponentInput[];
  outputs: ComponentOutput[];
  /** Makes the step's parts from checked arguments (every input and output has a value). */
  build(args: Record<string, unknown>, context: BuildContext): ComponentBody;
}

/** Quotes a word for `sh -c` when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Whether an argument fits an input type. */
export function fitsType(value: unknown, type: InputType): boolean {
  switch (type) {
    case 'string':
    case 'path':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
  }
}

/** A component file loaded: its definition (when it has no errors) and its problems. */
export interface LoadedComponent {
  definition?: ComponentDefinition;
  diagnostics: PipelineDiagnostic[];
}

const listOf = (node: Node | null | undefined): string[] =>
  items(node).flatMap((n) => {
    const value = text(n);
    return value === undefined ? [] : [value];
  });

/** Loads a component file (YAML): schema-checked, with its inputs, outputs and command. */
export function loadComponent(source: SourceFile): LoadedComponent {
  const syntax = source.syntaxDiagnostics();
  if (syntax.some((d) => d.severity === 'error')) return { diagnostics: syntax };
  const diagnostics = [...syntax, ...validateAgainstSchema(source, 'component')];
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const top = source.doc.contents;
  const inputs: ComponentInput[] = entries(entry(top, 'inputs')?.value).map((e) => {
    const spec = (toData(e.value) ?? {}) as Record<string, unknown>;
    const type = spec.type as InputType;
    if (spec.default !== undefined && !fitsType(spec.default, type)) {
      diagnostics.push(
        source.diagnostic(
          'component-input',
          `the default of input '${e.name}' is not of type ${type}`,
          entry(e.value, 'default')?.value,
        ),
      );
    }
    return {
      name: e.name,
      type,
      required:
        spec.required === true || (spec.required === undefined && spec.default === undefined),
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      range: source.rangeOf(e.key),
    };
  });
  const outputs: ComponentOutput[] = entries(entry(top, 'outputs')?.value).map((e) => {
    const spec = (toData(e.value) ?? {}) as Record<string, unknown>;
    return {
      name: e.name,
      type: (spec.type as OutputType | undefined) ?? 'path',
      ...(typeof spec.default === 'string' ? { default: spec.default } : {}),
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      range: source.rangeOf(e.key),
    };
  });
  const clash = inputs.find((i) => outputs.some((o) => o.name === i.name));
  if (clash) {
    diagnostics.push(
      source.diagnostic(
        'component-input',
        `'${clash.name}' is both an input and an output`,
        clash.range ?? null,
      ),
    );
  }
  const known = new Set([
    ...inputs.map((i) => `inputs.${i.name}`),
    ...outputs.map((o) => `outputs.${o.name}`),
    'component.dir',
  ]);
  const check = (node: Node | null | undefined): void => {
    for (const n of isSeq(node) ? items(node) : [node]) {
      const value = text(n);
      if (value === undefined) continue;
      for (const match of value.matchAll(/\$\{\s*((?:inputs|outputs|component)\.[^}\s]*)\s*\}/g)) {
        if (!known.has(match[1]!)) {
          diagnostics.push(
            source.diagnostic(
              'component-input',
              `'${match[1]}' is not declared by this component`,
              source.rangeWithin(n, match[0]),
            ),
          );
        }
      }
    }
  };
  for (const field of ['run', 'deps', 'requirements']) check(entry(top, field)?.value);
  for (const e of entries(entry(top, 'env')?.value)) check(e.value);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };

  const file = source.file;
  const data = (toData(top) ?? {}) as Record<string, unknown>;
  const run = text(entry(top, 'run')?.value) ?? '';
  const deps = listOf(entry(top, 'deps')?.value);
  const params = listOf(entry(top, 'params')?.value);
  const env = Object.fromEntries(
    Object.entries((data.env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, stringify(v)]),
  );
  const requirements = typeof data.requirements === 'string' ? data.requirements : undefined;
  const resources = data.resources as ComponentBody['resources'] | undefined;
  return {
    diagnostics,
    definition: {
      name: typeof data.name === 'string' ? data.name : path.basename(file).replace(/\.ya?ml$/, ''),
      file,
      ...(typeof data.description === 'string' ? { description: data.description } : {}),
      inputs,
      outputs,
      build(args, context) {
        const dir =
          path.relative(context.root, path.dirname(file)).split(path.sep).join('/') || '.';
        const fill = (value: string, quote: boolean): string =>
          interpolate(value, (expression) => {
            if (expression === 'component.dir') return { value: quote ? shellQuote(dir) : dir };
            const [scope, name] = expression.split('.', 2) as [string, string | undefined];
            if ((scope === 'inputs' || scope === 'outputs') && name !== undefined && name in args) {
              const text = stringify(args[name]);
              return { value: quote ? shellQuote(text) : text };
            }
            return undefined;
          }).value;
        const pathInputs = inputs
          .filter((i) => i.type === 'path')
          .map((i) => stringify(args[i.name]));
        const outPaths = (kind?: OutputType): string[] =>
          outputs.filter((o) => !kind || o.type === kind).map((o) => stringify(args[o.name]));
        return {
          run: fill(run, true),
          deps: [...deps.map((d) => fill(d, false)), ...pathInputs],
          outs: outPaths(),
          metrics: outPaths('metrics'),
          artifacts: outPaths('artifact'),
          params,
          env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v, false)])),
          ...(requirements ? { requirements: fill(requirements, false) } : {}),
          ...(resources ? { resources } : {}),
        };
      },
    },
  };
}

/** Loads the component a `use:` names, relative to the pipeline file's folder. */
export function resolveComponentFile(
  reader: FileReader,
  pipelineDir: string,
  use: string,
): { file: string; source?: SourceFile; error?: string } {
  const file = path.resolve(pipelineDir, use);
  const source = reader.yaml(file);
  if (source instanceof Error) {
    return {
      file,
      error: `cannot read component '${use}': ${(source as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : source.message}`,
    };
  }
  return { file, source };
}

/** Absolute path of the `sextant` command line (core/bin/sextant.js, or `sextant.js` beside a bundle). */
export const SEXTANT_BIN = shippedPath('bin/sextant.js');

/** The Python a built-in runs with: the step's provisioned venv, the workspace's `.venv`, or python3. */
function pythonFor(context: BuildContext): string {
  if (context.hasRequirements) return 'python';
  const venv = path.join(context.root, '.venv', 'bin', 'python');
  if (context.exists(venv)) {
    return path.posix.relative(context.wd, '.venv/bin/python') || '.venv/bin/python';
  }
  return 'python3';
}

/** Makes a root-relative path relative to the step's working directory, for its command line. */
const fromWd = (context: BuildContext, p: string): string =>
  path.posix.relative(context.wd, p) || '.';

/** ` --flag value` for each value given (strings; absent or empty: nothing). */
function flags(context: BuildContext, pairs: Array<[string, unknown, 'path' | 'text']>): string {
  return pairs
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([flag, value, kind]) => {
      const word = stringify(value);
      return ` ${flag} ${shellQuote(kind === 'path' ? fromWd(context, word) : word)}`;
    })
    .join('');
}

/**
 * The model built-ins, so that a training pipeline ends `evaluate → gate → register`. Cache:
 * `sextant/evaluate` is cached like any step (its result depends only on the model's files, the
 * eval set's bytes and its inputs); `sextant/gate` and `sextant/register` have no outputs, so they
 * are never cached and run on every pipeline run: a gate measured against an alias depends on
 * which version holds it now, and registering changes the registry, not the workspace, so a cache
 * hit would skip it while the registry lacks the version. Registering is idempotent by content
 * instead: a version with the same files is reused, not registered twice.
 */
const MODEL_COMPONENTS: Array<[string, ComponentDefinition]> = [
  [
    'sextant/evaluate',
    {
      name: 'sextant/evaluate',
      description:
        "Evaluates an MLflow model folder on an eval dataset as a tracked evaluation run (mlflow.models.evaluate's metrics, curves, importances); writes the result and its metrics.",
      inputs: [
        { name: 'model', type: 'path', required: true, description: 'The MLflow model folder.' },
        {
          name: 'data',
          type: 'path',
          required: true,
          description: 'The eval dataset (.csv or .parquet).',
        },
        {
          name: 'target',
          type: 'string',
          required: true,
          description: 'The column of true values.',
        },
        {
          name: 'task',
          type: 'string',
          required: true,
          description: '`classifier` or `regressor`.',
        },
        {
          name: 'eval_set',
          type: 'string',
          required: false,
          description:
            "The eval set's name, under which evaluations form a history (default: the file's base name).",
        },
        {
          name: 'experiment',
          type: 'string',
          required: false,
          description: 'Experiment of the evaluation run.',
        },
        {
          name: 'explain',
          type: 'boolean',
          required: false,
          default: true,
          description:
            'Compute SHAP values and permutation importances (false: metrics and curves only, much faster).',
        },
      ],
      outputs: [
        {
          name: 'result',
          type: 'artifact',
          description: 'The evaluation result (JSON), for sextant/gate and sextant/register.',
        },
        {
          name: 'metrics',
          type: 'metrics',
          description: 'Its metrics (JSON), recorded on the step.',
        },
      ],
      build(args, context) {
        const result = stringify(args.result);
        const metrics = stringify(args.metrics);
        return {
          run:
            `node ${shellQuote(SEXTANT_BIN)} component evaluate` +
            flags(context, [
              ['--model', args.model, 'path'],
              ['--data', args.data, 'path'],
              ['--target', args.target, 'text'],
              ['--task', args.task, 'text'],
              ['--eval-set', args.eval_set, 'text'],
              ['--experiment', args.experiment, 'text'],
              ['--python', pythonFor(context), 'text'],
              ['--result', result, 'path'],
              ['--metrics', metrics, 'path'],
            ]) +
            (args.explain === false ? ' --no-explain' : ''),
          deps: [stringify(args.model), stringify(args.data)],
          outs: [result],
          metrics: [metrics],
          artifacts: [result],
          params: [],
          env: {},
        };
      },
    },
  ],
  [
    'sextant/gate',
    {
      name: 'sextant/gate',
      description:
        "Holds an evaluation to thresholds (MLflow's MetricThreshold semantics), optionally against the registered version holding an alias; fails the step, and so stops the steps after it, when a threshold fails.",
      inputs: [
        {
          name: 'result',
          type: 'path',
          required: true,
          description: 'The result sextant/evaluate wrote.',
        },
        {
          name: 'thresholds',
          type: 'list',
          required: true,
          description:
            '`accuracy_score>=0.9`, `log_loss<=0.3`, changes over the baseline `accuracy_score>=+0.01` or `>=+5%`.',
        },
        {
          name: 'model_name',
          type: 'string',
          required: false,
          description: 'The registered model whose alias is the baseline.',
        },
        {
          name: 'baseline_alias',
          type: 'string',
          required: false,
          description: 'Measure changes against the version holding this alias (e.g. champion).',
        },
      ],
      outputs: [],
      build(args, context) {
        const thresholds = (args.thresholds as unknown[]).map((t) => shellQuote(stringify(t)));
        return {
          run:
            `node ${shellQuote(SEXTANT_BIN)} component gate` +
            flags(context, [
              ['--result', args.result, 'path'],
              ['--model-name', args.model_name, 'text'],
              ['--baseline-alias', args.baseline_alias, 'text'],
              ['--python', pythonFor(context), 'text'],
            ]) +
            ` --threshold ${thresholds.join(' ')}`,
          deps: [stringify(args.result)],
          outs: [],
          metrics: [],
          artifacts: [],
          params: [],
          env: {},
        };
      },
    },
  ],
  [
    'sextant/register',
    {
      name: 'sextant/register',
      description:
        "Registers an MLflow model folder as a new version of a registered model (created when missing) from the step's tracked run, optionally setting an alias; a version with the same files is reused.",
      inputs: [
        { name: 'model', type: 'path', required: true, description: 'The MLflow model folder.' },
        { name: 'name', type: 'string', required: true, description: 'The registered model.' },
        {
          name: 'alias',
          type: 'string',
          required: false,
          description: 'An alias to set on the version (e.g. challenger).',
        },
        {
          name: 'evaluation',
          type: 'path',
          required: false,
          description: 'The sextant/evaluate result of this model, linked to the version.',
        },
        {
          name: 'description',
          type: 'string',
          required: false,
          description: "The version's description.",
        },
      ],
      outputs: [],
      build(args, context) {
        return {
          run:
            `node ${shellQuote(SEXTANT_BIN)} component register` +
            flags(context, [
              ['--model', args.model, 'path'],
              ['--name', args.name, 'text'],
              ['--alias', args.alias, 'text'],
              ['--evaluation', args.evaluation, 'path'],
              ['--description', args.description, 'text'],
            ]),
          deps: [stringify(args.model), ...(args.evaluation ? [stringify(args.evaluation)] : [])],
          outs: [],
          metrics: [],
          artifacts: [],
          params: [],
          env: {},
        };
      },
    },
  ],
];

/** Components that come with Sextant, by the name `use:` gives. */
export const BUILTIN_COMPONENTS: ReadonlyMap<string, ComponentDefinition> = new Map([
  [
    'sextant/notebook',
    {
      name: 'sextant/notebook',
      description:
        'Executes a Jupyter notebook with papermill, injecting parameters; the executed notebook is kept as an artifact.',
      inputs: [
        {
          name: 'notebook',
          type: 'path',
          required: true,
          description: 'The notebook to execute (.ipynb).',
        },
        {
          name: 'parameters',
          type: 'object',
          required: false,
          default: {},
          description: 'Values injected into the cell tagged `parameters`.',
        },
        {
          name: 'kernel',
          type: 'string',
          required: false,
          description: "Kernel name (default: the notebook's).",
        },
      ],
      outputs: [
        {
          name: 'output',
          type: 'artifact',
          description: 'Where the executed notebook is written (.ipynb).',
        },
      ],
      build(args, context) {
        const notebook = stringify(args.notebook);
        const output = stringify(args.output);
        const parameters = JSON.stringify(args.parameters ?? {});
        const kernel =
          typeof args.kernel === 'string' && args.kernel ? ` -k ${shellQuote(args.kernel)}` : '';
        return {
          run: `${pythonFor(context)} -m papermill ${shellQuote(fromWd(context, notebook))} ${shellQuote(fromWd(context, output))} -y ${shellQuote(parameters)}${kernel}`,
          deps: [notebook],
          outs: [output],
          metrics: [],
          artifacts: [output],
          params: [],
          env: {},
        };
      },
    },
  ],
  [
    'sextant/validate-table',
    {
      name: 'sextant/validate-table',
      description:
        'Checks a CSV file against a schema (column types, nulls, ranges, allowed values, row counts) and writes a report with statistics per column; fails on a violation.',
      inputs: [
        { name: 'data', type: 'path', required: true, description: 'The CSV file to check.' },
        { name: 'schema', type: 'path', required: true, description: 'The table schema (YAML).' },
      ],
      outputs: [
        { name: 'report', type: 'artifact', description: 'Where the JSON report is written.' },
      ],
      build(args, context) {
        const data = stringify(args.data);
        const schema = stringify(args.schema);
        const report = stringify(args.report);
        return {
          run: `node ${shellQuote(SEXTANT_BIN)} component validate-table --data ${shellQuote(fromWd(context, data))} --schema ${shellQuote(fromWd(context, schema))} --report ${shellQuote(fromWd(context, report))}`,
          deps: [data, schema],
          outs: [report],
          metrics: [],
          artifacts: [report],
          params: [],
          env: {},
        };
      },
    },
  ],
  ...MODEL_COMPONENTS,
]);
