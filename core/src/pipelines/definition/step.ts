import path from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import type {
  ComputeTarget,
  PipelineDiagnostic,
  SourceRange,
  StepParam,
} from '../../model/pipeline';
import {
  BUILTIN_COMPONENTS,
  fitsType,
  loadComponent,
  resolveComponentFile,
  type ComponentBody,
  type ComponentDefinition,
} from './components';
import type { Defaults, Draft, Instance, Located } from './draft';
import { paramKeyNode, type FileReader } from './files';
import { interpolate, lookupDotted, placeholders, stringify } from './interpolate';
import type { SpecReference } from './outline';
import { entries, entry, items, text, toData, type SourceFile } from './source';
import { parseDuration, parseMemory, workspacePath } from './values';

/** What resolving a step needs. */
export interface StepContext {
  source: SourceFile;
  reader: FileReader;
  root: string;
  step: { name: string; key: Node; value: Node | null };
  defaults: Defaults;
  paramsFile: string;
  compute: ComputeTarget[];
  diagnostics: PipelineDiagnostic[];
  references: SpecReference[];
  paramsFiles: Set<string>;
  componentFiles: Set<string>;
}

/** Characters a step name suffix keeps; others become `-`. */
const SUFFIX_UNSAFE = /[^A-Za-z0-9_.-]+/g;

/**
 * Text of a foreach item's suffix: the value, or `key-value` pairs of a dict joined by `_`
 * (the item's index for lists and nested maps), with unsafe characters made `-`.
 */
function suffixOf(item: unknown, index: number): string {
  const safe = (value: unknown): string =>
    value === null || typeof value === 'object'
      ? String(index)
      : String(value).replace(SUFFIX_UNSAFE, '-');
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    return Object.entries(item as Record<string, unknown>)
      .map(([k, v]) => `${k.replace(SUFFIX_UNSAFE, '-')}-${safe(v)}`)
      .join('_');
  }
  return safe(item);
}

/** The items a `foreach` or `matrix` makes; one plain instance without them. */
function instancesOf(ctx: StepContext): Instance[] {
  const { source, step, diagnostics } = ctx;
  const foreach = entry(step.value, 'foreach');
  const matrix = entry(step.value, 'matrix');
  if (foreach && matrix) {
    diagnostics.push(
      source.diagnostic('foreach', 'a step takes `foreach` or `matrix`, not both', matrix.key),
    );
    return [];
  }
  if (matrix) {
    const axes = Object.entries((toData(matrix.value) ?? {}) as Record<string, unknown[]>);
    let combos: Record<string, unknown>[] = [{}];
    for (const [axis, values] of axes) {
      if (!Array.isArray(values)) return [];
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
    }
    return combos.map((item, i) => ({ item, suffix: suffixOf(item, i) }));
  }
  if (foreach) {
    const data = toData(foreach.value);
    if (Array.isArray(data)) return data.map((item, i) => ({ item, suffix: suffixOf(item, i) }));
    if (data && typeof data === 'object') {
      return Object.entries(data as Record<string, unknown>).map(([key, item]) => ({
        item,
        key,
        suffix: key.replace(SUFFIX_UNSAFE, '-'),
      }));
    }
  }
  return [{}];
}

/** Resolves one step as written into one draft per `foreach` item. */
export function resolveStep(ctx: StepContext): Draft[] {
  const has = (name: string): boolean => entry(ctx.step.value, name) !== undefined;
  const usesForeach = has('foreach') || has('matrix');
  const instances = instancesOf(ctx);
  if (!runOrUseGiven(ctx)) return [];
  const drafts: Draft[] = [];
  for (const instance of instances) {
    const draft = resolveInstance(new InstanceScope(ctx, instance, usesForeach));
    if (draft) drafts.push(draft);
  }
  return drafts;
}

/**
 * Resolves one instance of a step (one `foreach` item, or the step itself), field by field in
 * the order their problems are reported; undefined when its component cannot be used.
 */
function resolveInstance(scope: InstanceScope): Draft | undefined {
  const draft = draftWithPaths(scope);
  resolveWorkingDirectory(scope, draft);
  resolveEnvironment(scope, draft);
  resolveRequirements(scope, draft);
  resolveResources(scope, draft);
  resolveCompute(scope, draft);
  resolveRetries(scope, draft);
  resolveTimeout(scope, draft);
  resolveParams(scope);
  return resolveCommand(scope, draft) ? draft : undefined;
}

