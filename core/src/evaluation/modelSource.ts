import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArtifactUri, resolveArtifactPath } from '../artifacts';
import { invalid, notFound } from '../model/errors';
import type { TrackingService } from '../tracking';

/** A model to evaluate, found on local disk. */
export interface ModelSource {
  /** The folder that holds its `MLmodel`. */
  dir: string;
  /** The run that logged it, when known. */
  runId?: string;
  /** The MLflow 3 logged model it is, when it is one. */
  modelId?: string;
}

const RUNS_URI = /^runs:\/([A-Za-z0-9_-]{1,256})\/(.+)$/;
const LOGGED_MODEL_URI = /^models:\/(m-[A-Za-z0-9_-]{1,256})\/?$/;

const hasMlmodel = (dir: string): Promise<boolean> =>
  fs.stat(path.join(dir, 'MLmodel')).then(
    (stat) => stat.isFile(),
    () => false,
  );

/** The local folder of an `mlflow-artifacts:/` location and a path under it, confined to the store. */
function localFolder(artifactRoot: string, artifactUri: string, sub = ''): string {
  const { relative } = parseArtifactUri(artifactUri);
  return resolveArtifactPath(artifactRoot, sub ? `${relative}/${sub}` : relative);
}

/**
 * Finds a model on local disk:
 * - `runs:/<run_id>/<path>`: the run's artifact `<path>`, or else (as MLflow 3 resolves it) the
 *   logged model named `<path>` that the run produced;
 * - `models:/m-<id>`: an MLflow 3 logged model;
 * - a local folder holding an `MLmodel` file.
 * Registered model names (`models:/name@alias`, `models:/name/3`) are refused: give the version's source.
 * @throws SextantError RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE naming what to give instead.
 */
export async function resolveModel(
  uri: string,
  tracking: TrackingService,
  artifactRoot: string,
  cwd: string,
): Promise<ModelSource> {
  const runs = RUNS_URI.exec(uri);
  if (runs) {
    const [, runId, rawPath] = runs as unknown as [string, string, string];
    const sub = rawPath.replace(/\/+$/, '');
    const run = await tracking.getRun(runId);
    const dir = localFolder(artifactRoot, run.info.artifactUri, sub);
    if (await hasMlmodel(dir)) return { dir, runId };
    const page = await tracking.searchLoggedModels({
      experimentIds: [run.info.experimentId],
      filter: `source_run_id = '${runId}'`,
      maxResults: 100,
    });
    const logged = page.items.find((m) => m.name === sub);
    if (logged) {
      const loggedDir = localFolder(artifactRoot, logged.artifactUri);
      if (await hasMlmodel(loggedDir)) return { dir: loggedDir, runId, modelId: logged.modelId };
    }
    throw notFound(
      `run ${runId} has no model at '${sub}' (no MLmodel among its artifacts, nor a logged model of that name); see \`sextant runs show ${runId}\``,
    );
  }
  const loggedUri = LOGGED_MODEL_URI.exec(uri);
  if (loggedUri) {
    const model = await tracking.getLoggedModel(loggedUri[1]!);
    const dir = localFolder(artifactRoot, model.artifactUri);
    if (!(await hasMlmodel(dir))) {
      throw notFound(`the logged model ${model.modelId} has no MLmodel file: was it finalized?`);
    }
    return {
      dir,
      modelId: model.modelId,
      ...(model.sourceRunId ? { runId: model.sourceRunId } : {}),
    };
  }
  if (uri.startsWith('models:/')) {
    throw invalid(
      `'${uri}' names a registered model version, which evaluate does not resolve yet; give its source (runs:/<run_id>/<path> or models:/m-<id>, as \`sextant models show NAME\` lists it) or a model folder`,
    );
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri) && !uri.startsWith('file:')) {
    throw invalid(
      `cannot evaluate '${uri}': give runs:/<run_id>/<path>, models:/m-<id> or a model folder`,
    );
  }
  const dir = path.resolve(cwd, uri.replace(/^file:\/\//, ''));
  if (!(await hasMlmodel(dir))) {
    throw notFound(`${dir} is not an MLflow model folder (it has no MLmodel file)`);
  }
  return { dir };
}
