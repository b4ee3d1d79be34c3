import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { insideRoot, NOT_CONTENT } from './workspace';

/**
 * Getting a step's outputs back from a Ray cluster that does not share the workspace: after the
 * step's command succeeds, the job sends each declared output (a file, or every file of a folder)
 * to Sextant's tracking server through the `mlflow-artifacts` API, under a staging folder of its
 * own ({@link stagingFolder}); Sextant then fetches them into the workspace
 * ({@link fetchStagedOutputs}) and deletes the staging folder. The cluster must reach the
 * tracking server, as a step's own `mlflow` client must.
 */

/** The exit code of a job whose outputs could not be sent back. */
export const SEND_FAILED_EXIT = 98;

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/** The artifact-store folder a job's outputs are staged in. */
export const stagingFolder = (submissionId: string): string => `sextant-transfers/${submissionId}`;

/**
 * The job-side sender, run with `python3 -c <program> <tracking uri> <staging folder> <outputs...>`
 * from the package root (the workspace as the job sees it). Standard library only: the cluster's
 * Python is whatever Ray runs on. A server that asks for a token (one bound beyond loopback) gets
 * `MLFLOW_TRACKING_TOKEN`, the variable the `mlflow` client reads too.
 */
export const SEND_OUTPUTS_SCRIPT = String.raw`
import os, sys, urllib.parse, urllib.request
base, folder = sys.argv[1].rstrip("/"), sys.argv[2]
token = os.environ.get("MLFLOW_TRACKING_TOKEN")
def send(rel):
    url = base + "${PROXY}/" + urllib.parse.quote(folder + "/" + rel)
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(os.path.getsize(rel))}
    if token:
        headers["Authorization"] = "Bearer " + token
    with open(rel, "rb") as f:
        request = urllib.request.Request(url, data=f, method="PUT", headers=headers)
        try:
            urllib.request.urlopen(request, timeout=600).read()
        except Exception as error:
            sys.exit("sextant: could not send output %s back to %s: %s" % (rel, base, error))
for out in sys.argv[3:]:
    if os.path.isdir(out):
        # Walked as Sextant walks a folder: links followed (not back into the walk), tools'
        # state left out.
        seen = set()
        for folder_path, folders, files in os.walk(out, followlinks=True):
            seen.add(os.path.realpath(folder_path))
            folders[:] = sorted(
                f for f in folders
                if f not in (${[...NOT_CONTENT].map((n) => JSON.stringify(n)).join(', ')})
                and os.path.realpath(os.path.join(folder_path, f)) not in seen
            )
            for name in sorted(files):
                send(os.path.relpath(os.path.join(folder_path, name)).replace(os.sep, "/"))
    elif os.path.isfile(out):
        send(out)
`;

interface Listing {
  files?: { path: string; is_dir: boolean }[];
}

/** One request to the tracking server's artifact proxy; throws with the answer when it fails. */
async function call(url: string, method: 'GET' | 'DELETE', token?: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
  } catch (error) {
    throw new Error(`cannot reach the tracking server at ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    const text = (await response.text()).slice(0, 300);
    throw new Error(`${method} ${url} answered HTTP ${response.status}: ${text}`);
  }
  return response;
}

/** The files under a staging folder, relative to it, sorted. */
async function listStaged(
  trackingUri: string,
  folder: string,
  token: string | undefined,
  under = '',
): Promise<string[]> {
  const dir = under ? `${folder}/${under}` : folder;
  const url = `${trackingUri}${PROXY}?path=${encodeURIComponent(dir)}`;
  const listing = (await (await call(url, 'GET', token)).json()) as Listing;
  const found: string[] = [];
  for (const entry of listing.files ?? []) {
    const rel = under ? `${under}/${entry.path}` : entry.path;
    if (entry.is_dir) found.push(...(await listStaged(trackingUri, folder, token, rel)));
    else found.push(rel);
  }
  return found.sort();
}

const encodePath = (p: string): string => p.split('/').map(encodeURIComponent).join('/');

/**
 * Fetches the files a job staged into the workspace at `root`, each at its workspace-relative
 * path (a path that would leave the workspace is refused), then deletes the staging folder.
 * Answers the paths written. `token`: the server's bearer token, when it asks for one.
 */
export async function fetchStagedOutputs(
  trackingUri: string,
  folder: string,
  root: string,
  token?: string,
): Promise<string[]> {
  const base = trackingUri.replace(/\/+$/, '');
  const staged = await listStaged(base, folder, token);
  for (const rel of staged) {
    const target = insideRoot(root, rel, 'output sent back by the Ray job');
    const response = await call(`${base}${PROXY}/${encodePath(`${folder}/${rel}`)}`, 'GET', token);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Written beside and renamed: an interrupted transfer never leaves half a file as the output.
    const partial = `${target}.sextant-part`;
    const body = response.body as WebReadableStream<Uint8Array> | null;
    if (body) await pipeline(Readable.fromWeb(body), createWriteStream(partial));
    else await fs.writeFile(partial, '');
    await fs.rename(partial, target);
  }
  await dropStaged(base, folder, token);
  return staged;
}

/** Deletes a staging folder (what a failed job sent, if anything); never throws. */
export async function dropStaged(
  trackingUri: string,
  folder: string,
  token?: string,
): Promise<void> {
  const base = trackingUri.replace(/\/+$/, '');
  await call(`${base}${PROXY}/${encodePath(folder)}`, 'DELETE', token).catch(() => undefined);
}
