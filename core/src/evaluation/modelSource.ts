import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveArtifactPath } from '../artifacts';
import { invalid, notFound } from '../model/errors';
import type { RegistryService } from '../registry';

/** A model to evaluate, found on local disk. */
export interface ModelSource {
  /** The folder that holds its `MLmodel`. */
  dir: string;
  /** The run that logged it, when known. */
  runId?: string;
  /** The MLflow 3 logged model it is, when it is one. */
  modelId?: string;
  /** The registered version the URI named (`models:/name/3`, `models:/name@alias`). */
  registered?: { name: string; version: string; alias?: string };
}

/** The schemes the registry's model-URI resolver reads. */
const STORE_URI = /^(runs|models|mlflow-artifacts):/;

const hasMlmodel = (dir: string): Promise<boolean> =>
  fs.stat(path.join(dir, 'MLmodel')).then(
    (stat) => stat.isFile(),
    () => false,
  );

/**
 * Finds a model on local disk. Store URIs (`runs:/<run_id>/<path>`, `models:/m-<id>`,
 * `models:/<name>/<version>`, `models:/<name>@<alias>`, `mlflow-artifacts:/...`) go through the
 * registry's one resolver ({@link RegistryService.resolveModelUri}); anything else is a local
 * folder holding an `MLmodel` file (relative to `cwd`).
 * @throws SextantError RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE naming what to give instead.
 */
export async function resolveModel(
  uri: string,
  registry: RegistryService,
  artifactRoot: string,
  cwd: string,
): Promise<ModelSource> {
  if (STORE_URI.test(uri)) {
    const resolved = await registry.resolveModelUri(uri);
    const dir = resolveArtifactPath(artifactRoot, resolved.relativePath);
    if (!(await hasMlmodel(dir))) {
      const runPath = /^runs:\/([^/]+)\/(.*)$/.exec(resolved.source);
      throw notFound(
        runPath && !resolved.modelId
          ? `run ${runPath[1]!} has no model at '${runPath[2]!}' (no MLmodel among its artifacts, nor a logged model of that name); see \`sextant runs show ${runPath[1]!}\``
          : `${uri} resolves to ${resolved.storageLocation}, which holds no MLmodel file: was the model finalized?`,
      );
    }
    return {
      dir,
      ...(resolved.runId ? { runId: resolved.runId } : {}),
      ...(resolved.modelId ? { modelId: resolved.modelId } : {}),
      ...(resolved.registered ? { registered: resolved.registered } : {}),
    };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri) && !uri.startsWith('file:')) {
    throw invalid(
      `cannot evaluate '${uri}': give models:/<name>@<alias>, models:/<name>/<version>, runs:/<run_id>/<path>, models:/m-<id> or a model folder`,
    );
  }
  const dir = path.resolve(cwd, uri.replace(/^file:\/\//, ''));
  if (!(await hasMlmodel(dir))) {
    throw notFound(`${dir} is not an MLflow model folder (it has no MLmodel file)`);
  }
  return { dir };
}
