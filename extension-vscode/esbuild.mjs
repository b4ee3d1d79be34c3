// Bundles the extension, the language server and the views into out/, and copies the one native
// module (better-sqlite3, with the two small packages it loads) beside the server, so the .vsix
// runs without node_modules.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'out');
const require = createRequire(path.join(here, '..', 'language-server', 'package.json'));
const production = process.argv.includes('--production') || !process.argv.includes('--dev');

rmSync(out, { recursive: true, force: true });
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
  build({
    ...common,
    entryPoints: [path.join(here, '..', 'language-server', 'bin', 'sextant-language-server.js')],
    outfile: path.join(out, 'server.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  }),
  build({
    ...common,
    entryPoints: [path.join(here, '..', 'core', 'bin', 'sextant.js')],
    outfile: path.join(out, 'sextant.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  }),
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

// The published pipeline schemas, read at run time by the language server's pipeline checks.
cpSync(path.join(here, '..', 'core', 'schemas'), path.join(out, 'schemas'), { recursive: true });
// The evaluation worker, which the language server starts in the model's Python.
cpSync(
  path.join(here, '..', 'core', 'python', 'sextant_eval.py'),
  path.join(out, 'sextant_eval.py'),
);

const modules = path.join(out, 'node_modules');
mkdirSync(modules, { recursive: true });
for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
  const root = path.dirname(
    require.resolve(`${name}/package.json`, {
      paths: [path.dirname(require.resolve('better-sqlite3'))],
    }),
  );
  const files =
    name === 'better-sqlite3' ? ['package.json', 'lib', 'build/Release/better_sqlite3.node'] : null;
  for (const file of files ?? ['.']) {
    cpSync(path.join(root, file), path.join(modules, name, file), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules${path.sep}`, root.length),
    });
  }
}
