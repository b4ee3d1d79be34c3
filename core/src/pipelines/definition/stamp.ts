import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shippedPath } from './assets';

let stamp: string | undefined;

/**
 * What a pipeline file's load depends on besides the files it reads: this build of the loader
 * (the size and time of each compiled file beside this one, or of the bundle that holds it) and
 * the published schemas. A load kept from another build is not reused ({@link PersistedLoads}).
 */
export function loaderStamp(): string {
  if (stamp !== undefined) return stamp;
  const hash = createHash('sha1');
  for (const dir of [__dirname, shippedPath('schemas')]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.js') && !name.endsWith('.json')) continue;
      try {
        const stat = fs.statSync(path.join(dir, name));
        hash.update(`${name}\0${stat.size}\0${stat.mtimeMs}\n`);
      } catch {
        // gone while listed: left out
      }
    }
  }
  stamp = hash.digest('hex');
  return stamp;
}
