import fs from 'node:fs';
import path from 'node:path';

/** File in a store directory telling notebooks and tools where its server listens. */
export const SERVER_FILE = 'server.json';

/**
 * Writes `<store>/server.json` ({url, pid}) so a kernel under the workspace finds the tracking
 * server without configuration; `remove` deletes it if it is still ours.
 */
export function publishServer(storeDir: string, url: string): { remove(): void } {
  const file = path.join(storeDir, SERVER_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify({ url, pid: process.pid }));
  fs.renameSync(temp, file);
  return {
    remove: () => {
      try {
        const current = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number };
        if (current.pid === process.pid) fs.rmSync(file, { force: true });
      } catch {
        return;
      }
    },
  };
}