/** Whether a step names exactly one of `run` (a command) and `use` (a component); says if not. */
function runOrUseGiven(ctx: StepContext): boolean {
  const { source, step, diagnostics } = ctx;
  const run = entry(step.value, 'run');
  const use = entry(step.value, 'use');
  if (!run && !use) {
    diagnostics.push(
      source.diagnostic(
        'schema',
        `step '${step.name}' needs \`run\` (a command) or \`use\` (a component)`,
        step.key,
      ),
    );
    return false;
  }
  if (run && use) {
    diagnostics.push(source.diagnostic('schema', 'a step takes `run` or `use`, not both', use.key));
    return false;
  }
  return true;
}

/**
 * One instance of a step being resolved: its fields, its `foreach` item, the params it has read
 * so far, and the placeholders (`${item}`, `${key}`, `${params.x}`) filled in from them.
 */
class InstanceScope {
  /** The params the instance reads, each once, in the order first read. */
  readonly params: StepParam[] = [];
  /** The instance's name: the step's, with `@<suffix>` for a `foreach` item. */
  readonly name: string;

  constructor(
    readonly ctx: StepContext,
    private readonly instance: Instance,
    private readonly usesForeach: boolean,
  ) {
    const { step } = ctx;
    this.name = instance.suffix !== undefined ? `${step.name}@${instance.suffix}` : step.name;
  }

  /** The value of one of the step's fields as written. */
  field(name: string): Node | null | undefined {
    return entry(this.ctx.step.value, name)?.value;
  }

  /** Reads one key of a params file, recording the reference and reporting what is wrong. */
  readParam(
    fileRel: string,
    key: string,
    keyRange: SourceRange,
    fileRange: SourceRange,
  ): { found: boolean; value?: unknown } {
    const { ctx } = this;
    const { source, diagnostics } = ctx;
    const rel = workspacePath(fileRel);
    if (rel === undefined) {
      diagnostics.push(
        source.diagnostic(
          'missing-params-file',
          `params file '${fileRel}' is outside the workspace`,
          fileRange,
        ),
      );
      return { found: false };
    }
    const abs = path.join(ctx.root, rel);
    ctx.paramsFiles.add(abs);
    const paramsSource = ctx.reader.yaml(abs);
    if (paramsSource instanceof Error) {
      diagnostics.push(
        source.diagnostic(
          'missing-params-file',
          `params file '${rel}' not found: create it or name another with \`params: {file: ..., keys: [...]}\``,
          fileRange,
        ),
      );
      return { found: false };
    }
    if (paramsSource.doc.errors.length) {
      diagnostics.push(
        source.diagnostic(
          'missing-params-file',
          `params file '${rel}' is not valid YAML or JSON: ${paramsSource.doc.errors[0]!.message.split('\n')[0]}`,
          fileRange,
        ),
      );
      return { found: false };
    }
    const data: unknown = paramsSource.doc.toJS();
    const answer = lookupDotted(data, key);
    ctx.references.push({
      kind: 'param',
      range: keyRange,
      file: abs,
      key,
      found: answer.found && paramKeyNode(paramsSource, key) !== undefined,
      ...(answer.found ? { value: answer.value } : {}),
    });
    if (!answer.found) {
      diagnostics.push(
        source.diagnostic('unknown-param', `'${key}' is not a key of ${rel}`, keyRange),
      );
      return { found: false };
    }
    if (!this.params.some((p) => p.file === rel && p.key === key))
      this.params.push({ file: rel, key, value: answer.value });
    return answer;
  }

  /** Answers `${item}`, `${item.x}`, `${key}`, `${params.x}`; leaves others (shell variables). */
  lookup(at: Node | null | undefined): (expression: string) => { value: string } | undefined {
    return (expression) => {
      const raw = this.lookupRaw(at, expression);
      return raw === undefined ? undefined : { value: stringify(raw.value) };
    };
  }

