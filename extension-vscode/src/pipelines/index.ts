/**
 * Pipelines in VS Code: the Pipelines tree in the Sextant container, the graph panels, the
 * commands the language server's code lenses call, progress notifications and the
 * "Sextant Pipelines" output channel.
 */
import * as vscode from 'vscode';
import type { SextantApi } from '../api';
import { registerPipelineCommands } from './commands';
import { PipelinePanels } from './panel';
import { PipelineRuns } from './runs';
import { PipelinesTree } from './tree';

/** What {@link registerPipelines} gives back, for tests and the extension's API. */
export interface PipelinesFeature {
  tree: PipelinesTree;
  runs: PipelineRuns;
  panels: PipelinePanels;
}

/** Registers everything of pipelines; disposed with the extension. */
export function registerPipelines(
  context: vscode.ExtensionContext,
  api: SextantApi,
  openRun: (runId: string) => void,
): PipelinesFeature {
  const channel = vscode.window.createOutputChannel('Sextant Pipelines');
  // The panels are made next; the runs reach them only once a run has ended.
  const runs = new PipelineRuns(api, channel, (target) => void panels.show(target));
  const panels = new PipelinePanels(context, api, {
    run: async (target) => {
      await runs.start(target);
    },
    cancel: (id) => runs.cancel(id),
    openRun,
    log: (message) => channel.appendLine(message),
  });
  const tree = new PipelinesTree(api);
  const view = vscode.window.createTreeView('sextant.pipelines', {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  const isPipelineFile = (uri: vscode.Uri): boolean =>
    uri.scheme === 'file' && /(^|[\\/])(sextant|[^\\/]+\.sextant)\.ya?ml$/.test(uri.fsPath);
  context.subscriptions.push(
    channel,
    runs,
    panels,
    tree,
    view,
    ...registerPipelineCommands({ pipelines: api, runs, panels, tree }),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (isPipelineFile(d.uri)) tree.refresh();
    }),
    vscode.workspace.onDidCreateFiles((e) => {
      if (e.files.some(isPipelineFile)) tree.refresh();
    }),
    vscode.workspace.onDidDeleteFiles((e) => {
      if (e.files.some(isPipelineFile)) tree.refresh();
    }),
  );
  return { tree, runs, panels };
}
