/**
 * The runs table in VS Code: the command "Sextant: Open Runs Table" (palette, Experiments view
 * title, an experiment's context menu) opens one webview panel per set of experiments, restored
 * after a reload; its selection goes to the comparison panel, a double-click opens the run.
 */
import { randomBytes } from 'node:crypto';
import { ExperimentsListRequest } from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { RunsTablePresenter, restoredRunsTable } from '@sextant/media/presenters/runsTable';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';
import type { Panels } from '../webviews/panels';

/** Webview type of runs tables (also their serializer's). */
export const RUNS_TABLE_VIEW_TYPE = 'sextant.runsTable';

/** The experiments a command was given: an experiment node of the tree, or none. */
function experimentOf(node: unknown): string | undefined {
  const candidate = node as { kind?: unknown; experiment?: { experimentId?: unknown } } | undefined;
  return candidate?.kind === 'experiment' && typeof candidate.experiment?.experimentId === 'string'
    ? candidate.experiment.experimentId
    : undefined;
}

/** Registers the command and the panels' serializer. */
export function registerRunsTable(
  context: vscode.ExtensionContext,
  api: SextantApi,
  panels: Panels,
  output: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
  const open = new Map<string, vscode.WebviewPanel>();
  const options = (): vscode.WebviewPanelOptions & vscode.WebviewOptions => ({
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [assetsRoot],
  });

  const attach = (panel: vscode.WebviewPanel, experimentIds: string[]): void => {
    const key = experimentIds.join(',');
    open.set(key, panel);
    const webview = panel.webview;
    webview.options = options();
    const presenter = new RunsTablePresenter(experimentIds, api, {
      post: (message) => void webview.postMessage(message),
      log: (message) => output.warn(message),
      openRun: (runId) => panels.showRun(runId),
      compare: (runIds) => void panels.showCompare(runIds),
      shown: (names) => (panel.title = `Runs: ${names.join(', ')}`),
    });
    const asset = (name: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(assetsRoot, name)).toString();
    webview.html = viewHtml(
      'runsTable',
      panel.title,
      { cspSource: webview.cspSource, script: asset('views.js'), style: asset('views.css') },
      makeNonce((size) => randomBytes(size)),
    );
    const subscriptions = [
      webview.onDidReceiveMessage((message: unknown) => void presenter.receive(message)),
      api.onServerInfo(() => void presenter.refresh()),
      panel.onDidDispose(() => {
        presenter.dispose();
        for (const s of subscriptions) s.dispose();
        if (open.get(key) === panel) open.delete(key);
      }),
    ];
  };

  const show = (experimentIds: string[]): void => {
    const existing = open.get(experimentIds.join(','));
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      RUNS_TABLE_VIEW_TYPE,
      'Runs',
      vscode.ViewColumn.Active,
      options(),
    );
    attach(panel, experimentIds);
  };

  const pick = async (): Promise<string[] | undefined> => {
    const { experiments } = await api.request(ExperimentsListRequest, {});
    if (experiments.length === 1) return [experiments[0]!.experimentId];
    const chosen = await vscode.window.showQuickPick(
      experiments.map((e) => ({
        label: e.name,
        description: `id ${e.experimentId}`,
        id: e.experimentId,
      })),
      { title: 'Runs of which experiments?', canPickMany: true },
    );
    return chosen && chosen.length > 0 ? chosen.map((c) => c.id) : undefined;
  };

  return [
    vscode.window.registerWebviewPanelSerializer(RUNS_TABLE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const experimentIds = restoredRunsTable(state);
        if (experimentIds) attach(panel, experimentIds);
        else panel.dispose();
      },
    }),
    vscode.commands.registerCommand('sextant.openRunsTable', async (node: unknown) => {
      try {
        const chosen = experimentOf(node);
        const experimentIds = chosen !== undefined ? [chosen] : await pick();
        if (experimentIds) show(experimentIds);
      } catch (error) {
        void vscode.window.showErrorMessage(
          `Sextant: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }),
    { dispose: () => [...open.values()].forEach((panel) => panel.dispose()) },
  ];
}
