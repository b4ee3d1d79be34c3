import path from 'node:path';
import { isMap, type Node } from 'yaml';
import type {
  ComputeTarget,
  PipelineDiagnostic,
  ResolvedPipeline,
  ResolvedStep,
  SourceRange,
  TriggerSpec,
} from '../../model/pipeline';
import type { LoadedPipelineFile } from '../api';
import { checkDeps, checkNames, checkOutputs, checkScripts, resolveAfter } from './checks';
import type { Defaults, Draft } from './draft';
import { FileReader, type DiskInputs } from './files';
import { order, upstreamOf } from './graph';
import type { PipelineOutline, SpecReference, StepOutline } from './outline';
import { validateAgainstSchema } from './schema';
import { resolveStep } from './step';
import { entries, entry, rangeContains, sameRange, SourceFile, text, toData } from './source';
import { triggersOf } from './triggers';

/** Options of {@link analyzePipelineFile}. */
export interface AnalyzeOptions {
  /** Overrides the pipeline file's content on disk (an unsaved editor). */
  text?: string;
  /** Workspace root the paths are relative to; the pipeline file's folder by default. */
  root?: string;
  /** Unsaved editor text of other files (params, components), by absolute path. */
  overlays?: ReadonlyMap<string, string>;
}

/** A loaded pipeline file with what the editor features need besides the resolved pipelines. */
export interface PipelineFileAnalysis extends LoadedPipelineFile {
  /** Absolute workspace root. */
  root: string;
  /** Every pipeline and step as written, resolved or not. */
  outline: PipelineOutline[];
  /** Paths, params, components and steps the file names, with their ranges. */
  references: SpecReference[];
  /** Absolute paths of the params files the steps read. */
  paramsFiles: string[];
  /** Absolute paths of the component files the steps use. */
  componentFiles: string[];
  /** Compute target names (with `local`). */
  computeTargets: string[];
  /**
   * What the analysis found on disk, so a caller can tell the result still holds
   * ({@link inputsUnchanged}); absent when it used an editor's text or stopped at a broken file.
   */
  inputs?: DiskInputs;
}

/** The default params file, as DVC names it. */
export const DEFAULT_PARAMS_FILE = 'params.yaml';

