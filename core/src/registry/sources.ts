import type { LoggedModel, ModelVersion, Run } from '../model';
import { invalid, SextantError } from '../model/errors';
import { parseArtifactUri, validateModelVersionSource } from '../artifacts';

/** What resolving a model URI needs of tracking, of the artifact store and of the registry itself. */
export interface SourceLookups {
  getRun(runId: string): Promise<Run>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  /** A registered version (`models:/name/3`, `models:/name@alias`). */
  registeredVersion(
    name: string,
    versionOrAlias: { version?: string; alias?: string },
  ): Promise<ModelVersion>;
  /**
   * Given when reading a model's files: `models:/<name>/latest` (the newest version) and
   * `models:/<name>/<stage>` (the newest version in a legacy stage), as MLflow's client resolves
   * them. A version's source never takes these: what they name changes over time.
   */
  latestVersion?(name: string, stage?: string): Promise<ModelVersion>;
  /**
   * Given to follow MLflow 3's models: where no `MLmodel` lies at `runs:/<id>/<name>`, the
   * logged model named `<name>` that the run produced (a registered version's `runs:/` source is
   * followed the same way). Registration keeps the source's own location, as MLflow's server does.
   */
  loggedModels?: {
    /** Whether an `MLmodel` file lies in the store-relative folder. */
    hasMlmodel(relativePath: string): Promise<boolean>;
    /** The logged models a run produced. */
    ofRun(run: Run): Promise<LoggedModel[]>;
  };
}

/**
 * A model URI resolved: where its files are inside the artifact root, the run and logged model
 * it came from, and the registered version it names, if it names one.
 */
export interface ResolvedSource {
  /** The canonical source. */
  source: string;
  /** `mlflow-artifacts:/<path>` inside the artifact root. */
  storageLocation: string;
  /** The artifact-store-relative path of the storage location. */
  relativePath: string;
  runId?: string;
  modelId?: string;
  /** The registered version a `models:/<name>/<version>` or `models:/<name>@<alias>` URI named. */
  registered?: { name: string; version: string; alias?: string };
}

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;
const LATEST_OR_STAGE = /^(latest|None|Staging|Production|Archived)$/i;

async function orInvalid<T>(lookup: Promise<T>, what: string): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof SextantError && error.code === 'RESOURCE_DOES_NOT_EXIST') {
      throw invalid(`Invalid source: ${what} does not exist on this server.`);
    }
    throw error;
  }
}

const within = (path: string, base: string): boolean =>
  path === base || path.startsWith(`${base}/`);

const join = (base: string, rest: string): string => (rest === '' ? base : `${base}/${rest}`);

/** The canonical location, confined to the artifact root (a location the server made). */
function confined(location: string): { storageLocation: string; relativePath: string } {
  const { relative } = parseArtifactUri(location);
  return { storageLocation: `mlflow-artifacts:/${relative}`, relativePath: relative };
}

/**
 * Resolves a model URI (a model version `source`, or what `sextant evaluate` and serving are
 * given) to a location inside the artifact root, or refuses it with INVALID_PARAMETER_VALUE.
 * This is Sextant's one model-URI resolver. Accepted: `runs:/<run_id>/<path>` (an existing run;
 * with {@link SourceLookups.loggedModels}, when no `MLmodel` lies at `<path>` but the run produced
 * a logged model named `<path>`, that logged model, as MLflow 3 resolves it),
 * `models:/m-<id>[/<path>]` (an existing logged model), `models:/<name>/<version>` and
 * `models:/<name>@<alias>` (an existing registered version), and `mlflow-artifacts:/<path>` that
 * lies under an existing run's or logged model's artifacts. Everything {@link
 * validateModelVersionSource} refuses (local paths, `file:`, other schemes and hosts, `..`,
 * encoded traversal, backslashes, `?`/`#`) is refused first.
 */
