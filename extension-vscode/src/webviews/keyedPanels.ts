/**
 * Webview panels of one view kind, one per key (a deployment, a timeline scope): opened or
 * revealed by key, refreshed when the server changes, and restored after a reload. Each panel
 * drives a media presenter; the kinds differ only in what {@link KeyedPanelsOptions} says.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from './html';

/** What a panel needs of its presenter. */
export interface PanelPresenter {
  receive(message: unknown): unknown;
  refresh(): unknown;
  dispose(): void;
}

/** One kind of keyed panel. */
export interface KeyedPanelsOptions<K, P extends PanelPresenter> {
  /** The webview type (also its serializer's). */
  viewType: string;
  /** The media view the page mounts. */
  view: Parameters<typeof viewHtml>[0];
  /** The key as text: one panel per distinct text. */
  keyOf(key: K): string;
  title(key: K): string;
  /** The key of a panel restored after a reload, or undefined to close it. */
  restore(state: unknown): K | undefined;
  /** The presenter of a new panel, posting to its webview with `post`. */
  presenter(key: K, post: (message: unknown) => void): P;
}

/** Opens, reuses and restores the panels of one view kind. */
export class KeyedWebviewPanels<K, P extends PanelPresenter> implements vscode.Disposable {
  private readonly open = new Map<string, { panel: vscode.WebviewPanel; presenter: P }>();
  private readonly assetsRoot: vscode.Uri;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    context: vscode.ExtensionContext,
    private readonly api: SextantApi,
    private readonly kind: KeyedPanelsOptions<K, P>,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(kind.viewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const key = kind.restore(state);
          if (key !== undefined) this.attach(panel, key);
          else panel.dispose();
        },
      }),
    ];
  }

  /** The presenter of a key's panel when it is open, for tests and commands. */
  presenterOf(key: K): P | undefined {
    return this.open.get(this.kind.keyOf(key))?.presenter;
  }

  /** Shows the panel of a key, revealing and refreshing it when it is open. */
  show(key: K): void {
    const open = this.open.get(this.kind.keyOf(key));
    if (open) {
      open.panel.reveal();
      void open.presenter.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      this.kind.viewType,
      this.kind.title(key),
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attach(panel, key);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private attach(panel: vscode.WebviewPanel, key: K): void {
    const text = this.kind.keyOf(key);
    const presenter = this.kind.presenter(
      key,
      (message) => void panel.webview.postMessage(message),
    );
    this.open.set(text, { panel, presenter });
    panel.title = this.kind.title(key);
    const webview = panel.webview;
    webview.options = this.options();
    const asset = (file: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, file)).toString();
    webview.html = viewHtml(
      this.kind.view,
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
        if (this.open.get(text)?.panel === panel) this.open.delete(text);
      }),
    ];
  }

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
