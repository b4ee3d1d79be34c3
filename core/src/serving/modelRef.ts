import path from 'node:path';
import { resolveModel } from '../evaluation';
import { invalid } from '../model/errors';
import type { RegistryService } from '../registry';

/** A model to serve, found on local disk, with the name and version it is served under. */
export interface ServedModel {
  dir: string;
  /** The OIP model name: the registered model's name, else the model folder's name. */
  name: string;
  /** The registered version, else `1`. */
  version: string;
}

/**
 * Finds the model behind `uri` through the one model-URI resolver (evaluation's
 * {@link resolveModel}, which reads store URIs with the registry's): a registered version
 * (`models:/<name>@<alias>`, `models:/<name>/<version>`) is served under its model's name and
 * must be READY with a `python_function` flavor; `runs:/…`, `models:/m-…` and model folders are
 * served under their folder's name as version 1.
 * @throws SextantError RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE naming what was wrong.
 */
export async function resolveServedModel(
  uri: string,
  services: { registry: RegistryService; artifactRoot: string },
  cwd: string,
): Promise<ServedModel> {
  const source = await resolveModel(uri, services.registry, services.artifactRoot, cwd);
  if (!source.registered) {
    return { dir: source.dir, name: path.basename(source.dir), version: '1' };
  }
  const { name } = source.registered;
  const version = await services.registry.getVersion(name, source.registered.version);
  if (version.status !== 'READY') {
    throw invalid(
      `version ${version.version} of '${name}' is ${version.status}: ${version.statusMessage}`,
    );
  }
  const flavors = version.facts?.flavors;
  if (flavors && !flavors.includes('python_function')) {
    throw invalid(
      `version ${version.version} of '${name}' has no python_function flavor to serve (it has ${flavors.join(', ') || 'none'}); log it with mlflow.<flavor>.log_model`,
    );
  }
  return { dir: source.dir, name, version: version.version };
}
