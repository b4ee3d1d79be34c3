/**
 * The pipeline definition: loading, validating and resolving Sextant pipeline files
 * (`sextant.yaml`, `*.sextant.yaml`) and component files, with exact source ranges.
 */
import type { LoadedPipelineFile, LoadPipelineFile } from '../api';
import { analyzePipelineFile, type AnalyzeOptions } from './loader';

/**
 * Loads and validates a pipeline file (implements {@link LoadPipelineFile}); `text` overrides the
 * file on disk, `root` the workspace root (the file's folder by default), `overlays` the text of
 * other files open in an editor.
 */
export const loadPipelineFile = (async (
  file: string,
  options: AnalyzeOptions = {},
): Promise<LoadedPipelineFile> => {
  const { file: abs, pipelines, diagnostics } = await analyzePipelineFile(file, options);
  return { file: abs, pipelines, diagnostics };
}) satisfies LoadPipelineFile;

export {
  analyzePipelineFile,
  DEFAULT_PARAMS_FILE,
  type AnalyzeOptions,
  type PipelineFileAnalysis,
} from './loader';
export { findPipelineFiles, isPipelineFileName } from './discover';
export {
  BUILTIN_COMPONENTS,
  loadComponent,
  SEXTANT_BIN,
  type ComponentDefinition,
  type ComponentInput,
  type ComponentOutput,
  type InputType,
  type LoadedComponent,
} from './components';
export {
  FileReader,
  inputsUnchanged,
  paramKeyNode,
  paramKeyRange,
  paramKeys,
  type DiskInputs,
} from './files';
export type { PipelineOutline, SpecReference, StepOutline } from './outline';
export { readSchema, SCHEMA_DIR, validateAgainstSchema, type SchemaName } from './schema';
export { SourceFile } from './source';
export { parseDuration, parseMemory } from './values';
