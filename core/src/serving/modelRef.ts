import path from 'node:path';
import { parseArtifactUri, resolveArtifactPath } from '../artifacts';
import { resolveModel } from '../evaluation';
import { invalid } from '../model/errors';
import type { RegistryService } from '../registry';
import type { TrackingService } from '../tracking';

/** A model to serve, found on local disk, with the name and version it is served under. */
export interface ServedModel {
  dir: string;
  /** The OIP model name: the registered model's name, else the model folder's name. */
  name: string;
  /** The registered version, else `1`. */
  version: string;
}

const REGISTERED = /^models:\/([^/@]+)(?:@([^/]+)|\/(\d+))\/?$/;

/**
 * Finds the model behind `uri`: `models:/<name>@<alias>` and `models:/<name>/<version>` through
 * the registry; `runs:/<run_id>/<path>`, `models:/m-<id>` and model folders as evaluation
 * resolves them.
 * @throws SextantError RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE naming what was wrong.
 */
export async function resolveServedModel(
  uri: string,
  services: { registry: RegistryService; tracking: TrackingService; artifactRoot: string },
  cwd: string,
): Promise<ServedModel> {
  const registered = REGISTERED.exec(uri);
  if (registered && !registered[1]!.startsWith('m-')) {
    const [, name, alias, number] = registered as unknown as [string, string, string?, string?];
    const version =
      alias !== undefined
        ? await services.registry.getVersionByAlias(name, alias)
        : await services.registry.getVersion(name, number!);
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
    const { relative } = parseArtifactUri(version.storageLocation);
    return {
      dir: resolveArtifactPath(services.artifactRoot, relative),
      name,
      version: version.version,
    };
  }
  const source = await resolveModel(uri, services.tracking, services.artifactRoot, cwd);
  return { dir: source.dir, name: path.basename(source.dir), version: '1' };
}
