/** Webview panels of deployment dashboards: one per deployment, restored after a reload. */
import * as vscode from 'vscode';
import { DeploymentPresenter, restoredDeployment } from '@sextant/media/presenters/deployment';
import type { SextantApi } from '../api';
import { KeyedWebviewPanels } from '../webviews/keyedPanels';

/** Webview type of deployment dashboards (also their serializer's). */
export const DEPLOYMENT_VIEW_TYPE = 'sextant.deployment';

/** Opens, reuses and restores deployment dashboards. */
export class DeploymentPanels extends KeyedWebviewPanels<string, DeploymentPresenter> {
  constructor(context: vscode.ExtensionContext, api: SextantApi, log: (message: string) => void) {
    super(context, api, {
      viewType: DEPLOYMENT_VIEW_TYPE,
      view: 'deployment',
      keyOf: (name) => name,
      title: (name) => `Deployment ${name}`,
      restore: restoredDeployment,
      presenter: (name, post) =>
        new DeploymentPresenter(name, api, {
          post,
          log,
          copy: (text) =>
            void vscode.env.clipboard
              .writeText(text)
              .then(() => vscode.window.setStatusBarMessage('Sextant: copied', 3000)),
          notify,
          openExperimentReport: (deployment) =>
            void vscode.commands.executeCommand('sextant.deployments.openExperimentReport', {
              name: deployment,
            }),
        }),
    });
  }
}

/** A presenter's notice: an error as a message, anything else in the status bar. */
export function notify(level: string, message: string): void {
  if (level === 'error') void vscode.window.showErrorMessage(`Sextant: ${message}`);
  else vscode.window.setStatusBarMessage(`Sextant: ${message}`, 5000);
}
