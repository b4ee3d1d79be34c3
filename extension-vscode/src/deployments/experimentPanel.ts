/**
 * Webview panels of experiment reports (one per deployment, restored after a reload) and the
 * `sextant.deployments.openExperimentReport` command that opens them: from a deployment of the
 * Deployments view, the deployment dashboard's link, or a pick of the deployments with an
 * experiment.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { OnlineListRequest } from '@sextant/language-server/protocol';
import {
  ExperimentReportPresenter,
  restoredExperiment,
} from '@sextant/media/presenters/onlineExperiment';
import { errorMessage, type SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';
import { isDeploymentNode } from './model';

/** Webview type of experiment reports (also their serializer's). */
export const EXPERIMENT_VIEW_TYPE = 'sextant.onlineExperiment';

/** Opens, reuses and restores experiment reports. */
export class ExperimentPanels implements vscode.Disposable {
  private readonly open = new Map<
    string,
    { panel: vscode.WebviewPanel; presenter: ExperimentReportPresenter }
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
      vscode.window.registerWebviewPanelSerializer(EXPERIMENT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const name = restoredExperiment(state);
          if (name) this.attach(panel, name);
          else panel.dispose();
        },
      }),
    ];
  }

  /** The report of a deployment when it is open, for tests and commands. */
  presenterOf(name: string): ExperimentReportPresenter | undefined {
    return this.open.get(name)?.presenter;
  }

  /** Shows a deployment's experiment report, reusing its panel when it is open. */
  show(name: string): void {
    const open = this.open.get(name);
    if (open) {
      open.panel.reveal();
      void open.presenter.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      EXPERIMENT_VIEW_TYPE,
      `Experiment ${name}`,
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
    const presenter = new ExperimentReportPresenter(name, this.api, {
      post: (message) => void panel.webview.postMessage(message),
      log: (message) => this.log(message),
      notify: (level, message) => {
        if (level === 'error') void vscode.window.showErrorMessage(`Sextant: ${message}`);
        else vscode.window.setStatusBarMessage(`Sextant: ${message}`, 5000);
      },
    });
    this.open.set(name, { panel, presenter });
    const webview = panel.webview;
    webview.options = this.options();
    const asset = (file: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, file)).toString();
    webview.html = viewHtml(
      'onlineExperiment',
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

/**
 * Registers `sextant.deployments.openExperimentReport`: the deployment of a tree node or of
 * `{ name }`, else a pick among the deployments with an experiment.
 */
export function registerExperimentReportCommand(
  api: SextantApi,
  panels: ExperimentPanels,
): vscode.Disposable {
  return vscode.commands.registerCommand(
    'sextant.deployments.openExperimentReport',
    async (arg: unknown) => {
      try {
        let name: string | undefined;
        if (isDeploymentNode(arg)) name = arg.deployment.name;
        else {
          const given = (arg as { name?: unknown } | undefined)?.name;
          if (typeof given === 'string' && given !== '') name = given;
        }
        if (!name) {
          const { experiments } = await api.request(OnlineListRequest);
          if (experiments.length === 0) {
            void vscode.window.showInformationMessage(
              "Sextant: no deployment runs an online experiment. Add an 'experiment:' block to a deployment in sextant.yaml and deploy it.",
            );
            return;
          }
          name =
            experiments.length === 1
              ? experiments[0]!.deployment
              : (
                  await vscode.window.showQuickPick(
                    experiments.map((e) => ({
                      label: e.deployment,
                      description: `${e.type === 'ab' ? 'A/B' : 'bandit'} on ${e.metric}${e.concluded ? ' · ended' : ''}`,
                    })),
                    { title: 'Which experiment?' },
                  )
                )?.label;
        }
        if (name) panels.show(name);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: ${errorMessage(error)}`);
      }
    },
  );
}