/** Drops duplicate diagnostics (a `foreach` step repeats the same finding per item). */
function unique(list: PipelineDiagnostic[]): PipelineDiagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const id = `${d.file}|${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Loads, validates and resolves a pipeline file, and keeps what the editor needs (outline,
 * references). Never throws for a bad file: every problem is a diagnostic with an exact range.
 */
export async function analyzePipelineFile(
  file: string,
  options: AnalyzeOptions = {},
): Promise<PipelineFileAnalysis> {
  file = path.resolve(file);
  const root = path.resolve(options.root ?? path.dirname(file));
  const reader = new FileReader(options.overlays);
  const result: PipelineFileAnalysis = {
    file,
    root,
    pipelines: [],
    diagnostics: [],
    outline: [],
    references: [],
    paramsFiles: [],
    componentFiles: [],
    computeTargets: ['local'],
  };
  const parsed = parseFile(file, options.text ?? reader.read(file), result);
  if (!parsed) return result;
  const { source, top, fileDiagnostics, schemaDiagnostics } = parsed;
  const compute = computeTargetsOf(top);
  result.computeTargets = compute.map((c) => c.name);
  const written = writtenPipelinesOf(source, top, fileDiagnostics);
  const scope: FileScope = {
    file,
    root,
    reader,
    source,
    top,
    compute,
    schemaDiagnostics,
    references: result.references,
    paramsFiles: new Set<string>(),
    componentFiles: new Set<string>(),
    fileDefaults: (toData(entry(top, 'defaults')?.value) ?? {}) as Defaults,
    fileParams: text(entry(top, 'params')?.value) ?? DEFAULT_PARAMS_FILE,
  };
  // Every pipeline's drafts first: an unknown-dependency check accepts any pipeline's outputs.
  const staged = written.map((pipeline) => stagePipeline(scope, pipeline));
  result.outline = staged.map((p) => p.outline);
  fileDiagnostics.push(...fileWideDiagnostics(scope, written, result.outline));
  const allOutputs = staged.flatMap((p) =>
    p.drafts.flatMap((d) => d.outs.map((o) => ({ step: d.name, path: o.path }))),
  );
  for (const pipeline of staged) {
    const resolved = checkPipeline(scope, pipeline, allOutputs, fileDiagnostics);
    if (resolved) result.pipelines.push(resolved);
  }
  result.diagnostics = unique([...fileDiagnostics, ...staged.flatMap((p) => p.diagnostics)]);
  result.paramsFiles = [...scope.paramsFiles];
  result.componentFiles = [...scope.componentFiles];
  const inputs = options.text === undefined ? reader.inputs : undefined;
  if (inputs) result.inputs = inputs;
  return result;
}

/** A pipeline as written: a `pipelines:` entry, or the file's top-level `steps:`. */
interface WrittenPipeline {
  name: string;
  key: Node;
  value: Node | null;
  topLevel: boolean;
}

/** A pipeline whose steps are drafted, before the checks that need every pipeline's outputs. */
interface StagedPipeline {
  name: string;
  keyRange: SourceRange;
  range: SourceRange;
  drafts: Draft[];
  diagnostics: PipelineDiagnostic[];
  triggers: TriggerSpec[];
  outline: PipelineOutline;
}

/** What the phases of an analysis share about the file. */
interface FileScope {
  file: string;
  root: string;
  reader: FileReader;
  source: SourceFile;
  top: Node | null;
  compute: ComputeTarget[];
  schemaDiagnostics: PipelineDiagnostic[];
  references: SpecReference[];
  paramsFiles: Set<string>;
  componentFiles: Set<string>;
  fileDefaults: Defaults;
  fileParams: string;
}

/**
 * Parses the file and checks it against the schema; undefined (with the result's diagnostics
 * set) when it cannot be read, has a syntax error, or is not a map.
 */
function parseFile(
  file: string,
  content: string | Error,
  result: PipelineFileAnalysis,
):
  | {
      source: SourceFile;
      top: Node | null;
      fileDiagnostics: PipelineDiagnostic[];
      schemaDiagnostics: PipelineDiagnostic[];
    }
  | undefined {
  if (content instanceof Error) {
    result.diagnostics.push({
      code: 'yaml-syntax',
      severity: 'error',
      message: `cannot read ${file}: ${content.message}`,
      file,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    });
    return undefined;
  }
  const source = new SourceFile(file, content);
  const fileDiagnostics: PipelineDiagnostic[] = source.syntaxDiagnostics(false);
  if (fileDiagnostics.some((d) => d.severity === 'error')) {
    result.diagnostics = fileDiagnostics;
    return undefined;
  }
  const schemaDiagnostics = validateAgainstSchema(source, 'pipeline');
  const top = source.doc.contents;
  if (top !== null && !isMap(top)) {
    result.diagnostics = [...fileDiagnostics, ...schemaDiagnostics];
    return undefined;
  }
  return { source, top, fileDiagnostics, schemaDiagnostics };
}

/** The compute targets the file declares under `compute:`, after `local` (which one may redeclare). */
function computeTargetsOf(top: Node | null): ComputeTarget[] {
  const compute: ComputeTarget[] = [{ name: 'local', kind: 'local' }];
  for (const target of entries(entry(top, 'compute')?.value)) {
    const spec = (toData(target.value) ?? {}) as {
      kind?: unknown;
      address?: unknown;
      workspace?: unknown;
      tracking?: unknown;
    };
    if (spec.kind !== 'local' && spec.kind !== 'ray') continue;
    const declared: ComputeTarget = {
      name: target.name,
      kind: spec.kind,
      ...(typeof spec.address === 'string' ? { address: spec.address } : {}),
      ...(spec.workspace === 'shared' || spec.workspace === 'upload'
        ? { workspace: spec.workspace }
        : {}),
      ...(typeof spec.tracking === 'string' ? { tracking: spec.tracking } : {}),
    };
    const at = compute.findIndex((c) => c.name === target.name);
    if (at >= 0) compute[at] = declared;
    else compute.push(declared);
  }
  return compute;
}

/**
 * The pipelines as written: `pipelines:` entries, and top-level `steps:` as one more (named by
 * top-level `name:`, `main` without). Reports a top-level name that clashes, and top-level
 * `name:` or `on:` that apply to nothing.
 */
function writtenPipelinesOf(
  source: SourceFile,
  top: Node | null,
  fileDiagnostics: PipelineDiagnostic[],
): WrittenPipeline[] {
  const written: WrittenPipeline[] = entries(entry(top, 'pipelines')?.value).map((e) => ({
    ...e,
    topLevel: false,
  }));
  const topSteps = entry(top, 'steps');
  if (topSteps) {
    const nameNode = entry(top, 'name')?.value;
    written.push({
      name: text(nameNode) ?? 'main',
      key: (nameNode ?? topSteps.key) as Node,
      value: top as Node,
      topLevel: true,
    });
    const clash = written.find((w) => !w.topLevel && w.name === text(nameNode ?? null));
    if (clash) {
      fileDiagnostics.push(
        source.diagnostic(
          'schema',
          `a pipeline named '${clash.name}' is also under \`pipelines:\``,
          nameNode ?? topSteps.key,
        ),
      );
    }
  } else {
    for (const field of ['name', 'on']) {
      const unused = entry(top, field);
      if (unused) {
        fileDiagnostics.push(
          source.diagnostic(
            'schema',
            `top-level \`${field}:\` applies to top-level \`steps:\` only; under \`pipelines:\` give it to each pipeline`,
            unused.key,
            'warning',
          ),
        );
      }
    }
  }
  return written;
}

