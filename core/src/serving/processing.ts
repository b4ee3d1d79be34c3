import path from 'node:path';
import { invalid } from '../model/errors';

/** The Python functions run around a model in its worker (see sextant_processing.py). */
export interface ProcessingSpec {
  /** Takes the request's input (a DataFrame; a dict of arrays for OIP tensors that are not columns); returns the model's. */
  preprocess?: string;
  /** Takes the model's output (and the input, when it has two parameters); returns the answer. */
  postprocess?: string;
}

const MODULE_REF = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$/;
const FILE_REF = /^([^:]+\.py):([A-Za-z_]\w*)$/;

/**
 * Checks a function named in a spec: `module:function`, or `path/to/file.py:function` relative
 * to the workspace and inside it.
 * @throws SextantError INVALID_PARAMETER_VALUE saying what is wrong, prefixed with `where`.
 */
export function checkFunctionRef(ref: string, workspace: string, where: string): void {
  const file = FILE_REF.exec(ref);
  if (file) {
    const target = file[1]!;
    const resolved = path.resolve(workspace, target);
    const relative = path.relative(path.resolve(workspace), resolved);
    if (path.isAbsolute(target) || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw invalid(
        `${where}: '${ref}' is outside the workspace; name a file under ${workspace} (a relative path)`,
      );
    }
    return;
  }
  if (!MODULE_REF.test(ref)) {
    throw invalid(
      `${where}: '${ref}' is not a function; write module:function or path/to/file.py:function`,
    );
  }
}

/** The environment that tells a serving worker its functions and workspace. */
export function processingEnv(
  processing: ProcessingSpec,
  workspace: string,
): Record<string, string> {
  return {
    SEXTANT_WORKSPACE: workspace,
    ...(processing.preprocess ? { SEXTANT_PREPROCESS: processing.preprocess } : {}),
    ...(processing.postprocess ? { SEXTANT_POSTPROCESS: processing.postprocess } : {}),
  };
}
