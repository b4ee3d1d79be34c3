/** Webview panels of deployment dashboards: one per deployment, restored after a reload. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DeploymentPresenter, restoredDeployment } from '@sextant/media/presenters/deployment';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';

/** Webview type of deployment dashboards (also their serializer's). */
export const DEPLOYMENT_VIEW_TYPE = 'sextant.deployment';

/** Opens, reuses and restores deployment dashboards. */
export class DeploymentPanels implements vscode.Disposable {
  private readonly open = new Map<
    string,
    { panel: vscode.WebviewPanel; presenter: DeploymentPresenter }
  >();
  private readonly assetsRoot: vscode.Uri;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    context: vscode.ExtensionContext,
    private readonly api: SextantApi,
    private readonly log: (message: string) => void,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(DEPLOYMENT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const name = restoredDeployment(state);
          if (name) this.attach(panel, name);
          else panel.dispose();
        },
      }),
    ];
  }

  /** The dashboard of a deployment when it is open, for tests and commands. */
  presenterOf(name: string): DeploymentPresenter | undefined {
    return this.open.get(name)?.presenter;
  }

  /** Shows a deployment's dashboard, reusing its panel when it is open. */
  show(name: string): void {
    const open = this.open.get(name);
    if (open) {
      open.panel.reveal();
      void open.presenter.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DEPLOYMENT_VIEW_TYPE,
      `Deployment ${name}`,
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attach(panel, name);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private attach(panel: vscode.WebviewPanel, name: string): void {
    const presenter = new DeploymentPresenter(name, this.api, {
      post: (message) => void panel.webview.postMessage(message),
      log: (message) => this.log(message),
      copy: (text) =>
        void vscode.env.clipboard
          .writeText(text)
          .then(() => vscode.window.setStatusBarMessage('Sextant: copied', 3000)),
      notify: (level, message) => {
        if (level === 'error') void vscode.window.showErrorMessage(`Sextant: ${message}`);
        else vscode.window.setStatusBarMessage(`Sextant: ${message}`, 5000);
      },
      openExperimentReport: (deployment) =>
        void vscode.commands.executeCommand('sextant.deployments.openExperimentReport', {
          name: deployment,
        }),
    });
    this.open.set(name, { panel, presenter });
    const webview = panel.webview;
    webview.options = this.options();
    const asset = (file: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, file)).toString();
    webview.html = viewHtml(
      'deployment',
      panel.title,
      { cspSource: webview.cspSource, script: asset('views.js'), style: asset('views.css') },
      makeNonce((size) => randomBytes(size)),
    );
    const subscriptions = [
      webview.onDidReceiveMessage((message: unknown) => void presenter.receive(message)),
      this.api.onServerInfo(() => void presenter.refresh()),
      panel.onDidDispose(() => {
        presenter.dispose();
        for (const s of subscriptions) s.dispose();
        if (this.open.get(name)?.panel === panel) this.open.delete(name);
      }),
    ];
  }

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
