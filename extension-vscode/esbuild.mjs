// Bundles the extension and the views into out/, and beside them the language server, the command
// line and the one native module (scripts/bundle-runtime.mjs), so the .vsix runs without
// node_modules.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntime } from '../scripts/bundle-runtime.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'out');
const production = process.argv.includes('--production') || !process.argv.includes('--dev');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  sourcemap: false,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(here, 'dist', 'extension.js')],
    outfile: path.join(out, 'extension.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  }),
  bundleRuntime(out, { minify: production }),
  build({
    ...common,
    entryPoints: [
      { in: path.join(here, '..', 'media', 'dist', 'lib', 'entries', 'vscode.js'), out: 'views' },
      { in: path.join(here, '..', 'media', 'src', 'style', 'views.css'), out: 'views' },
    ],
    outdir: path.join(out, 'media'),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  }),
]);
