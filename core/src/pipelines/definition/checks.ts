import path from 'node:path';
import type { PipelineDiagnostic, SourceRange } from '../../model/pipeline';
import type { Draft } from './draft';
import type { FileReader } from './files';
import type { PipelineOutline, SpecReference } from './outline';
import { scriptOf } from '../../compute';
import { sameRange, type SourceFile } from './source';
import { isWithin, workspacePath } from './values';

/** Two steps with one name. */
export function checkNames(
  source: SourceFile,
  drafts: Draft[],
  diagnostics: PipelineDiagnostic[],
): void {
  const seen = new Map<string, Draft>();
  for (const draft of drafts) {
    const first = seen.get(draft.name);
    if (first) {
      const sameStep = sameRange(first.keyRange, draft.keyRange);
      diagnostics.push(
        source.diagnostic(
          sameStep ? 'foreach' : 'duplicate-step',
          sameStep
            ? `two items of \`foreach\` make the same step name '${draft.name}'`
            : `step '${draft.name}' is declared twice in this pipeline`,
          draft.keyRange,
        ),
      );
    } else seen.set(draft.name, draft);
  }
}

/** Resolves `after:` names (a `foreach` step by its written name means all its items). */
export function resolveAfter(
  source: SourceFile,
  pipeline: string,
  drafts: Draft[],
  outline: PipelineOutline,
  diagnostics: PipelineDiagnostic[],
  references: SpecReference[],
): void {
  for (const draft of drafts) {
    const resolved: { name: string; range: SourceRange }[] = [];
    for (const after of draft.after) {
      const exact = drafts.find((d) => d.name === after.name);
      const family = outline.steps.find((s) => s.name === after.name)?.expanded ?? [];
      const targets = exact ? [exact.name] : family;
      if (targets.length === 0) {
        diagnostics.push(
          source.diagnostic(
            'unknown-dependency',
            `no step '${after.name}' in pipeline '${pipeline}'`,
            after.range,
          ),
        );
        continue;
      }
      if (targets.includes(draft.name) || after.name === draft.base) {
        diagnostics.push(
          source.diagnostic('cycle', `step '${draft.name}' cannot run after itself`, after.range),
        );
        continue;
      }
      references.push({
        kind: 'step',
        range: after.range,
        pipeline,
        step: after.name,
      });
      for (const t of targets) resolved.push({ name: t, range: after.range });
    }
    draft.after = resolved;
  }
}

/** Two steps writing one path (or one inside the other). */
export function checkOutputs(
  source: SourceFile,
  drafts: Draft[],
  diagnostics: PipelineDiagnostic[],
): void {
  for (const [i, draft] of drafts.entries()) {
    for (const out of draft.outs) {
      for (const other of drafts.slice(0, i)) {
        const clash = other.outs.find(
          (o) => isWithin(out.path, o.path) || isWithin(o.path, out.path),
        );
        if (!clash) continue;
        const how =
          clash.path === out.path ? `'${out.path}'` : `'${out.path}' (overlaps '${clash.path}')`;
        diagnostics.push(
          source.diagnostic(
            'duplicate-output',
            `${how} is also written by step '${other.name}'`,
            out.range,
          ),
        );
        diagnostics.push(
          source.diagnostic(
            'duplicate-output',
            `'${clash.path}' is also written by step '${draft.name}'`,
            clash.range,
          ),
        );
      }
    }
  }
}

/** Dependencies that exist nowhere and that no step writes; records path references. */
export function checkDeps(
  source: SourceFile,
  reader: FileReader,
  root: string,
  drafts: Draft[],
  allOutputs: { step: string; path: string }[],
  diagnostics: PipelineDiagnostic[],
  references: SpecReference[],
): void {
  for (const draft of drafts) {
    for (const dep of draft.deps) {
      const target = path.join(root, dep.path);
      const exists = reader.exists(target);
      const producer = allOutputs.find((o) => o.step !== draft.name && isWithin(dep.path, o.path));
      references.push({
        kind: 'path',
        range: dep.range,
        target,
        exists,
        ...(producer ? { producer: producer.step } : {}),
      });
      const producesInside = allOutputs.some(
        (o) => o.step !== draft.name && isWithin(o.path, dep.path),
      );
      if (exists || producer || producesInside) continue;
      const own = draft.outs.some((o) => isWithin(dep.path, o.path));
      diagnostics.push(
        source.diagnostic(
          own ? 'cycle' : 'unknown-dependency',
          own
            ? `step '${draft.name}' reads '${dep.path}', which it writes itself`
            : `'${dep.path}' does not exist and no step writes it`,
          dep.range,
        ),
      );
    }
    for (const out of draft.outs) {
      references.push({
        kind: 'path',
        range: out.range,
        target: path.join(root, out.path),
        exists: reader.exists(path.join(root, out.path)),
        producer: draft.name,
      });
    }
  }
}

/** Scripts a `run` starts that do not exist and that no step writes. */
export function checkScripts(
  source: SourceFile,
  reader: FileReader,
  root: string,
  drafts: Draft[],
  allOutputs: { step: string; path: string }[],
  diagnostics: PipelineDiagnostic[],
  references: SpecReference[],
): void {
  for (const draft of drafts) {
    if (draft.component || !draft.runNode) continue;
    const script = scriptOf(draft.run);
    if (!script) continue;
    const rel = workspacePath(script, draft.wd);
    if (rel === undefined) continue;
    const target = path.join(root, rel);
    const range = source.rangeWithin(draft.runNode, script);
    const producer = allOutputs.find((o) => isWithin(rel, o.path));
    const exists = reader.exists(target);
    references.push({
      kind: 'path',
      range,
      target,
      exists,
      ...(producer ? { producer: producer.step } : {}),
    });
    if (exists || producer) continue;
    diagnostics.push(
      source.diagnostic(
        'missing-script',
        `script '${script}' not found${draft.wd !== '.' ? ` in ${draft.wd}` : ''}`,
        range,
      ),
    );
  }
}