/** The range a written pipeline covers: the whole file for top-level `steps:`. */
function rangeOfWritten(scope: FileScope, w: WrittenPipeline): SourceRange {
  return w.topLevel
    ? scope.source.rangeOf(scope.top as Node)
    : scope.source.rangeOfOffsets(
        w.key.range?.[0] ?? 0,
        w.value?.range?.[1] ?? w.key.range?.[1] ?? 0,
      );
}

/**
 * Drafts a written pipeline: its defaults and params file over the file's, each step resolved
 * ({@link resolveStep}) and outlined, its triggers; with the schema problems inside it.
 */
function stagePipeline(scope: FileScope, pipeline: WrittenPipeline): StagedPipeline {
  const { source, fileDefaults } = scope;
  const diagnostics: PipelineDiagnostic[] = [];
  const body = pipeline.value;
  const range = rangeOfWritten(scope, pipeline);
  const outline: PipelineOutline = {
    name: pipeline.name,
    topLevel: pipeline.topLevel,
    keyRange: source.rangeOf(pipeline.key),
    range,
    steps: [],
  };
  if (!pipeline.topLevel)
    diagnostics.push(...scope.schemaDiagnostics.filter((d) => rangeContains(range, d.range)));
  const defaults: Defaults = {
    ...fileDefaults,
    ...((toData(entry(body, 'defaults')?.value) ?? {}) as Defaults),
    env: {
      ...((fileDefaults.env ?? {}) as object),
      ...(((toData(entry(body, 'defaults')?.value) ?? {}) as Defaults).env ?? {}),
    },
  };
  const paramsFile = text(entry(body, 'params')?.value) ?? scope.fileParams;
  const drafts: Draft[] = [];
  for (const step of entries(entry(body, 'steps')?.value)) {
    const stepOutline: StepOutline = {
      name: step.name,
      keyRange: source.rangeOf(step.key),
      range: source.rangeOfOffsets(
        step.key.range?.[0] ?? 0,
        step.value?.range?.[1] ?? step.key.range?.[1] ?? 0,
      ),
      expanded: [],
    };
    const use = text(entry(step.value, 'use')?.value);
    if (use !== undefined) stepOutline.use = use;
    outline.steps.push(stepOutline);
    if (!isMap(step.value)) continue;
    let made: Draft[] = [];
    try {
      made = resolveStep({
        source,
        reader: scope.reader,
        root: scope.root,
        step,
        defaults,
        paramsFile,
        compute: scope.compute,
        diagnostics,
        references: scope.references,
        paramsFiles: scope.paramsFiles,
        componentFiles: scope.componentFiles,
      });
    } catch (error) {
      diagnostics.push(
        source.diagnostic(
          'schema',
          `cannot resolve step '${step.name}': ${(error as Error).message}`,
          step.key,
        ),
      );
    }
    stepOutline.expanded = made.map((d) => d.name);
    drafts.push(...made);
  }
  return {
    name: pipeline.name,
    keyRange: outline.keyRange,
    range,
    drafts,
    diagnostics,
    triggers: triggersOf(source, entry(body, 'on')?.value, diagnostics),
    outline,
  };
}

