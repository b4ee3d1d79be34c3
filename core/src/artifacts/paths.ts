import * as fs from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../model/errors';

/** Percent-decoding rounds a path may take before it is stable; anything nested deeper is refused. */
const MAX_DECODE_ROUNDS = 3;
const MAX_PATH_LENGTH = 4096;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const ENCODED_SEPARATOR_OR_NUL = /%(?:2f|5c|00)/i;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const DOTS_AND_SPACES = /^[. ]+$/;
const ID = /^[A-Za-z0-9_-]{1,256}$/;
const ARTIFACTS_SCHEME = 'mlflow-artifacts:';
const PATH_HELP = "Give a relative artifact path such as 'model/model.pkl'";

const shown = (value: string): string => JSON.stringify(value.slice(0, 200));

function refuse(userPath: string, reason: string): never {
  throw invalid(`Invalid path ${shown(userPath)}: ${reason}. ${PATH_HELP}.`);
}

/** The input followed by each percent-decoding of it, until decoding changes nothing. */
function decodingStages(userPath: string): string[] {
  const stages = [userPath];
  let current = userPath;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    const next = current.replace(PERCENT_RUN, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return refuse(userPath, 'it holds percent-encoding that is not valid UTF-8');
      }
    });
    if (next === current) return stages;
    stages.push(next);
    current = next;
  }
  return refuse(userPath, `it is percent-encoded more than ${MAX_DECODE_ROUNDS} times`);
}

function checkStage(stage: string, userPath: string): void {
  for (const char of stage) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) {
      refuse(userPath, 'control characters such as NUL are not allowed');
    }
    if (char === '\\') refuse(userPath, 'backslashes are not allowed');
    if (char === '?' || char === '#') refuse(userPath, "'?' and '#' are not allowed");
  }
  if (ENCODED_SEPARATOR_OR_NUL.test(stage)) {
    refuse(userPath, 'percent-encoded slashes, backslashes and NUL are not allowed');
  }
  if (stage.includes(':')) refuse(userPath, "':' is not allowed (URI schemes, drive letters)");
  if (stage.startsWith('/')) refuse(userPath, 'absolute paths are not allowed');
  if (stage.startsWith('~')) refuse(userPath, "paths starting with '~' are not allowed");
  const segments = stage.split('/');
  if (segments.includes('..')) refuse(userPath, "'..' segments are not allowed");
  if (segments.some((s) => s !== '.' && DOTS_AND_SPACES.test(s))) {
    refuse(userPath, 'segments made only of dots and spaces are not allowed');
  }
  if (segments.slice(0, -1).includes('')) refuse(userPath, "empty segments ('//') are not allowed");
}

/**
 * Checks a client-given artifact path and returns it in canonical form: posix, relative, without
 * `.` segments or a trailing slash; `''` means the root. The rule: the path, and every stage of
 * percent-decoding it (at most three rounds, deeper nesting refused), must hold no `..` segment
 * (nor one of only dots and spaces, which Windows trims to `..`), no leading `/` or `~`, no `:`
 * (schemes, drive letters, NTFS streams), no backslash, `?`, `#` or control character, no
 * percent-encoded `/`, `\` or NUL, no malformed UTF-8 escapes and no empty inner segment.
 * The returned path is the input as given (never decoded), only tidied.
 * @throws SextantError INVALID_PARAMETER_VALUE naming the rule that was broken.
 */
