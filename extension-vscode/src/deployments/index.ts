/**
 * Deployments in VS Code: the Deployments tree in the Sextant container, the deployment
 * dashboards and experiment reports, and the commands of deployments, of Deploy in the Models view, and of the
 * `sextant.yaml` code lenses (`sextant.deployments.up`, `.sendTestRequest`, `.openDashboard`).
 */
import * as vscode from 'vscode';
import type { ModelVersionSummary } from '@sextant/language-server/protocol';
import type { SextantApi } from '../api';
import { registerDeploymentCommands } from './commands';
import { ExperimentPanels, registerExperimentReportCommand } from './experimentPanel';
import { DeploymentPanels } from './panel';
import { DeploymentsTree } from './tree';

/** What {@link registerDeployments} gives back, for tests and the extension's API. */
export interface DeploymentsFeature {
  tree: DeploymentsTree;
  panels: DeploymentPanels;
  experiments: ExperimentPanels;
}

/** Registers everything of deployments; disposed with the extension. */
export function registerDeployments(
  context: vscode.ExtensionContext,
  api: SextantApi,
  actions: {
    versions(model: string): Promise<ModelVersionSummary[]>;
    log(message: string): void;
  },
): DeploymentsFeature {
  const tree = new DeploymentsTree(api);
  const view = vscode.window.createTreeView('sextant.deployments', {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  tree.setVisible(view.visible);
  const panels = new DeploymentPanels(context, api, actions.log);
  const experiments = new ExperimentPanels(context, api, actions.log);
  context.subscriptions.push(
    experiments,
    registerExperimentReportCommand(api, experiments),
    tree,
    view,
    panels,
    view.onDidChangeVisibility((event) => tree.setVisible(event.visible)),
    ...registerDeploymentCommands({ api, tree, panels, versions: actions.versions }),
  );
  return { tree, panels, experiments };
}
