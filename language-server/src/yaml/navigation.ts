import {
  paramKeyRange,
  SourceFile,
  type PipelineFileAnalysis,
} from '@sextant/core/pipelines/definition';
import fs from 'node:fs';
import {
  DocumentSymbol,
  type CodeLens,
  SymbolKind,
  type Location,
  type Position,
} from 'vscode-languageserver/node';
import type { ReadText } from './components';
import { contains } from './convert';
import { uriOf } from './documents';

/** The command ids the code lenses run; the IDE clients implement them. */
export const PIPELINE_COMMANDS = {
  runPipeline: 'sextant.runPipeline',
  runStep: 'sextant.runStep',
  showGraph: 'sextant.showPipelineGraph',
} as const;

const START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

const isFile = (file: string): boolean => {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** Where what is under the cursor is defined: a file, a params key, a component, a step. */
export function definition(
  analysis: PipelineFileAnalysis,
  position: Position,
  read: ReadText,
): Location | null {
  const ref = analysis.references.find((r) => contains(r.range, position));
  if (!ref) return null;
  const stepLocation = (pipeline: string | undefined, step: string): Location | null => {
    const base = step.split('@')[0];
    for (const p of analysis.outline) {
      if (pipeline !== undefined && p.name !== pipeline) continue;
      const found = p.steps.find((s) => s.name === base);
      if (found) return { uri: uriOf(analysis.file), range: found.keyRange };
    }
    return null;
  };
  switch (ref.kind) {
    case 'param': {
      const text = read(ref.file);
      if (text === undefined) return null;
      const range = paramKeyRange(new SourceFile(ref.file, text), ref.key);
      return range ? { uri: uriOf(ref.file), range } : null;
    }
    case 'path':
      if (ref.exists && isFile(ref.target)) return { uri: uriOf(ref.target), range: START };
      return ref.producer ? stepLocation(undefined, ref.producer) : null;
    case 'component':
      return ref.target ? { uri: uriOf(ref.target), range: START } : null;
    case 'step':
      return stepLocation(ref.pipeline, ref.step);
  }
}

/** The outline: pipelines holding their steps. */
export function symbols(analysis: PipelineFileAnalysis): DocumentSymbol[] {
  return analysis.outline.map((p) =>
    DocumentSymbol.create(
      p.name,
      `${p.steps.length} step(s)`,
      SymbolKind.Module,
      p.range,
      p.keyRange,
      p.steps.map((s) =>
        DocumentSymbol.create(
          s.name,
          s.use ?? (s.expanded.length > 1 ? `${s.expanded.length} steps` : undefined),
          SymbolKind.Function,
          s.range,
          s.keyRange,
        ),
      ),
    ),
  );
}

/** "Run pipeline" and "Show graph" above each pipeline, "Run step" above each step. */
export function codeLenses(analysis: PipelineFileAnalysis): CodeLens[] {
  const file = analysis.file;
  const lenses: CodeLens[] = [];
  for (const p of analysis.outline) {
    const args = [{ file, pipeline: p.name }];
    lenses.push(
      {
        range: p.keyRange,
        command: {
          title: '▶ Run pipeline',
          command: PIPELINE_COMMANDS.runPipeline,
          arguments: args,
        },
      },
      {
        range: p.keyRange,
        command: { title: 'Show graph', command: PIPELINE_COMMANDS.showGraph, arguments: args },
      },
    );
    for (const s of p.steps) {
      for (const name of s.expanded.length ? s.expanded : [s.name]) {
        lenses.push({
          range: s.keyRange,
          command: {
            title: s.expanded.length > 1 ? `▶ Run ${name}` : '▶ Run step',
            command: PIPELINE_COMMANDS.runStep,
            arguments: [{ file, pipeline: p.name, step: name }],
          },
        });
      }
    }
  }
  return lenses;
}
