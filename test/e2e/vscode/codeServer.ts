/** code-server and Chromium for the VS Code tests (shared/recipes/vscode-real-ui.md). */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../browser';

/** Polls `probe` every 100 ms until it gives a value other than undefined or false. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** A running code-server and a browser on it; `close` stops both and removes the temp dirs. */
export interface Session {
  port: number;
  tmp: string;
  userDir: string;
  extensionsDir: string;
  env: NodeJS.ProcessEnv;
  browser: BrowserContext;
  close(): Promise<void>;
}

/** Starts code-server on `workspace` (extensions installed by `prepare`) and Chromium. */
export async function startSession(options: {
  codeServer: string;
  workspace: string;
  env?: NodeJS.ProcessEnv;
  prepare?: (session: Pick<Session, 'userDir' | 'extensionsDir' | 'env'>) => Promise<void>;
}): Promise<Session> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-vscode-'));
  const userDir = path.join(tmp, 'user');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDir, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'workbench.tips.enabled': false,
      'sextant.keyMetric': 'loss',
    }),
  );
  const env = {
    ...process.env,
    ...options.env,
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
    XDG_DATA_HOME: path.join(tmp, 'data'),
  };
  try {
    await options.prepare?.({ userDir, extensionsDir, env });
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  const port = await freePort();
  const server: ChildProcess = spawn(
    options.codeServer,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userDir,
      '--extensions-dir',
      extensionsDir,
      options.workspace,
    ],
    { env, detached: true, stdio: 'ignore' },
  );
  const stop = (): void => {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  try {
    await waitFor(
      'code-server',
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok || undefined,
    );
    const browser = await launchChromium(path.join(tmp, 'chromium'), { width: 1400, height: 900 });
    return {
      port,
      tmp,
      userDir,
      extensionsDir,
      env,
      browser,
      close: async () => {
        await browser.close();
        stop();
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (error) {
    stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Runs a test's `main`; a failure is printed and ends the process with exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
