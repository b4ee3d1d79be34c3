/** Webview panels of monitoring dashboards: one per deployment, restored after a reload. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TriggeredRunLink } from '@sextant/media/contract';
import { MonitoringPresenter, restoredMonitoring } from '@sextant/media/presenters/monitoring';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';

/** Webview type of monitoring dashboards (also their serializer's). */
export const MONITORING_VIEW_TYPE = 'sextant.monitoring';

/** Opens the page of a pipeline run (its graph coloured by that run). */
export function openPipelineRun(run: TriggeredRunLink): Thenable<unknown> {
  return vscode.commands.executeCommand('sextant.showPipelineGraph', {
    file: run.file,
    pipeline: run.pipeline,
    pipelineRunId: run.pipelineRunId,
  });
}

/** Opens, reuses and restores monitoring dashboards. */
export class MonitoringPanels implements vscode.Disposable {
  private readonly open = new Map<
    string,
    { panel: vscode.WebviewPanel; presenter: MonitoringPresenter }
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
      vscode.window.registerWebviewPanelSerializer(MONITORING_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const deployment = restoredMonitoring(state);
          if (deployment) this.attach(panel, deployment);
          else panel.dispose();
        },
      }),
    ];
  }

  /** The dashboard of a deployment when it is open, for tests and commands. */
  presenterOf(deployment: string): MonitoringPresenter | undefined {
    return this.open.get(deployment)?.presenter;
  }

  /** Shows a deployment's monitoring dashboard, reusing its panel when it is open. */
  show(deployment: string): void {
    const open = this.open.get(deployment);
    if (open) {
      open.panel.reveal();
      void open.presenter.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      MONITORING_VIEW_TYPE,
      `Monitoring ${deployment}`,
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attach(panel, deployment);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private attach(panel: vscode.WebviewPanel, deployment: string): void {
    const presenter = new MonitoringPresenter(deployment, this.api, {
      post: (message) => void panel.webview.postMessage(message),
      log: (message) => this.log(message),
      openPipelineRun: (run) => void openPipelineRun(run),
    });
    this.open.set(deployment, { panel, presenter });
    const webview = panel.webview;
    webview.options = this.options();
    const asset = (file: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, file)).toString();
    webview.html = viewHtml(
      'monitoring',
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
        if (this.open.get(deployment)?.panel === panel) this.open.delete(deployment);
      }),
    ];
  }

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
