import fs from 'node:fs';
import path from 'node:path';

/** Programs whose first non-option argument is a script file. */
const INTERPRETERS = new Set([
  'python',
  'python3',
  'bash',
  'sh',
  'zsh',
  'node',
  'Rscript',
  'ruby',
  'perl',
  'julia',
]);

/** Options after which an interpreter runs no file (`python -m x`, `bash -c '...'`). */
const NO_SCRIPT_OPTIONS = new Set(['-m', '-c', '-e', '--eval', '-p', '--print', '-']);

/** Splits a command line into words, honouring single and double quotes. */
function words(line: string): string[] {
  const found: string[] = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    found.push(match[1] ?? match[2] ?? match[3] ?? '');
  }
  return found;
}

/**
 * The script file the first command of `run` executes, as written: `src/train.py` in
 * `python src/train.py --lr 1`, `x.sh` in `bash x.sh`, `./x.sh` in `./x.sh`; undefined for a
 * program on PATH, `python -m pkg` or a word with `$` in it.
 */
export function scriptOf(run: string): string | undefined {
  const first = run
    .split(/\r?\n/)
    .find((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (!first) return undefined;
  const tokens = words(first.trim()).filter((t, i, all) => {
    const before = all.slice(0, i);
    return !(
      before.every((b) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(b)) && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)
    );
  });
  const [program, ...rest] = tokens;
  if (!program) return undefined;
  let candidate: string | undefined;
  if (INTERPRETERS.has(program)) {
    for (const token of rest) {
      if (NO_SCRIPT_OPTIONS.has(token)) return undefined;
      if (token.startsWith('-')) continue;
      candidate = token;
      break;
    }
  } else if (
    program.startsWith('./') ||
    program.startsWith('../') ||
    (program.includes('/') && !program.startsWith('/'))
  ) {
    candidate = program;
  }
  if (
    !candidate ||
    candidate.includes('$') ||
    candidate.startsWith('/') ||
    /[|;&<>]/.test(candidate)
  ) {
    return undefined;
  }
  return candidate;
}

/**
 * A Python program shipped with core, by file name: `core/python/<name>` in the package, or the
 * copy beside a bundle (the VS Code extension's and the JupyterLab package's `sextant.js` and
 * `server.js`, which `scripts/bundle-runtime.mjs` places there).
 */
export function shippedPython(name: string): string {
  const inPackage = path.resolve(__dirname, '..', '..', 'python', name);
  const besideBundle = path.join(__dirname, name);
  return !fs.existsSync(inPackage) && fs.existsSync(besideBundle) ? besideBundle : inPackage;
}
