/** A real `jupyter lab` on 127.0.0.1 for the JupyterLab UI test, in throwaway folders. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../vscode/codeServer';

/** A running JupyterLab; `close` stops it and removes its folders. */
export interface Lab {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  token: string;
  /** The server's root folder (the notebooks, and `.sextant/` once the panel connects). */
  root: string;
  /** Everything the server printed. */
  log(): string;
  close(): Promise<void>;
}

/**
 * Starts `<venv>/bin/jupyter lab` with a random token, a temp root holding `files`, and its own
 * settings, workspaces and runtime folders, and waits until it answers `/api/status`.
 */
export async function startLab(venv: string, files: Record<string, string>): Promise<Lab> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lab-'));
  const root = path.join(tmp, 'root');
  fs.mkdirSync(root);
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(path.join(root, name), content);
  // No "get notified about Jupyter news?" toast over the screenshots, no update checks.
  const notification = path.join(tmp, 'settings', '@jupyterlab', 'apputils-extension');
  fs.mkdirSync(notification, { recursive: true });
  fs.writeFileSync(
    path.join(notification, 'notification.jupyterlab-settings'),
    JSON.stringify({ fetchNews: 'false', checkForUpdates: false }),
  );
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env['PATH'] ?? ''}`,
    JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
    JUPYTERLAB_SETTINGS_DIR: path.join(tmp, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
    IPYTHONDIR: path.join(tmp, 'ipython'),
  };
  delete env['MLFLOW_TRACKING_URI'];
  const server: ChildProcess = spawn(
    path.join(venv, 'bin', 'jupyter'),
    [
      'lab',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout?.on('data', (chunk) => (output += String(chunk)));
  server.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const lab: Lab = {
    base,
    token,
    root,
    log: () => output,
    close: async () => {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  try {
    await Promise.race([
      exited.then(() => {
        throw new Error('jupyter lab exited before answering');
      }),
      waitFor(
        'jupyter lab to answer /api/status',
        async () => {
          if (server.exitCode !== null) throw new Error('jupyter lab exited');
          const response = await fetch(`${base}/api/status?token=${token}`);
          return response.ok;
        },
        60_000,
      ),
    ]);
  } catch (error) {
    await lab.close();
    throw new Error(`${(error as Error).message}\n${output.slice(-4000)}`);
  }
  return lab;
}