export async function resolveSource(
  source: string,
  lookups: SourceLookups,
): Promise<ResolvedSource> {
  const canonical = validateModelVersionSource(source);
  if (canonical.startsWith('runs:/')) {
    const [runId = '', ...rest] = canonical.slice('runs:/'.length).split('/');
    const run = await orInvalid(lookups.getRun(runId), `run '${runId}'`);
    const sub = rest.join('/');
    const inRun = confined(join(run.info.artifactUri, sub));
    const follow = lookups.loggedModels;
    if (follow && sub !== '' && !(await follow.hasMlmodel(inRun.relativePath))) {
      const logged = (await follow.ofRun(run)).find((m) => m.name === sub);
      if (logged) {
        return {
          source: canonical,
          runId,
          modelId: logged.modelId,
          ...confined(logged.artifactUri),
        };
      }
    }
    return { source: canonical, runId, ...inRun };
  }
  if (canonical.startsWith('models:/')) {
    const [first = '', ...rest] = canonical.slice('models:/'.length).split('/');
    if (LOGGED_MODEL_ID.test(first)) {
      const model = await orInvalid(lookups.getLoggedModel(first), `logged model '${first}'`);
      return {
        source: canonical,
        modelId: first,
        ...(model.sourceRunId ? { runId: model.sourceRunId } : {}),
        ...confined(join(model.artifactUri, rest.join('/'))),
      };
    }
    const at = first.indexOf('@');
    const target =
      at > 0
        ? { name: first.slice(0, at), alias: first.slice(at + 1), rest }
        : { name: first, version: rest[0], rest: rest.slice(1) };
    const moving = 'alias' in target ? undefined : LATEST_OR_STAGE.exec(target.version ?? '');
    if (moving && lookups.latestVersion && target.rest.length === 0) {
      const stage = moving[1]!.toLowerCase() === 'latest' ? undefined : moving[1]!;
      const newest = await orInvalid(
        lookups.latestVersion(target.name, stage),
        `a ${stage ?? 'latest'} version of '${target.name}'`,
      );
      return resolveSource(`models:/${newest.name}/${newest.version}`, lookups);
    }
    if (!target.name || (!('alias' in target) && !/^\d+$/.test(target.version ?? ''))) {
      throw invalid(
        `Invalid source '${source}': give 'models:/m-<id>', 'models:/<name>/<version>' or 'models:/<name>@<alias>'.`,
      );
    }
    const version = await orInvalid(
      lookups.registeredVersion(
        target.name,
        'alias' in target ? { alias: target.alias } : { version: target.version! },
      ),
      `model version '${'alias' in target ? first : `${target.name}/${target.version!}`}'`,
    );
    const registered = {
      name: version.name,
      version: version.version,
      ...('alias' in target ? { alias: target.alias } : {}),
    };
    const location = confined(join(version.storageLocation, target.rest.join('/')));
    if (
      lookups.loggedModels &&
      target.rest.length === 0 &&
      version.source.startsWith('runs:/') &&
      !(await lookups.loggedModels.hasMlmodel(location.relativePath))
    ) {
      return { ...(await resolveSource(version.source, lookups)), source: canonical, registered };
    }
    return {
      source: canonical,
      ...(version.runId ? { runId: version.runId } : {}),
      ...(version.modelId ? { modelId: version.modelId } : {}),
      registered,
      ...location,
    };
  }
  const { storageLocation, relativePath } = confined(canonical);
  const [, owner = '', third = ''] = relativePath.split('/');
  if (owner === 'models' && LOGGED_MODEL_ID.test(third)) {
    const model = await orInvalid(lookups.getLoggedModel(third), `logged model '${third}'`);
    if (!within(relativePath, parseArtifactUri(model.artifactUri).relative)) {
      throw invalid(
        `Invalid source '${source}': it is not inside logged model ${third}'s artifacts.`,
      );
    }
    return { source: canonical, storageLocation, relativePath, modelId: third };
  }
  if (owner !== '' && third === 'artifacts') {
    const run = await orInvalid(lookups.getRun(owner), `run '${owner}'`);
    if (!within(relativePath, parseArtifactUri(run.info.artifactUri).relative)) {
      throw invalid(`Invalid source '${source}': it is not inside run ${owner}'s artifacts.`);
    }
    return { source: canonical, storageLocation, relativePath, runId: owner };
  }
  throw invalid(
    `Invalid source '${source}': an mlflow-artifacts source must lie under a run's or logged model's artifacts ('mlflow-artifacts:/<experiment>/<run_id>/artifacts/...').`,
  );
}
