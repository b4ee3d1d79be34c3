import * as vscode from 'vscode';

const PYTHON_EXTENSION = 'ms-python.python';

/** The interpreter the Python extension has selected for the first workspace folder, if any. */
export async function selectedPython(): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<{
    environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } };
  }>(PYTHON_EXTENSION);
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api.environments?.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri)
      .path;
  } catch {
    return undefined;
  }
}
