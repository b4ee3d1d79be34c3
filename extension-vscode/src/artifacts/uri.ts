/**
 * Addresses of run artifacts inside VS Code, as plain strings: `sextant-artifact:/<runId>/<path>`
 * names one artifact file, read-only, for the text editor.
 */

/** The URI scheme of the read-only artifact documents. */
export const ARTIFACT_SCHEME = 'sextant-artifact';

/** One artifact file of one run. */
export interface ArtifactAddress {
  runId: string;
  /** Path relative to the run's artifact root. */
  path: string;
}

/** Checks an artifact path: relative, `/`-separated, without `.` or `..` segments. */
export function checkArtifactPath(path: string): string {
  const segments = path.split('/');
  if (
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(
      `"${path}" is not an artifact path: give a path relative to the run's artifact root.`,
    );
  }
  return path;
}

/** The path part of the URI of an artifact: `/<runId>/<path>`. */
export function artifactUriPath(address: ArtifactAddress): string {
  if (!/^[A-Za-z0-9_-]+$/.test(address.runId)) {
    throw new Error(`"${address.runId}" is not a run id.`);
  }
  return `/${address.runId}/${checkArtifactPath(address.path)}`;
}

/** The run and artifact that the path part of an artifact URI names. */
export function parseArtifactUriPath(uriPath: string): ArtifactAddress {
  const match = /^\/([A-Za-z0-9_-]+)\/(.+)$/.exec(uriPath);
  if (!match) {
    throw new Error(`${ARTIFACT_SCHEME}:${uriPath} does not name a run's artifact.`);
  }
  return { runId: match[1]!, path: checkArtifactPath(match[2]!) };
}

/** The text shown for an artifact read as UTF-8, with a note when only its start was read. */
export function artifactDocumentText(
  content: string,
  size: number,
  truncated: boolean,
  readBytes: number,
): string {
  if (!truncated) return content;
  const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${content}\n\n[Sextant: only the first ${mib(readBytes)} of ${mib(size)} are shown; download the artifact for the whole file.]\n`;
}
