/**
 * The workspace as a step sees it: paths that stay inside its root, and the files of a folder
 * in the order a step reading it finds them.
 */
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../model/errors';

/**
 * Folders a walk of a dependency folder leaves out, wherever they are in it: tools' state, not
 * content a step reads. Named on their own (`deps: [.git/HEAD]`) they are dependencies as usual.
 */
export const NOT_CONTENT: ReadonlySet<string> = new Set([
  '.git',
  '__pycache__',
  '.ipynb_checkpoints',
]);

/** A file a folder walk found. */
export interface WalkedFile {
  /** Its path inside the walked folder, POSIX, without a leading `./`. */
  relative: string;
  absolute: string;
  /** Its stat, with symbolic links followed. */
  stat: BigIntStats;
}

/**
 * Visits the files under `dir` in a fixed order (names sorted at each level), following symbolic
 * links, as a step reading the folder sees it. Leaves out {@link NOT_CONTENT} folders and the
 * folders in `leaveOut` (absolute: Sextant's store, when it lies in the workspace). A symbolic
 * link back to a folder the walk is already inside is an error naming it, not an endless walk.
 */
export async function walkFolder(
  dir: string,
  visit: (file: WalkedFile) => Promise<void>,
  leaveOut: readonly string[] = [],
): Promise<void> {
  const skipped = new Set(leaveOut.map((p) => path.resolve(p)));
  /** The folders the walk is inside, by device and inode, to their relative paths. */
  const inside = new Map<string, string>();
  const walk = async (folder: string, prefix: string, id: string): Promise<void> => {
    inside.set(id, prefix);
    for (const name of (await fs.readdir(folder)).sort()) {
      const absolute = path.join(folder, name);
      if (NOT_CONTENT.has(name) || skipped.has(absolute)) continue;
      const relative = prefix ? `${prefix}/${name}` : name;
      const stat = await fs.stat(absolute, { bigint: true });
      if (stat.isDirectory()) {
        const childId = `${stat.dev}:${stat.ino}`;
        const ancestor = inside.get(childId);
        if (ancestor !== undefined) {
          throw invalid(
            `'${path.join(dir, relative)}' leads back to '${path.join(dir, ancestor)}' ` +
              '(a symbolic link loop): a folder walk would never end; remove the link or name ' +
              'the files the step reads',
          );
        }
        await walk(absolute, relative, childId);
      } else if (stat.isFile()) {
        await visit({ relative, absolute, stat });
      }
    }
    inside.delete(id);
  };
  const top = await fs.stat(dir, { bigint: true });
  await walk(dir, '', `${top.dev}:${top.ino}`);
}

/**
 * Resolves a workspace-relative path of a pipeline file against the root, refusing one that is
 * absolute or climbs out of it (`..`): steps read and write only inside their workspace.
 */
export function insideRoot(root: string, relative: string, what: string): string {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw invalid(
      `${what} '${relative}' must be a path inside the workspace (${root}), relative to it, without '..'`,
    );
  }
  const resolved = path.resolve(root, relative);
  const rel = path.relative(root, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw invalid(`${what} '${relative}' resolves outside the workspace (${root})`);
  }
  return resolved;
}
