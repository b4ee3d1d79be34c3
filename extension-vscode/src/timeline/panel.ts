/** Webview panels of the loop timeline: one per scope, restored after a reload. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  TimelinePresenter,
  restoredScope,
  type TimelineScope,
  type TimelineViewHost,
} from '@sextant/media/presenters/timeline';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';
import { scopeKey, scopeTitle } from './scope';

/** Webview type of loop timelines (also their serializer's). */
export const TIMELINE_VIEW_TYPE = 'sextant.timeline';

/** What a timeline item opens, carried out by the other features' panels. */
export type TimelineActions = Pick<
  TimelineViewHost,
  'openRun' | 'openVersion' | 'openDeployment' | 'log'
>;

/** Opens, reuses and restores loop timelines. */
export class TimelinePanels implements vscode.Disposable {
  private readonly open = new Map<
    string,
    { panel: vscode.WebviewPanel; presenter: TimelinePresenter }
  >();
  private readonly assetsRoot: vscode.Uri;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    context: vscode.ExtensionContext,
    private readonly api: SextantApi,
    private readonly actions: TimelineActions,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          this.attach(panel, restoredScope(state));
        },
      }),
    ];
  }

  /** The presenter of a scope's timeline when it is open, for tests. */
  presenterOf(scope: TimelineScope): TimelinePresenter | undefined {
    return this.open.get(scopeKey(scope))?.presenter;
  }

  /** Shows the timeline of a scope, reusing its panel when it is open. */
  show(scope: TimelineScope): void {
    const open = this.open.get(scopeKey(scope));
    if (open) {
      open.panel.reveal();
      void open.presenter.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      scopeTitle(scope),
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attach(panel, scope);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private attach(panel: vscode.WebviewPanel, scope: TimelineScope): void {
    const key = scopeKey(scope);
    const presenter = new TimelinePresenter(scope, this.api, {
      post: (message) => void panel.webview.postMessage(message),
      log: (message) => this.actions.log(message),
      openRun: (runId) => this.actions.openRun(runId),
      openVersion: (ref) => this.actions.openVersion(ref),
      openDeployment: (name) => this.actions.openDeployment(name),
    });
    this.open.set(key, { panel, presenter });
    panel.title = scopeTitle(scope);
    const webview = panel.webview;
    webview.options = this.options();
    const asset = (file: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, file)).toString();
    webview.html = viewHtml(
      'timeline',
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
        if (this.open.get(key)?.panel === panel) this.open.delete(key);
      }),
    ];
  }

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