export function normalizeArtifactPath(userPath: string): string {
  if (typeof userPath !== 'string')
    throw invalid('Invalid path: an artifact path must be a string.');
  if (userPath.length > MAX_PATH_LENGTH) {
    refuse(userPath, `it is longer than ${MAX_PATH_LENGTH} characters`);
  }
  for (const stage of decodingStages(userPath)) checkStage(stage, userPath);
  return userPath
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

function isWithin(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/** The real path of `target`'s nearest existing ancestor (or itself), with the missing tail re-added. */
function realpathOfNearest(target: string, userPath: string): string {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    let exists = true;
    try {
      fs.lstatSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      exists = false;
    }
    if (exists) {
      try {
        return path.join(fs.realpathSync(current), ...missing.reverse());
      } catch {
        return refuse(userPath, 'it goes through a symbolic link that cannot be resolved');
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return target;
    missing.push(path.basename(current));
    current = parent;
  }
}

/**
 * Maps a client-given artifact path to an absolute path inside `root`, or throws. The path must
 * pass {@link normalizeArtifactPath}; then the real path of its nearest existing ancestor must lie
 * inside the real path of `root`, so a symbolic link cannot lead out. `''` resolves to `root`.
 * The check is made at call time; links created later by someone with access to the store
 * directory are not covered.
 * @throws SextantError INVALID_PARAMETER_VALUE when the path is refused.
 */
export function resolveArtifactPath(root: string, userPath: string): string {
  const relative = normalizeArtifactPath(userPath);
  const base = path.resolve(root);
  const target = relative === '' ? base : path.join(base, ...relative.split('/'));
  if (!isWithin(base, target)) refuse(userPath, 'it leaves the artifact root');
  const realBase = realpathOfNearest(base, userPath);
  if (!isWithin(realBase, realpathOfNearest(target, userPath))) {
    refuse(userPath, 'it goes through a symbolic link that points outside the artifact root');
  }
  return target;
}

/** An `mlflow-artifacts:` URI taken apart. */
export interface ArtifactUriParts {
  /** The first segment: the experiment id for URIs the server made (`mlflow-artifacts:/<id>/...`). */
  experimentId: string;
  /** The canonical path relative to the artifact store root, starting with `experimentId`. */
  relative: string;
}

/**
 * Parses `mlflow-artifacts:/<experiment_id>/...` or a plain relative path such as
 * `1/abc/artifacts`. Refused: a host (`mlflow-artifacts://host/...`), any other scheme
 * (`file:`, `s3:`, `http:`...), and any path that {@link normalizeArtifactPath} refuses.
 * @throws SextantError INVALID_PARAMETER_VALUE
 */
export function parseArtifactUri(uri: string): ArtifactUriParts {
  if (typeof uri !== 'string' || uri === '') {
    throw invalid("Invalid artifact URI: give 'mlflow-artifacts:/<experiment_id>/...'.");
  }
  let rest = uri;
  if (uri.startsWith(ARTIFACTS_SCHEME)) {
    rest = uri.slice(ARTIFACTS_SCHEME.length);
    if (rest.startsWith('//')) {
      throw invalid(
        `Invalid artifact URI ${shown(uri)}: it names a host; Sextant serves only its own store, ` +
          "so write 'mlflow-artifacts:/<experiment_id>/...' with a single slash.",
      );
    }
    if (!rest.startsWith('/')) {
      throw invalid(`Invalid artifact URI ${shown(uri)}: write 'mlflow-artifacts:/<path>'.`);
    }
    rest = rest.slice(1);
  } else if (URI_SCHEME.test(uri)) {
    throw invalid(
      `Invalid artifact URI ${shown(uri)}: only 'mlflow-artifacts:/' URIs and relative paths are accepted.`,
    );
  }
  const relative = normalizeArtifactPath(rest);
  const experimentId = relative.split('/')[0] ?? '';
  if (!ID.test(experimentId)) {
    throw invalid(`Invalid artifact URI ${shown(uri)}: it must start with an experiment id.`);
  }
  return { experimentId, relative };
}

/**
 * Checks an `artifact_location` a client gives when creating an experiment. Accepted: empty
 * (returns `undefined`: the server chooses) or `mlflow-artifacts:/<safe path>` (returned in
 * canonical form). Everything else, `file:`, `http:`, `s3:`, bare paths, fragments, `..`, is
 * refused: MLflow's CVEs came from reading through client-chosen locations.
 * @throws SextantError INVALID_PARAMETER_VALUE
 */
export function validateArtifactLocation(location: string | null | undefined): string | undefined {
  if (location === undefined || location === null || location === '') return undefined;
  if (typeof location !== 'string' || !location.startsWith(`${ARTIFACTS_SCHEME}/`)) {
    throw invalid(
      `artifact_location ${shown(String(location))} is not allowed: Sextant keeps artifacts in ` +
        "its own store. Leave artifact_location empty, or give 'mlflow-artifacts:/<path>'.",
    );
  }
  try {
    return `${ARTIFACTS_SCHEME}/${parseArtifactUri(location).relative}`;
  } catch (error) {
    throw invalid(
      `artifact_location ${shown(location)} is not allowed: ${(error as Error).message} ` +
        "Leave artifact_location empty, or give 'mlflow-artifacts:/<path>' with a plain relative path.",
    );
  }
}

/**
 * Checks a model version `source`. Accepted: `runs:/<run_id>/<path>`, `models:/<path>` and
 * `mlflow-artifacts:/<path>`, each with a path that {@link normalizeArtifactPath} accepts;
 * returned in canonical form. Local paths, `file:` and every other scheme are refused.
 * @throws SextantError INVALID_PARAMETER_VALUE
 */
export function validateModelVersionSource(source: string): string {
  const help =
    "Give 'runs:/<run_id>/<path>', 'models:/<model>' or 'mlflow-artifacts:/<path>' as source.";
  if (typeof source !== 'string' || source === '') throw invalid(`Missing source. ${help}`);
  if (source.startsWith(ARTIFACTS_SCHEME)) {
    return `${ARTIFACTS_SCHEME}/${parseArtifactUri(source).relative}`;
  }
  if (source.startsWith('runs:/') && !source.startsWith('runs://')) {
    const relative = normalizeArtifactPath(source.slice('runs:/'.length));
    if (ID.test(relative.split('/')[0] ?? '')) return `runs:/${relative}`;
  } else if (source.startsWith('models:/') && !source.startsWith('models://')) {
    const relative = normalizeArtifactPath(source.slice('models:/'.length));
    if (relative !== '') return `models:/${relative}`;
  }
  throw invalid(
    `Invalid source ${shown(source)}: Sextant reads models only from its store. ${help}`,
  );
}