  /** The value a placeholder stands for, as it is (see {@link lookup}). */
  lookupRaw(at: Node | null | undefined, expression: string): { value: unknown } | undefined {
    const { source, diagnostics } = this.ctx;
    const { instance } = this;
    const range = source.rangeWithin(at, `\${${expression}}`);
    if (expression === 'item' || expression.startsWith('item.') || expression === 'key') {
      if (!this.usesForeach) {
        diagnostics.push(
          source.diagnostic(
            'foreach',
            `\${${expression}} is only defined in a step with \`foreach\` or \`matrix\``,
            range,
          ),
        );
        return undefined;
      }
      if (expression === 'key') {
        if (instance.key === undefined) {
          diagnostics.push(
            source.diagnostic('foreach', '${key} needs `foreach` to be a map', range),
          );
          return undefined;
        }
        return { value: instance.key };
      }
      if (expression === 'item') return { value: instance.item };
      const found = lookupDotted(instance.item, expression.slice(5));
      if (!found.found) {
        diagnostics.push(
          source.diagnostic(
            'foreach',
            `the item ${JSON.stringify(instance.item)} has no '${expression.slice(5)}'`,
            range,
          ),
        );
        return undefined;
      }
      return { value: found.value };
    }
    if (expression.startsWith('params.')) {
      const key = expression.slice('params.'.length);
      const answer = this.readParam(this.ctx.paramsFile, key, range, range);
      return answer.found ? { value: answer.value } : undefined;
    }
    return undefined;
  }

  /** A scalar's text with its placeholders filled in. */
  fill(n: Node | null | undefined): string | undefined {
    const value = text(n);
    return value === undefined ? undefined : interpolate(value, this.lookup(n)).value;
  }

  /** Interpolates every string inside a node's data; a string that is one placeholder keeps the value's type. */
  fillData(n: Node | null | undefined, data: unknown): unknown {
    if (typeof data === 'string') {
      const only = placeholders(data);
      if (only.length === 1 && only[0]!.start === 0 && only[0]!.end === data.length) {
        const raw = this.lookupRaw(n, only[0]!.expression);
        if (raw) return raw.value;
      }
      return interpolate(data, this.lookup(n)).value;
    }
    if (Array.isArray(data)) return data.map((d) => this.fillData(n, d));
    if (data && typeof data === 'object') {
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, this.fillData(n, v)]));
    }
    return data;
  }

  /** The workspace paths a list field names; one outside the workspace is reported as `code`. */
  pathList(fieldName: string, code: 'unknown-dependency' | 'schema'): Located[] {
    const { source, diagnostics, root } = this.ctx;
    return items(this.field(fieldName)).flatMap((n) => {
      const value = this.fill(n);
      if (value === undefined) return [];
      const rel = workspacePath(value);
      if (rel === undefined) {
        diagnostics.push(
          source.diagnostic(
            code,
            `'${value}' is outside the workspace: paths are relative to ${root}`,
            n,
          ),
        );
        return [];
      }
      return [{ path: rel, range: source.rangeOf(n) }];
    });
  }
}

/**
 * A new draft of an instance with its paths: `deps`, `outs`, `after`, then `metrics` and
 * `artifacts` (each also an output).
 */
function draftWithPaths(scope: InstanceScope): Draft {
  const { source, step } = scope.ctx;
  const draft: Draft = {
    base: step.name,
    name: scope.name,
    keyRange: source.rangeOf(step.key),
    run: '',
    runNode: scope.field('run') ?? null,
    wd: '.',
    deps: scope.pathList('deps', 'unknown-dependency'),
    outs: scope.pathList('outs', 'schema'),
    metrics: [],
    artifacts: [],
    params: scope.params,
    env: {},
    cpu: 1,
    gpu: 0,
    memoryMb: 0,
    compute: 'local',
    retries: 0,
    after: items(scope.field('after')).flatMap((n) => {
      const value = scope.fill(n);
      return value === undefined ? [] : [{ name: value, range: source.rangeOf(n) }];
    }),
  };
  for (const [kind, target] of [
    ['metrics', draft.metrics],
    ['artifacts', draft.artifacts],
  ] as const) {
    for (const located of scope.pathList(kind, 'schema')) {
      target.push(located.path);
      if (!draft.outs.some((o) => o.path === located.path)) draft.outs.push(located);
    }
  }
  return draft;
}

// Working directory, environment, resources, compute, retries, timeout: the step's, else the defaults'.

