import type Ajv from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The modules of ajv's runtime that generated validator code may `require`, each loaded when
 * the code asks for it. Static requires (not a resolver of names) so a bundle of core carries
 * them; code that asks for anything else is not loaded from the cache.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- synchronous, on demand */
const RUNTIME: Record<string, () => unknown> = {
  'ajv/dist/runtime/equal': () => require('ajv/dist/runtime/equal'),
  'ajv/dist/runtime/ucs2length': () => require('ajv/dist/runtime/ucs2length'),
  'ajv/dist/runtime/uri': () => require('ajv/dist/runtime/uri'),
  'ajv/dist/runtime/validation_error': () => require('ajv/dist/runtime/validation_error'),
  'ajv/dist/runtime/timestamp': () => require('ajv/dist/runtime/timestamp'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function runtimeRequire(name: string): unknown {
  const load = RUNTIME[name];
  if (!load) throw new Error(`validator code requires '${name}', which is not ajv's runtime`);
  return load();
}

/** The per-user cache folder of the OS (`$XDG_CACHE_HOME`, `~/Library/Caches`, `%LOCALAPPDATA%`). */
export function osCacheDir(): string {
  if (process.platform === 'win32' && process.env.LOCALAPPDATA) return process.env.LOCALAPPDATA;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches');
  return process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
}

/** Where generated validators are kept by default: `<OS cache>/sextant/validators`. */
export const VALIDATOR_CACHE_DIR = path.join(osCacheDir(), 'sextant', 'validators');

/** Turns the CommonJS code ajv's standalone mode writes into its validate function. */
function evaluate(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('require', 'module', 'exports', code)(runtimeRequire, module, module.exports);
  const validate = module.exports;
  if (typeof validate !== 'function') throw new Error('validator code exports no function');
  return validate as ValidateFunction;
}

/** Compiles a schema with ajv and writes it out as standalone validator code. */
function generate(schema: Record<string, unknown>, options: Options): string {
  // Loaded only here: compiling is the slow path, taken once per schema version.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
  const standaloneCode = (
    require('ajv/dist/standalone') as {
      default: (ajv: Ajv, validate: ValidateFunction) => string;
    }
  ).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ajv = new AjvClass({ ...options, code: { ...options.code, source: true } });
  return standaloneCode(ajv, ajv.compile(schema));
}

/** The version of the ajv that generates the code: a new ajv writes new code. */
function ajvVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ajv/package.json') as { version: string }).version;
}

/**
 * The validate function of a JSON Schema, compiled by ajv (standalone mode) once and then kept
 * as code on disk under `dir`, keyed by the schema's text, the options and ajv's version:
 * later processes load the code instead of compiling the schema, which costs a short command
 * more than the rest of loading a pipeline. The validator is the one ajv would compile, same
 * errors included. A cache that cannot be read or written only makes the next call compile
 * again; a file is written whole (a temporary file renamed) so a reader never sees half of one.
 */
export function cachedValidator(
  name: string,
  schemaText: string,
  options: Options,
  dir: string = VALIDATOR_CACHE_DIR,
): ValidateFunction {
  const key = createHash('sha256')
    .update(`${ajvVersion()}\0${JSON.stringify(options)}\0${schemaText}`)
    .digest('hex')
    .slice(0, 32);
  const file = path.join(dir, `${name}-${key}.js`);
  let cached: string | undefined;
  try {
    cached = fs.readFileSync(file, 'utf8');
  } catch {
    cached = undefined;
  }
  if (cached !== undefined) {
    try {
      return evaluate(cached);
    } catch {
      // A damaged or foreign file: generated again below, and replaced.
    }
  }
  const code = generate(JSON.parse(schemaText) as Record<string, unknown>, options);
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, file);
  } catch {
    // A read-only or full cache: this process keeps the code in memory only.
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // The folder itself is not there: nothing was left behind.
    }
  }
  return evaluate(code);
}
