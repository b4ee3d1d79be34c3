/** Webview panels of the pipeline graph view: one per pipeline, restored after a reload. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  PipelinePresenter,
  restoredPipeline,
  type PipelineSubject,
  type PipelineViewHost,
} from '@sextant/media/presenters/pipeline';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';
import { baseName, type PipelineTarget } from './model';

/** What the user asked a graph for, carried out by the IDE (progress, output channel). */
export type PipelineActions = Pick<PipelineViewHost, 'run' | 'cancel' | 'openRun' | 'log'>;

/** Webview type of pipeline graph panels (also their serializer's). */
export const PIPELINE_VIEW_TYPE = 'sextant.pipeline';

interface OpenPanel {
  panel: vscode.WebviewPanel;
  presenter: PipelinePresenter;
}

/** Opens, reuses and restores the pipeline graph panels. */
export class PipelinePanels implements vscode.Disposable {
  private readonly open = new Set<OpenPanel>();
  private readonly assetsRoot: vscode.Uri;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    context: vscode.ExtensionContext,
    private readonly api: SextantApi,
    private readonly actions: PipelineActions,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(PIPELINE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const subject = restoredPipeline(state);
          if (!subject) {
            panel.dispose();
            return;
          }
          this.attach(panel, subject);
        },
      }),
      // A restarted server may know newer runs.
      api.onServerInfo(() => {
        for (const { presenter } of this.open) void presenter.show();
      }),
      // A saved pipeline file may have changed shape: show its graph again.
      vscode.workspace.onDidSaveTextDocument((document) => {
        for (const { presenter } of this.open) {
          if (presenter.shows({ file: document.uri.fsPath })) void presenter.show();
        }
      }),
    ];
  }

  /** Shows the graph of `subject`'s pipeline, reusing its panel when it is open. */
  async show(subject: PipelineSubject, options: { preserveFocus?: boolean } = {}): Promise<void> {
    const existing = [...this.open].find((p) => p.presenter.shows(subject));
    if (existing) {
      existing.panel.reveal(undefined, options.preserveFocus);
      if (subject.pipelineRunId) await existing.presenter.show(subject);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PIPELINE_VIEW_TYPE,
      this.title(subject),
      {
        viewColumn: options.preserveFocus ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
        preserveFocus: options.preserveFocus,
      },
      this.options(),
    );
    this.attach(panel, subject);
  }

  private title(target: PipelineTarget): string {
    return `Pipeline ${target.pipeline ?? baseName(target.file)}`;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private attach(panel: vscode.WebviewPanel, subject: PipelineSubject): void {
    const webview = panel.webview;
    webview.options = this.options();
    const presenter = new PipelinePresenter(subject, this.api, {
      ...this.actions,
      post: (message) => void webview.postMessage(message),
    });
    const asset = (name: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, name)).toString();
    webview.html = viewHtml(
      'pipeline',
      panel.title,
      { cspSource: webview.cspSource, script: asset('views.js'), style: asset('views.css') },
      makeNonce((size) => randomBytes(size)),
    );
    const entry: OpenPanel = { panel, presenter };
    const subscriptions = [
      webview.onDidReceiveMessage((message: unknown) => {
        presenter.receive(message).catch((error: unknown) => {
          void vscode.window.showErrorMessage(
            `Sextant: ${error instanceof Error ? error.message : String(error)}`,
          );
        });
      }),
      panel.onDidDispose(() => {
        presenter.dispose();
        for (const s of subscriptions) s.dispose();
        this.open.delete(entry);
      }),
    ];
    this.open.add(entry);
  }

  dispose(): void {
    for (const { panel } of [...this.open]) panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
