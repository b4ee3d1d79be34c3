import {
  BUILTIN_COMPONENTS,
  loadComponent,
  SourceFile,
  type ComponentDefinition,
  type PipelineFileAnalysis,
} from '@sextant/core/pipelines/definition';
import fs from 'node:fs';
import path from 'node:path';

/** Reads a file from the editor when it is open there, else from disk; undefined when unreadable. */
export type ReadText = (file: string) => string | undefined;

/** Reads from disk. */
export const readFromDisk: ReadText = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The component a `use:` value names (a built-in or a component file), when it loads cleanly. */
export function componentOf(
  analysis: PipelineFileAnalysis,
  use: string,
  read: ReadText,
): ComponentDefinition | undefined {
  if (use.startsWith('sextant/')) return BUILTIN_COMPONENTS.get(use);
  const file = path.resolve(path.dirname(analysis.file), use);
  const text = read(file);
  if (text === undefined) return undefined;
  return loadComponent(new SourceFile(file, text)).definition;
}
