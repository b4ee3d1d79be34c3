// Bundles what runs Sextant outside the repository into one folder: the language server
// (`server.js`) and the command line (`sextant.js`), each one file, the files core reads at run
// time (the pipeline schemas, the evaluation worker), and the one native module (better-sqlite3
// with the two small packages it loads). The VS Code extension's `out/` and the JupyterLab
// package's `sextant/runtime/out/` are both made by it. `runtime.json` beside them records the
// Node ABI and platform the native module was built for, so a launcher can check a Node before
// it starts one.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(repo, 'language-server', 'package.json'));

/** The native module's facts, written to `runtime.json`. */
export function runtimeFacts() {
  // Opening a database proves the native module was built for this Node's ABI.
  const Database = require('better-sqlite3');
  new Database(':memory:').close();
  return {
    node: process.versions.node,
    nodeMajor: Number(process.versions.node.split('.')[0]),
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    betterSqlite3: require('better-sqlite3/package.json').version,
  };
}

/**
 * Writes `server.js`, `sextant.js`, `schemas/`, `sextant_eval.py`, `node_modules/` (the native
 * module) and `runtime.json` into `out`, which must exist.
 * @param {string} out
 * @param {{ minify: boolean }} options
 */
export async function bundleRuntime(out, { minify }) {
  const common = {
    bundle: true,
    sourcemap: false,
    minify,
    logLevel: 'warning',
    legalComments: 'none',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // onnxruntime-node (about 290 MB of native libraries) is not shipped: `--runtime onnx` needs it
    // installed beside the bundle and says so when it is not.
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate', 'onnxruntime-node'],
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(repo, 'language-server', 'bin', 'sextant-language-server.js')],
      outfile: path.join(out, 'server.js'),
    }),
    build({
      ...common,
      entryPoints: [path.join(repo, 'core', 'bin', 'sextant.js')],
      outfile: path.join(out, 'sextant.js'),
    }),
  ]);

  cpSync(path.join(repo, 'core', 'schemas'), path.join(out, 'schemas'), { recursive: true });
  // The Python programs core starts (evaluation, serving, processing, the ONNX converter, Ray
  // Serve): every one in core/python, so a new one is never left behind.
  const pythonDir = path.join(repo, 'core', 'python');
  for (const script of readdirSync(pythonDir).filter((name) => name.endsWith('.py'))) {
    cpSync(path.join(pythonDir, script), path.join(out, script));
  }

  const modules = path.join(out, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
    const root = path.dirname(
      require.resolve(`${name}/package.json`, {
        paths: [path.dirname(require.resolve('better-sqlite3'))],
      }),
    );
    const files =
      name === 'better-sqlite3'
        ? ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node']
        : null;
    for (const file of files ?? ['.']) {
      cpSync(path.join(root, file), path.join(modules, name, file), {
        recursive: true,
        filter: (src) => !src.includes(`${path.sep}node_modules${path.sep}`, root.length),
      });
    }
  }
  writeFileSync(path.join(out, 'runtime.json'), `${JSON.stringify(runtimeFacts(), null, 2)}\n`);
}
