import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import type { ResolvedStep } from '../model/pipeline';
import { scriptOf } from './scripts';
import { insideRoot, walkFolder } from './workspace';

/**
 * The largest package Ray's GCS takes (its gRPC message limit, 512 MiB), less room for the
 * request around it.
 */
export const MAX_PACKAGE_BYTES = 500 * 1024 * 1024;

/** One mtime for every entry: the same files always make the same bytes, hence the same name. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

/** A step's working-directory package for Ray (`runtime_env.working_dir`). */
export interface RayPackage {
  /** `_ray_pkg_<sha1 of the bytes>.zip`, the form of name Ray gives its own packages. */
  name: string;
  bytes: Uint8Array;
  /** Workspace-relative paths of the files in it, sorted. */
  files: string[];
}

/**
 * The workspace paths a step reads, as far as the pipeline file says: its dependencies (files and
 * folders), its params files, its requirements file, and the script its command runs. Outputs
 * of other steps are among the dependencies, so a step downstream of another gets what it wrote.
 */
export function stepInputs(step: ResolvedStep): string[] {
  const inputs = new Set<string>(step.deps);
  for (const param of step.params) inputs.add(param.file);
  if (step.environment.requirements) inputs.add(step.environment.requirements);
  const script = scriptOf(step.run);
  if (script && !script.includes('$') && !path.isAbsolute(script)) {
    inputs.add(path.posix.normalize(path.posix.join(step.wd, script)));
  }
  return [...inputs].filter((p) => !p.split(/[\\/]/).includes('..'));
}

/** Options of {@link buildRayPackage}. */
export interface PackageOptions {
  /** The size limit; {@link MAX_PACKAGE_BYTES} by default. */
  maxBytes?: number;
  /** Folders left out of the folders it packs, absolute: Sextant's store, when in the workspace. */
  leaveOut?: readonly string[];
}

/**
 * Zips what a step reads ({@link stepInputs}) under their workspace-relative paths, with the
 * step's working directory present, for a Ray cluster that does not share the workspace's file
 * system. Folders are packed as {@link walkFolder} walks them (symbolic links followed, tools'
 * state and the store left out). Unix modes are kept (a `./run.sh` stays executable); a path the
 * step names that does not exist is left out (the runner has already failed a missing
 * dependency). Throws when the package would pass Ray's size limit, naming the largest inputs.
 */
export async function buildRayPackage(
  root: string,
  step: ResolvedStep,
  { maxBytes = MAX_PACKAGE_BYTES, leaveOut = [] }: PackageOptions = {},
): Promise<RayPackage> {
  const tree: Zippable = {};
  const files: { rel: string; size: number }[] = [];
  let total = 0;
  const place = (rel: string, entry: Zippable[string]): void => {
    const parts = rel.split('/');
    let node = tree;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || next instanceof Uint8Array || Array.isArray(next)) node[part] = {};
      node = node[part] as Zippable;
    }
    node[parts[parts.length - 1] as string] = entry;
  };
  const seen = new Set<string>();
  const addFile = async (rel: string, absolute: string, stat: BigIntStats): Promise<void> => {
    // A file named both alone and inside a named folder goes in once, counted once.
    if (seen.has(rel)) return;
    seen.add(rel);
    const size = Number(stat.size);
    total += size;
    if (total > maxBytes) throw tooLarge(files, rel, size, maxBytes);
    place(rel, [
      new Uint8Array(await fs.readFile(absolute)),
      { mtime: FIXED_MTIME, os: 3, attrs: Number(stat.mode & 0o777n) << 16 },
    ]);
    files.push({ rel, size });
  };
  for (const input of stepInputs(step).sort()) {
    const rel = toPosix(input);
    const absolute = insideRoot(root, rel, 'step input');
    let stat;
    try {
      stat = await fs.stat(absolute, { bigint: true });
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      await walkFolder(
        absolute,
        (file) =>
          addFile(
            rel === '.' ? file.relative : `${rel}/${file.relative}`,
            file.absolute,
            file.stat,
          ),
        leaveOut,
      );
    } else if (stat.isFile()) {
      await addFile(rel, absolute, stat);
    }
  }
  const wd = toPosix(step.wd);
  if (wd !== '.' && wd !== '') {
    const existing = wd.split('/').reduce<Zippable | undefined>((node, part) => {
      const next = node?.[part];
      return next && !(next instanceof Uint8Array) && !Array.isArray(next) ? next : undefined;
    }, tree);
    if (!existing) place(wd, {});
  }
  const bytes = zipSync(tree, { level: 6, mtime: FIXED_MTIME });
  const digest = createHash('sha1').update(bytes).digest('hex');
  return {
    name: `_ray_pkg_${digest}.zip`,
    bytes,
    files: files.map((f) => f.rel).sort(),
  };
}

const toPosix = (p: string): string =>
  path.posix.normalize(p.split(path.sep).join('/')).replace(/\/+$/, '') || '.';

function tooLarge(
  files: { rel: string; size: number }[],
  rel: string,
  size: number,
  maxBytes: number,
): Error {
  const largest = [...files, { rel, size }]
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((f) => `${f.rel} (${Math.round(f.size / 2 ** 20)} MiB)`)
    .join(', ');
  return new Error(
    `the step's inputs pass the package limit of ${Math.round(maxBytes / 2 ** 20)} MiB ` +
      `(largest: ${largest}); put large data where the cluster reads it (a shared file system ` +
      "or object store) and set the compute target's workspace to 'shared'",
  );
}
