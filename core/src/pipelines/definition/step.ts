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
  const { source, step, diagnostics, defaults } = ctx;
  const node = step.value;
  const field = (name: string): Node | null | undefined => entry(node, name)?.value;
  const has = (name: string): boolean => entry(node, name) !== undefined;
  const usesForeach = has('foreach') || has('matrix');
  const instances = instancesOf(ctx);
  const drafts: Draft[] = [];
  if (!has('run') && !has('use')) {
    diagnostics.push(
      source.diagnostic(
        'schema',
        `step '${step.name}' needs \`run\` (a command) or \`use\` (a component)`,
        step.key,
      ),
    );
    return [];
  }
  if (has('run') && has('use')) {
    diagnostics.push(
      source.diagnostic('schema', 'a step takes `run` or `use`, not both', entry(node, 'use')!.key),
    );
    return [];
  }
  for (const instance of instances) {
    const name = instance.suffix !== undefined ? `${step.name}@${instance.suffix}` : step.name;
    const params: StepParam[] = [];
    const defaultParamsFile = ctx.paramsFile;

    /** Reads one key of a params file, recording the reference and reporting what is wrong. */
    const readParam = (
      fileRel: string,
      key: string,
      keyRange: SourceRange,
      fileRange: SourceRange,
    ): { found: boolean; value?: unknown } => {
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
      if (!params.some((p) => p.file === rel && p.key === key))
        params.push({ file: rel, key, value: answer.value });
      return answer;
    };

    /** Answers `${item}`, `${item.x}`, `${key}`, `${params.x}`; leaves others (shell variables). */
    const lookup =
      (at: Node | null | undefined) =>
      (expression: string): { value: string } | undefined => {
        const raw = lookupRaw(at, expression);
        return raw === undefined ? undefined : { value: stringify(raw.value) };
      };
    const lookupRaw = (
      at: Node | null | undefined,
      expression: string,
    ): { value: unknown } | undefined => {
      const range = source.rangeWithin(at, `\${${expression}}`);
      if (expression === 'item' || expression.startsWith('item.') || expression === 'key') {
        if (!usesForeach) {
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
        const answer = readParam(defaultParamsFile, key, range, range);
        return answer.found ? { value: answer.value } : undefined;
      }
      return undefined;
    };
    const fill = (n: Node | null | undefined): string | undefined => {
      const value = text(n);
      return value === undefined ? undefined : interpolate(value, lookup(n)).value;
    };
    /** Interpolates every string inside a node's data; a string that is one placeholder keeps the value's type. */
    const fillData = (n: Node | null | undefined, data: unknown): unknown => {
      if (typeof data === 'string') {
        const only = placeholders(data);
        if (only.length === 1 && only[0]!.start === 0 && only[0]!.end === data.length) {
          const raw = lookupRaw(n, only[0]!.expression);
          if (raw) return raw.value;
        }
        return interpolate(data, lookup(n)).value;
      }
      if (Array.isArray(data)) return data.map((d) => fillData(n, d));
      if (data && typeof data === 'object') {
        return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, fillData(n, v)]));
      }
      return data;
    };
    const pathList = (fieldName: string, code: 'unknown-dependency' | 'schema'): Located[] =>
      items(field(fieldName)).flatMap((n) => {
        const value = fill(n);
        if (value === undefined) return [];
        const rel = workspacePath(value);
        if (rel === undefined) {
          diagnostics.push(
            source.diagnostic(
              code,
              `'${value}' is outside the workspace: paths are relative to ${ctx.root}`,
              n,
            ),
          );
          return [];
        }
        return [{ path: rel, range: source.rangeOf(n) }];
      });

    const draft: Draft = {
      base: step.name,
      name,
      keyRange: source.rangeOf(step.key),
      run: '',
      runNode: field('run') ?? null,
      wd: '.',
      deps: pathList('deps', 'unknown-dependency'),
      outs: pathList('outs', 'schema'),
      metrics: [],
      artifacts: [],
      params,
      env: {},
      cpu: 1,
      gpu: 0,
      memoryMb: 0,
      compute: 'local',
      retries: 0,
      after: items(field('after')).flatMap((n) => {
        const value = fill(n);
        return value === undefined ? [] : [{ name: value, range: source.rangeOf(n) }];
      }),
    };
    for (const [kind, target] of [
      ['metrics', draft.metrics],
      ['artifacts', draft.artifacts],
    ] as const) {
      for (const located of pathList(kind, 'schema')) {
        target.push(located.path);
        if (!draft.outs.some((o) => o.path === located.path)) draft.outs.push(located);
      }
    }

    // Working directory, environment, resources, compute, retries, timeout: the step's, else the defaults'.
    const wdNode = field('wd');
    const wdText =
      wdNode !== undefined
        ? fill(wdNode)
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
    const envDefaults = (defaults.env ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(envDefaults)) draft.env[k] = stringify(v);
    for (const e of entries(field('env'))) {
      draft.env[e.name] = isScalar(e.value)
        ? interpolate(stringify(e.value.value), lookup(e.value)).value
        : '';
    }
    const requirementsNode = field('requirements');
    const requirements =
      requirementsNode !== undefined
        ? fill(requirementsNode)
        : (defaults.requirements as string | undefined);
    if (requirements !== undefined) {
      const rel = workspacePath(requirements);
      if (rel === undefined)
        diagnostics.push(
          source.diagnostic(
            'schema',
            `requirements file '${requirements}' is outside the workspace`,
            requirementsNode,
          ),
        );
      else {
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
    }
    const resources = {
      ...((defaults.resources ?? {}) as Record<string, unknown>),
      ...((toData(field('resources')) ?? {}) as Record<string, unknown>),
    };
    applyResources(draft, resources);
    const computeNode = field('compute');
    const computeName =
      computeNode !== undefined ? fill(computeNode) : (defaults.compute as string | undefined);
    if (computeName !== undefined) {
      if (!ctx.compute.some((c) => c.name === computeName)) {
        diagnostics.push(
          source.diagnostic(
            'schema',
            `unknown compute target '${computeName}': declare it under \`compute:\` (known: ${ctx.compute.map((c) => c.name).join(', ')})`,
            computeNode ?? step.key,
          ),
        );
      } else draft.compute = computeName;
    }
    const retries = toData(field('retries')) ?? defaults.retries;
    if (typeof retries === 'number') draft.retries = retries;
    const timeout = toData(field('timeout')) ?? defaults.timeout;
    if (timeout !== undefined) {
      const seconds = parseDuration(timeout);
      if (seconds === undefined)
        diagnostics.push(
          source.diagnostic(
            'schema',
            `timeout '${String(timeout)}' is not a duration (e.g. 90, 90s, 30m, 1h30m)`,
            field('timeout') ?? step.key,
          ),
        );
      else draft.timeoutSec = seconds;
    }

    // Params: `train.lr`, or `{file: other.yaml, keys: [a.b]}`.
    for (const n of items(field('params'))) {
      if (isScalar(n)) {
        const key = fill(n);
        if (key !== undefined)
          readParam(defaultParamsFile, key, source.rangeOf(n), source.rangeOf(n));
      } else if (isMap(n)) {
        const fileNode = entry(n, 'file')?.value;
        const fileRel = fill(fileNode);
        if (fileRel === undefined) continue;
        for (const keyNode of items(entry(n, 'keys')?.value)) {
          const key = fill(keyNode);
          if (key !== undefined)
            readParam(fileRel, key, source.rangeOf(keyNode), source.rangeOf(fileNode));
        }
      }
    }

    // The command, or the component that makes it.
    if (has('run')) {
      draft.run = fill(field('run')) ?? '';
    } else {
      const useNode = entry(node, 'use')!.value;
      const component = componentFor(ctx, useNode);
      if (!component) continue;
      const body = applyComponent(ctx, component, entry(node, 'with'), fillData, draft);
      if (!body) continue;
      draft.component = component.name;
      draft.run = body.run;
      const useRange = source.rangeOf(useNode);
      const add = (
        list: string[],
        target: Located[],
        code: 'unknown-dependency' | 'schema',
      ): void => {
        for (const p of list) {
          const rel = workspacePath(p);
          if (rel === undefined) {
            diagnostics.push(
              source.diagnostic(code, `component path '${p}' is outside the workspace`, useNode),
            );
          } else if (!target.some((t) => t.path === rel))
            target.push({ path: rel, range: useRange });
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
      for (const key of body.params) readParam(defaultParamsFile, key, useRange, useRange);
      draft.env = { ...body.env, ...draft.env };
      if (body.requirements && !draft.requirements) {
        const rel = workspacePath(body.requirements);
        if (rel) draft.requirements = rel;
      }
      if (body.resources && !field('resources'))
        applyResources(draft, { ...body.resources, ...((defaults.resources ?? {}) as object) });
    }
    drafts.push(draft);
  }
  return drafts;
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
