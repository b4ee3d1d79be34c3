import fs from 'node:fs';
import path from 'node:path';

/** The Python interpreter a pipeline's steps run with, and where that choice came from. */
export interface ChosenPython {
  /** Absolute path of the interpreter. */
  path: string;
  /** Where it was chosen, as the user reads it: "setting sextant.python", "the workspace's .venv". */
  source: string;
}

/** Virtual environment folders of a workspace that steps use when nothing else is chosen. */
const WORKSPACE_VENVS = ['.venv', 'venv'];

/** The workspace's own virtual environment (`.venv`, then `venv`), when it has one. */
export function workspacePython(root: string): ChosenPython | undefined {
  for (const folder of WORKSPACE_VENVS) {
    const candidate = path.join(root, folder, 'bin', 'python');
    if (fs.existsSync(candidate)) {
      return { path: candidate, source: `the workspace's ${folder}` };
    }
  }
  return undefined;
}

/**
 * The variables that make `python` (and the environment's other programs) resolve to `chosen`:
 * its folder first on the PATH, and `VIRTUAL_ENV` when it belongs to a virtual environment.
 * The interpreter path is not resolved through symbolic links: a venv's `python` links to the
 * base interpreter, and only the venv's own folder carries its packages.
 */
export function pythonVariables(
  chosen: ChosenPython,
  inheritedPath: string,
): Record<string, string> {
  const binDir = path.dirname(chosen.path);
  const vars: Record<string, string> = {
    PATH: inheritedPath ? `${binDir}${path.delimiter}${inheritedPath}` : binDir,
  };
  const venv = path.dirname(binDir);
  if (fs.existsSync(path.join(venv, 'pyvenv.cfg'))) vars.VIRTUAL_ENV = venv;
  return vars;
}

const MISSING_MODULE = /ModuleNotFoundError: No module named '([^']+)'/;

/** The module a Python traceback in `text` could not import, if any. */
export function missingModule(text: string): string | undefined {
  return MISSING_MODULE.exec(text)?.[1];
}

/**
 * Why a step failed when its imports did, said so that the user can fix it: the module, the
 * interpreter the step ran with and where that choice came from, and how to choose another.
 */
export function importFailureHint(module: string, python: ChosenPython | undefined): string {
  const ran = python
    ? `it ran with ${python.path} (${python.source})`
    : 'it ran with the first python on the PATH';
  return (
    `cannot import '${module}': ${ran}. Install it there, name a requirements file in the ` +
    `step's environment, or choose the interpreter (the sextant.python setting, VS Code's ` +
    `Python: Select Interpreter, or --python)`
  );
}
