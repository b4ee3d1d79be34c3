/**
 * Deployments in VS Code: the Deployments tree in the Sextant container, the deployment and
 * monitoring dashboards and experiment reports, the firing alerts (status bar item, notifications), and the commands of deployments, of Deploy in the Models view, and of the
 * `sextant.yaml` code lenses (`sextant.deployments.up`, `.sendTestRequest`, `.openDashboard`).
 */
import * as vscode from 'vscode';
import type { ModelVersionSummary } from '@sextant/language-server/protocol';
import type { SextantApi } from '../api';
import { registerAlerts } from './alerts';
import { registerDeploymentCommands } from './commands';
import { MonitoringPanels } from './monitoringPanel';
import { ExperimentPanels, registerExperimentReportCommand } from './experimentPanel';
import { DeploymentPanels } from './panel';
import { DeploymentsTree } from './tree';

/** What {@link registerDeployments} gives back, for tests and the extension's API. */
export interface DeploymentsFeature {
  tree: DeploymentsTree;
  panels: DeploymentPanels;
  /** The monitoring dashboards. */
  monitoring: MonitoringPanels;
  /** The firing alerts' status bar item and notifications. */
  alerts: ReturnType<typeof registerAlerts>;
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
  const monitoring = new MonitoringPanels(context, api, actions.log);
  const alerts = registerAlerts(api, monitoring, actions.log);
  const experiments = new ExperimentPanels(context, api, actions.log);
  context.subscriptions.push(
    experiments,
    registerExperimentReportCommand(api, experiments),
    tree,
    view,
    panels,
    monitoring,
    alerts,
    view.onDidChangeVisibility((event) => tree.setVisible(event.visible)),
    ...registerDeploymentCommands({ api, tree, panels, monitoring, versions: actions.versions }),
  );
  return { tree, panels, monitoring, alerts, experiments };
}
