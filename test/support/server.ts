import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root, from test/dist/support. */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const SEXTANT_BIN = path.join(REPO, 'core', 'bin', 'sextant.js');

/** How long a `sextant server` may take to print its address before the test gives up. */
const START_TIMEOUT_MS = 20_000;

/** A `sextant server` child process on a free loopback port. */
export interface ServerProcess {
  url: string;
  /** The port the server listens on. */
  port: number;
  store: string;
  child: ChildProcess;
  /** Everything the server printed so far, stdout and stderr together. */
  output(): string;
  /** Sends `signal` (SIGTERM unless given) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of {@link startServerProcess}. */
export interface StartOptions {
  /** Environment variables added to a copy of the test's, without SEXTANT_TOKEN and SEXTANT_STORE. */
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns a child that is killed when the test process exits, should a test forget it. */
export function spawnTracked(
  command: string,
  args: string[],
  options: Parameters<typeof spawn>[2],
): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** The test's environment without the variables that would change a sextant command's defaults. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['SEXTANT_TOKEN', 'SEXTANT_STORE']) if (!(name in extra)) delete env[name];
  return env;
}

export function tempStore(prefix = 'sextant-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts `sextant server --port 0` on `store` and waits for its address line. */
export function startServerProcess(
  store: string,
  extraArgs: string[] = [],
  options: StartOptions = {},
): Promise<ServerProcess> {
  const child = spawnTracked(
    process.execPath,
    [SEXTANT_BIN, 'server', '--port', '0', '--store', store, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(options.env) },
  );
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`sextant server did not print its address in ${START_TIMEOUT_MS} ms:\n${output}`),
      );
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Sextant tracking server at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const url = match[1] as string;
        resolve({ url, port: Number(new URL(url).port), store, child, output: () => output, stop });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sextant server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}