/** `wd`: the working directory, inside the workspace. */
function resolveWorkingDirectory(scope: InstanceScope, draft: Draft): void {
  const { source, diagnostics, defaults } = scope.ctx;
  const wdNode = scope.field('wd');
  const wdText =
    wdNode !== undefined
      ? scope.fill(wdNode)
      : typeof defaults.wd === 'string'
        ? defaults.wd
        : undefined;
  if (wdText !== undefined) {
    const wd = workspacePath(wdText);
    if (wd === undefined)
      diagnostics.push(
        source.diagnostic(
          'schema',
          `working directory '${wdText}' is outside the workspace`,
          wdNode,
        ),
      );
    else draft.wd = wd;
  }
}

/** `env`: the defaults' variables, then the step's (with placeholders filled in). */
function resolveEnvironment(scope: InstanceScope, draft: Draft): void {
  const envDefaults = (scope.ctx.defaults.env ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(envDefaults)) draft.env[k] = stringify(v);
  for (const e of entries(scope.field('env'))) {
    draft.env[e.name] = isScalar(e.value)
      ? interpolate(stringify(e.value.value), scope.lookup(e.value)).value
      : '';
  }
}

/** `requirements`: the file the step's virtual environment is made from, which must exist. */
function resolveRequirements(scope: InstanceScope, draft: Draft): void {
  const { ctx } = scope;
  const { source, diagnostics, defaults } = ctx;
  const requirementsNode = scope.field('requirements');
  const requirements =
    requirementsNode !== undefined
      ? scope.fill(requirementsNode)
      : (defaults.requirements as string | undefined);
  if (requirements === undefined) return;
  const rel = workspacePath(requirements);
  if (rel === undefined) {
    diagnostics.push(
      source.diagnostic(
        'schema',
        `requirements file '${requirements}' is outside the workspace`,
        requirementsNode,
      ),
    );
    return;
  }
  draft.requirements = rel;
  if (!ctx.reader.exists(path.join(ctx.root, rel))) {
    diagnostics.push(
      source.diagnostic(
        'unknown-dependency',
        `requirements file '${rel}' not found`,
        requirementsNode,
      ),
    );
  }
  ctx.references.push({
    kind: 'path',
    range: source.rangeOf(requirementsNode),
    target: path.join(ctx.root, rel),
    exists: ctx.reader.exists(path.join(ctx.root, rel)),
  });
}

/** `resources`: the step's over the defaults'. */
function resolveResources(scope: InstanceScope, draft: Draft): void {
  const resources = {
    ...((scope.ctx.defaults.resources ?? {}) as Record<string, unknown>),
    ...((toData(scope.field('resources')) ?? {}) as Record<string, unknown>),
  };
  applyResources(draft, resources);
}

/** `compute`: a target the pipeline declares. */
function resolveCompute(scope: InstanceScope, draft: Draft): void {
  const { source, diagnostics, defaults, step, compute } = scope.ctx;
  const computeNode = scope.field('compute');
  const computeName =
    computeNode !== undefined ? scope.fill(computeNode) : (defaults.compute as string | undefined);
  if (computeName === undefined) return;
  if (!compute.some((c) => c.name === computeName)) {
    diagnostics.push(
      source.diagnostic(
        'schema',
        `unknown compute target '${computeName}': declare it under \`compute:\` (known: ${compute.map((c) => c.name).join(', ')})`,
        computeNode ?? step.key,
      ),
    );
  } else draft.compute = computeName;
}

/** `retries`: how many times a failed execution is tried again. */
function resolveRetries(scope: InstanceScope, draft: Draft): void {
  const retries = toData(scope.field('retries')) ?? scope.ctx.defaults.retries;
  if (typeof retries === 'number') draft.retries = retries;
}

/** `timeout`: a duration (90, 90s, 30m, 1h30m) in seconds. */
function resolveTimeout(scope: InstanceScope, draft: Draft): void {
  const { source, diagnostics, defaults, step } = scope.ctx;
  const timeout = toData(scope.field('timeout')) ?? defaults.timeout;
  if (timeout === undefined) return;
  const seconds = parseDuration(timeout);
  if (seconds === undefined)
    diagnostics.push(
      source.diagnostic(
        'schema',
        `timeout '${String(timeout)}' is not a duration (e.g. 90, 90s, 30m, 1h30m)`,
        scope.field('timeout') ?? step.key,
      ),
    );
  else draft.timeoutSec = seconds;
}

