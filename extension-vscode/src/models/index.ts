/**
 * The model registry in VS Code: the Models tree in the Sextant container, the version pages and
 * the model comparison, and the commands of models, versions, runs and model artifacts.
 */
import * as vscode from 'vscode';
import type { SextantApi } from '../api';
import { registerModelCommands } from './commands';
import { ModelPanels } from './panel';
import { ModelsTree } from './tree';

/** What {@link registerModels} gives back, for tests and the extension's API. */
export interface ModelsFeature {
  tree: ModelsTree;
  panels: ModelPanels;
}

/** Registers everything of models; disposed with the extension. */
export function registerModels(
  context: vscode.ExtensionContext,
  api: SextantApi,
  actions: {
    openRun(runId: string): void;
    saveFile(fileName: string, content: string): void;
    log(message: string): void;
  },
): ModelsFeature {
  const tree = new ModelsTree(api);
  const view = vscode.window.createTreeView('sextant.models', {
    treeDataProvider: tree,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const panels = new ModelPanels(context, api, actions);
  context.subscriptions.push(
    tree,
    view,
    panels,
    ...registerModelCommands({ api, tree, view, panels, openRun: actions.openRun }),
  );
  return { tree, panels };
}
