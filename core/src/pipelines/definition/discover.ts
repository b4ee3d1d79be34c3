import fs from 'node:fs';
import path from 'node:path';

/** Folders never searched for pipeline files. */
const SKIPPED = new Set(['node_modules', '.git', '.sextant', '.venv']);

/** Whether a file name is a pipeline file: `sextant.yaml`, `sextant.yml` or `*.sextant.yaml`. */
export function isPipelineFileName(name: string): boolean {
  const base = path.basename(name);
  return base === 'sextant.yaml' || base === 'sextant.yml' || /\.sextant\.ya?ml$/.test(base);
}

/**
 * The pipeline files under a folder (absolute paths, sorted), skipping `node_modules`, `.git`,
 * `.sextant`, `.venv` and every other dot-folder; symbolic links are not followed.
 */
export async function findPipelineFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let children: fs.Dirent[];
    try {
      children = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const child of children) {
      const full = path.join(dir, child.name);
      if (child.isDirectory()) {
        if (SKIPPED.has(child.name) || child.name.startsWith('.')) continue;
        await walk(full);
      } else if (child.isFile() && isPipelineFileName(child.name)) {
        found.push(full);
      }
    }
  };
  await walk(path.resolve(root));
  return found.sort();
}
