/** A real `jupyter lab` on 127.0.0.1 for the JupyterLab UI test, in throwaway folders. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
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
  // SEXTANT_LABEXTENSION: a built labextension folder (extension-jupyterlab/sextant/labextension
  // of a checkout) served instead of the venv's installed copy, found first on JUPYTER_PATH.
  const labextension = process.env['SEXTANT_LABEXTENSION'];
  if (labextension) {
    const data = path.join(tmp, 'data');
    fs.mkdirSync(path.join(data, 'labextensions', '@sextant'), { recursive: true });
    fs.symlinkSync(
      path.resolve(labextension),
      path.join(data, 'labextensions', '@sextant', 'jupyterlab'),
    );
    env['JUPYTER_PATH'] = [data, process.env['JUPYTER_PATH']].filter(Boolean).join(path.delimiter);
  }
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

/**
 * Starts the notebook's kernel session through Jupyter's REST API and waits until the kernel
 * answers a `kernel_info_request` on its channels, so the page opening `notebook` joins a kernel
 * that is already up: on a loaded machine a kernel started by the page can be slow enough for
 * JupyterLab to ask which kernel to use, and answering that dialog with a new kernel loses
 * whatever ran on the old one. Answers the kernel's id.
 */
export async function startNotebookKernel(lab: Lab, notebook: string): Promise<string> {
  const created = await fetch(`${lab.base}/api/sessions`, {
    method: 'POST',
    headers: { Authorization: `token ${lab.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      path: notebook,
      name: notebook,
      type: 'notebook',
      kernel: { name: 'python3' },
    }),
  });
  if (!created.ok) throw new Error(`starting a kernel for ${notebook}: HTTP ${created.status}`);
  const { kernel } = (await created.json()) as { kernel: { id: string } };
  const url = `${lab.base.replace(/^http/, 'ws')}/api/kernels/${kernel.id}/channels?token=${lab.token}`;
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the kernel of ${notebook} did not answer within 120 s`)),
        120_000,
      );
      const ask = (): void => {
        const msgId = randomBytes(8).toString('hex');
        socket.send(
          JSON.stringify({
            channel: 'shell',
            header: {
              msg_id: msgId,
              msg_type: 'kernel_info_request',
              username: 'sextant-test',
              session: 'sextant-test',
              date: new Date().toISOString(),
              version: '5.3',
            },
            parent_header: {},
            metadata: {},
            content: {},
          }),
        );
      };
      socket.once('open', ask);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { msg_type?: string };
        if (message.msg_type === 'kernel_info_reply') {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    socket.close();
  }
  return kernel.id;
}

/** The id of the kernel a notebook's session runs now, if it has one. */
export async function sessionKernel(lab: Lab, notebook: string): Promise<string | undefined> {
  const response = await fetch(`${lab.base}/api/sessions`, {
    headers: { Authorization: `token ${lab.token}` },
  });
  if (!response.ok) throw new Error(`listing sessions: HTTP ${response.status}`);
  const sessions = (await response.json()) as { path: string; kernel?: { id: string } }[];
  return sessions.find((s) => s.path === notebook)?.kernel?.id;
}
