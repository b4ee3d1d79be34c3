import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root, from test/dist/support. */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const SEXTANT_BIN = path.join(REPO, 'core', 'bin', 'sextant.js');

/** A `sextant server` child process on a free loopback port. */
export interface ServerProcess {
  url: string;
  store: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function tempStore(prefix = 'sextant-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts `sextant server --port 0` on `store` and waits for its address line. */
export function startServerProcess(store: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SEXTANT_BIN, 'server', '--port', '0', '--store', store, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Sextant tracking server at (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        resolve({
          url: match[1] as string,
          store,
          child,
          stop: (signal = 'SIGTERM') =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`sextant server exited (${code}) before listening:\n${output}`)));
  });
}