/** `params`: `train.lr` (in the pipeline's params file), or `{file: other.yaml, keys: [a.b]}`. */
function resolveParams(scope: InstanceScope): void {
  const { source, paramsFile } = scope.ctx;
  for (const n of items(scope.field('params'))) {
    if (isScalar(n)) {
      const key = scope.fill(n);
      if (key !== undefined) scope.readParam(paramsFile, key, source.rangeOf(n), source.rangeOf(n));
    } else if (isMap(n)) {
      const fileNode = entry(n, 'file')?.value;
      const fileRel = scope.fill(fileNode);
      if (fileRel === undefined) continue;
      for (const keyNode of items(entry(n, 'keys')?.value)) {
        const key = scope.fill(keyNode);
        if (key !== undefined)
          scope.readParam(fileRel, key, source.rangeOf(keyNode), source.rangeOf(fileNode));
      }
    }
  }
}

/**
 * The command: `run` as written, or what the component `use` names makes of its `with`
 * arguments (its paths, params, environment and resources joining the step's). False when the
 * component cannot be used (the problem is reported).
 */
function resolveCommand(scope: InstanceScope, draft: Draft): boolean {
  const { ctx } = scope;
  const { source, diagnostics, defaults, paramsFile } = ctx;
  const node = ctx.step.value;
  if (entry(node, 'run') !== undefined) {
    draft.run = scope.fill(scope.field('run')) ?? '';
    return true;
  }
  const useNode = entry(node, 'use')!.value;
  const component = componentFor(ctx, useNode);
  if (!component) return false;
  const body = applyComponent(
    ctx,
    component,
    entry(node, 'with'),
    (n, data) => scope.fillData(n, data),
    draft,
  );
  if (!body) return false;
  draft.component = component.name;
  draft.run = body.run;
  const useRange = source.rangeOf(useNode);
  const add = (list: string[], target: Located[], code: 'unknown-dependency' | 'schema'): void => {
    for (const p of list) {
      const rel = workspacePath(p);
      if (rel === undefined) {
        diagnostics.push(
          source.diagnostic(code, `component path '${p}' is outside the workspace`, useNode),
        );
      } else if (!target.some((t) => t.path === rel)) target.push({ path: rel, range: useRange });
    }
  };
  add(body.deps, draft.deps, 'unknown-dependency');
  add(body.outs, draft.outs, 'schema');
  for (const m of body.metrics) {
    const rel = workspacePath(m);
    if (rel && !draft.metrics.includes(rel)) draft.metrics.push(rel);
  }
  for (const a of body.artifacts) {
    const rel = workspacePath(a);
    if (rel && !draft.artifacts.includes(rel)) draft.artifacts.push(rel);
  }
  for (const key of body.params) scope.readParam(paramsFile, key, useRange, useRange);
  draft.env = { ...body.env, ...draft.env };
  if (body.requirements && !draft.requirements) {
    const rel = workspacePath(body.requirements);
    if (rel) draft.requirements = rel;
  }
  if (body.resources && !scope.field('resources'))
    applyResources(draft, { ...body.resources, ...((defaults.resources ?? {}) as object) });
  return true;
}

function applyResources(draft: Draft, resources: Record<string, unknown>): void {
  if (typeof resources.cpu === 'number') draft.cpu = resources.cpu;
  if (typeof resources.gpu === 'number') draft.gpu = resources.gpu;
  if (resources.memory !== undefined) draft.memoryMb = parseMemory(resources.memory) ?? 0;
}

/** The component a `use:` names: a built-in, or a component file relative to the pipeline file. */
function componentFor(ctx: StepContext, useNode: Node | null): ComponentDefinition | undefined {
  const { source, diagnostics } = ctx;
  const use = text(useNode) ?? '';
  const range = source.rangeOf(useNode);
  if (use.startsWith('sextant/')) {
    const builtin = BUILTIN_COMPONENTS.get(use);
    ctx.references.push({ kind: 'component', range, name: use });
    if (!builtin) {
      diagnostics.push(
        source.diagnostic(
          'unknown-component',
          `no built-in component '${use}' (built-ins: ${[...BUILTIN_COMPONENTS.keys()].join(', ')})`,
          useNode,
        ),
      );
    }
    return builtin;
  }
  const dir = path.dirname(source.file);
  const resolved = resolveComponentFile(ctx.reader, dir, use);
  const relToRoot = path.relative(ctx.root, resolved.file);
  if (relToRoot.startsWith('..') || path.isAbsolute(relToRoot)) {
    diagnostics.push(
      source.diagnostic(
        'unknown-component',
        `component '${use}' is outside the workspace`,
        useNode,
      ),
    );
    return undefined;
  }
  ctx.componentFiles.add(resolved.file);
  ctx.references.push({
    kind: 'component',
    range,
    name: use,
    ...(resolved.source ? { target: resolved.file } : {}),
  });
  if (!resolved.source) {
    diagnostics.push(
      source.diagnostic('unknown-component', resolved.error ?? `cannot load '${use}'`, useNode),
    );
    return undefined;
  }
  const loaded = loadComponent(resolved.source);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (!loaded.definition || errors.length) {
    const first = errors[0];
    diagnostics.push(
      source.diagnostic(
        'unknown-component',
        `component '${use}' has ${errors.length} error(s)${first ? `, first at line ${first.range.start.line + 1}: ${first.message}` : ''}`,
        useNode,
      ),
    );
    return undefined;
  }
  return loaded.definition;
}

