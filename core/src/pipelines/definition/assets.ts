import fs from 'node:fs';
import path from 'node:path';

/**
 * A file shipped with core, found where the layout puts it: beside the compiled sources
 * (`core/dist/pipelines/spec` → `core/<relative>`), or beside a bundle (the VS Code extension's
 * `out/server.js` → `out/<basename>`), which copies it there.
 */
export function shippedPath(relative: string): string {
  const inPackage = path.resolve(__dirname, '..', '..', '..', relative);
  const besideBundle = path.join(__dirname, path.basename(relative));
  return !fs.existsSync(inPackage) && fs.existsSync(besideBundle) ? besideBundle : inPackage;
}
