import { SEXTANT_BIN, cleanEnv, spawnTracked } from './server';

/** What a finished child process left behind. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runProcess}. */
export interface RunOptions {
  cwd?: string;
  /** Added to the test's environment (SEXTANT_TOKEN and SEXTANT_STORE removed). */
  env?: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long; 30 s unless given. */
  timeoutMs?: number;
}

/** Runs a command to completion and collects its output; rejects only when it cannot start. */
export function runProcess(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const child = spawnTracked(command, args, {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `sextant <args>` with the built CLI. */
export function sextant(args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [SEXTANT_BIN, ...args], options);
}
