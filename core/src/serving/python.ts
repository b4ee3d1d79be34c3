import fs from 'node:fs/promises';
import path from 'node:path';
import { provisionEnvironment, type ProvisionEnvironment } from '../compute';
import { notFound } from '../model/errors';

/** Where a served model's Python comes from. */
export type ServingEnvironment = 'local' | 'model';

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * The Python that runs the model's workers: `local` is `python` if given, else the workspace's
 * `.venv`, else `SEXTANT_PYTHON`, else `python3` (as `sextant evaluate`); `model` is a virtual
 * environment provisioned (or reused) from the model's requirements.txt under `environmentsDir`.
 */
export async function servingPython(request: {
  environment: ServingEnvironment;
  modelDir: string;
  cwd: string;
  environmentsDir: string;
  python?: string;
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
  provision?: ProvisionEnvironment;
}): Promise<string> {
  if (request.environment === 'model') {
    const requirements = path.join(request.modelDir, 'requirements.txt');
    if (!(await exists(requirements))) {
      throw notFound(
        `the model at ${request.modelDir} has no requirements.txt to build its environment from; serve it with --env local`,
      );
    }
    const { binDir } = await (request.provision ?? provisionEnvironment)({
      requirements,
      cacheDir: request.environmentsDir,
      onOutput: (_stream, text) => request.onOutput?.(text),
      signal: request.signal ?? new AbortController().signal,
    });
    return path.join(binDir, 'python');
  }
  if (request.python) return request.python;
  const venv = path.join(request.cwd, '.venv', 'bin', 'python');
  if (await exists(venv)) return venv;
  return process.env.SEXTANT_PYTHON || 'python3';
}