/**
 * Problems of the whole file: no pipeline at all (unless it declares deployments), repeated keys (a repeated step name is
 * `duplicate-step`, reported with the steps), schema errors outside every `pipelines:` entry.
 */
function fileWideDiagnostics(
  scope: FileScope,
  written: WrittenPipeline[],
  outline: PipelineOutline[],
): PipelineDiagnostic[] {
  const { source, top, schemaDiagnostics } = scope;
  const found: PipelineDiagnostic[] = [];
  // A file that only declares deployments (served with `sextant deploy`) needs no pipeline.
  const deploymentsOnly = isMap(top) && top.has('deployments');
  if (written.length === 0 && schemaDiagnostics.length === 0 && !deploymentsOnly) {
    found.push(
      source.diagnostic(
        'schema',
        'no pipelines: add `steps:` or `pipelines:`',
        (top as Node | null) ?? null,
        'warning',
      ),
    );
  }
  for (const range of source.duplicateKeyRanges()) {
    const isStep = outline.some((p) => p.steps.some((s) => sameRange(s.keyRange, range)));
    if (!isStep) found.push(source.diagnostic('yaml-syntax', 'map keys must be unique', range));
  }
  found.push(
    ...schemaDiagnostics.filter(
      (d) => !written.some((w) => !w.topLevel && rangeContains(rangeOfWritten(scope, w), d.range)),
    ),
  );
  return found;
}

/**
 * Checks a staged pipeline (names, `after`, outputs, dependencies, scripts, cycles) and orders
 * its steps; the resolved pipeline, or undefined when it or the file has an error.
 */
function checkPipeline(
  scope: FileScope,
  pipeline: StagedPipeline,
  allOutputs: { step: string; path: string }[],
  fileDiagnostics: PipelineDiagnostic[],
): ResolvedPipeline | undefined {
  const { source, reader, root, file, references } = scope;
  const { drafts, diagnostics } = pipeline;
  checkNames(source, drafts, diagnostics);
  resolveAfter(source, pipeline.name, drafts, pipeline.outline, diagnostics, references);
  checkOutputs(source, drafts, diagnostics);
  checkDeps(source, reader, root, drafts, allOutputs, diagnostics, references);
  checkScripts(source, reader, root, drafts, allOutputs, diagnostics, references);
  const upstream = upstreamOf(
    drafts.map((d) => ({
      name: d.name,
      deps: d.deps.map((x) => x.path),
      outputs: d.outs.map((x) => x.path),
      after: d.after.map((a) => a.name),
    })),
  );
  const { ordered, cycles } = order(
    drafts.map((d) => d.name),
    upstream,
  );
  for (const cycle of cycles) {
    for (const name of cycle) {
      const draft = drafts.find((d) => d.name === name)!;
      diagnostics.push(
        source.diagnostic(
          'cycle',
          `'${name}' is on a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
          draft.keyRange,
        ),
      );
    }
  }
  const hasError =
    diagnostics.some((d) => d.severity === 'error') ||
    fileDiagnostics.some((d) => d.severity === 'error');
  if (hasError) return undefined;
  return {
    name: pipeline.name,
    file,
    root,
    steps: ordered.map((name) =>
      finish(
        drafts.find((d) => d.name === name)!,
        upstream.get(name) ?? [],
        file,
      ),
    ),
    compute: scope.compute,
    triggers: pipeline.triggers,
    location: { file, range: pipeline.keyRange },
  };
}

function finish(draft: Draft, upstream: string[], file: string): ResolvedStep {
  const outputs = [...new Set([...draft.outs.map((o) => o.path)])];
  return {
    name: draft.name,
    run: draft.run,
    wd: draft.wd,
    deps: [...new Set(draft.deps.map((d) => d.path))],
    params: draft.params,
    outputs,
    metrics: draft.metrics,
    artifacts: draft.artifacts,
    environment: {
      vars: draft.env,
      ...(draft.requirements ? { requirements: draft.requirements } : {}),
    },
    resources: { cpu: draft.cpu, gpu: draft.gpu, memoryMb: draft.memoryMb },
    compute: draft.compute,
    retries: draft.retries,
    ...(draft.timeoutSec !== undefined ? { timeoutSec: draft.timeoutSec } : {}),
    upstream,
    ...(draft.component ? { component: draft.component } : {}),
    location: { file, range: draft.keyRange },
  };
}