/** Checks a step's `with:` against a component's inputs and outputs and builds the step's body. */
function applyComponent(
  ctx: StepContext,
  component: ComponentDefinition,
  withEntry: { key: Node; value: Node | null } | undefined,
  fillData: (n: Node | null | undefined, data: unknown) => unknown,
  draft: Draft,
): ComponentBody | undefined {
  const { source, diagnostics } = ctx;
  const args: Record<string, unknown> = {};
  let ok = true;
  const given = entries(withEntry?.value);
  const names = new Set([
    ...component.inputs.map((i) => i.name),
    ...component.outputs.map((o) => o.name),
  ]);
  for (const arg of given) {
    if (!names.has(arg.name)) {
      diagnostics.push(
        source.diagnostic(
          'component-input',
          `'${component.name}' has no input or output '${arg.name}' (it takes: ${[...names].join(', ')})`,
          arg.key,
        ),
      );
      ok = false;
      continue;
    }
    args[arg.name] = fillData(arg.value, toData(arg.value));
  }
  const anchor = withEntry?.key ?? entry(ctx.step.value, 'use')!.key;
  for (const input of component.inputs) {
    const arg = given.find((g) => g.name === input.name);
    if (!(input.name in args)) {
      if (arg) continue;
      if (input.default !== undefined) args[input.name] = input.default;
      else if (input.required) {
        diagnostics.push(
          source.diagnostic(
            'component-input',
            `missing input '${input.name}' (${input.type}) of '${component.name}'`,
            anchor,
          ),
        );
        ok = false;
      }
      continue;
    }
    if (!fitsType(args[input.name], input.type)) {
      diagnostics.push(
        source.diagnostic(
          'component-input',
          `input '${input.name}' of '${component.name}' takes ${input.type === 'integer' ? 'an' : 'a'} ${input.type}, not ${JSON.stringify(args[input.name])}`,
          arg?.value ?? arg?.key ?? null,
        ),
      );
      ok = false;
    }
  }
  for (const output of component.outputs) {
    const arg = given.find((g) => g.name === output.name);
    if (!(output.name in args)) {
      if (arg) continue;
      if (output.default !== undefined) args[output.name] = output.default;
      else {
        diagnostics.push(
          source.diagnostic(
            'component-input',
            `missing output path '${output.name}' of '${component.name}'`,
            anchor,
          ),
        );
        ok = false;
      }
      continue;
    }
    if (typeof args[output.name] !== 'string' || args[output.name] === '') {
      diagnostics.push(
        source.diagnostic(
          'component-input',
          `output '${output.name}' of '${component.name}' takes a path`,
          arg?.value ?? null,
        ),
      );
      ok = false;
    }
  }
  for (const n of given) {
    const value = args[n.name];
    if (typeof value !== 'string') continue;
    const isPath =
      component.inputs.some((i) => i.name === n.name && i.type === 'path') ||
      component.outputs.some((o) => o.name === n.name);
    const rel = isPath ? workspacePath(value) : '';
    if (rel === undefined) {
      diagnostics.push(
        source.diagnostic('component-input', `'${value}' is outside the workspace`, n.value),
      );
      ok = false;
    }
  }
  if (!ok) return undefined;
  return component.build(args, {
    root: ctx.root,
    wd: draft.wd,
    hasRequirements: draft.requirements !== undefined,
    exists: (file) => ctx.reader.exists(file),
  });
}
