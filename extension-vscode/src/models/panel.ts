/** Webview panels of the model views: one page per version, one comparison, restored after a reload. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { VersionRef } from '@sextant/language-server/protocol';
import {
  ModelComparePresenter,
  restoredModelComparison,
} from '@sextant/media/presenters/modelCompare';
import type { ModelViewHost } from '@sextant/media/presenters/models';
import { ModelVersionPresenter, restoredVersion } from '@sextant/media/presenters/modelVersion';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from '../webviews/html';

/** Webview type of version pages (also their serializer's). */
export const MODEL_VERSION_VIEW_TYPE = 'sextant.modelVersion';
/** Webview type of the model comparison panel. */
export const MODEL_COMPARE_VIEW_TYPE = 'sextant.modelCompare';

/** What the model views hand to the IDE besides showing each other. */
export interface ModelPanelActions {
  openRun(runId: string): void;
  saveFile(fileName: string, content: string): void;
  log(message: string): void;
}

const key = (ref: VersionRef): string => `${ref.name}\u0000${ref.version}`;

/** Opens, reuses and restores the version pages and the model comparison. */
export class ModelPanels implements vscode.Disposable {
  private readonly pages = new Map<
    string,
    { panel: vscode.WebviewPanel; presenter: ModelVersionPresenter }
  >();
  private compare: { panel: vscode.WebviewPanel; presenter: ModelComparePresenter } | undefined;
  private readonly assetsRoot: vscode.Uri;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    context: vscode.ExtensionContext,
    private readonly api: SextantApi,
    private readonly actions: ModelPanelActions,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
    this.subscriptions = [
      vscode.window.registerWebviewPanelSerializer(MODEL_VERSION_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const ref = restoredVersion(state);
          if (ref) this.attachPage(panel, ref);
          else panel.dispose();
        },
      }),
      vscode.window.registerWebviewPanelSerializer(MODEL_COMPARE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const refs = restoredModelComparison(state);
          if (refs) this.attachCompare(panel, refs);
          else panel.dispose();
        },
      }),
    ];
  }

  /** Shows a version's page, reusing its panel when it is open. */
  showVersion(ref: VersionRef): void {
    const open = this.pages.get(key(ref));
    if (open) {
      open.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      MODEL_VERSION_VIEW_TYPE,
      `${ref.name} v${ref.version}`,
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attachPage(panel, ref);
  }

  /** Shows the comparison of `refs`, reusing the comparison panel when it is open. */
  async showCompare(refs: VersionRef[]): Promise<void> {
    const title = `Compare ${refs.length} model versions`;
    if (this.compare) {
      this.compare.panel.title = title;
      this.compare.panel.reveal();
      await this.compare.presenter.show(refs);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      MODEL_COMPARE_VIEW_TYPE,
      title,
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attachCompare(panel, refs);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private host(panel: vscode.WebviewPanel): ModelViewHost {
    return {
      post: (message) => void panel.webview.postMessage(message),
      log: (message) => this.actions.log(message),
      openRun: (runId) => this.actions.openRun(runId),
      openVersion: (ref) => this.showVersion(ref),
      copy: (text) =>
        void vscode.env.clipboard
          .writeText(text)
          .then(() => vscode.window.setStatusBarMessage('Sextant: copied the load snippet', 3000)),
      saveFile: (fileName, content) => this.actions.saveFile(fileName, content),
    };
  }

  private attachPage(panel: vscode.WebviewPanel, ref: VersionRef): void {
    const presenter = new ModelVersionPresenter(ref, this.api, this.host(panel));
    this.pages.set(key(ref), { panel, presenter });
    this.mount(panel, 'modelVersion', presenter, () => {
      if (this.pages.get(key(ref))?.panel === panel) this.pages.delete(key(ref));
    });
  }

  private attachCompare(panel: vscode.WebviewPanel, refs: VersionRef[]): void {
    const presenter = new ModelComparePresenter(refs, this.api, this.host(panel));
    this.compare = { panel, presenter };
    this.mount(panel, 'modelCompare', presenter, () => {
      if (this.compare?.panel === panel) this.compare = undefined;
    });
  }

  private mount(
    panel: vscode.WebviewPanel,
    view: 'modelVersion' | 'modelCompare',
    presenter: ModelVersionPresenter | ModelComparePresenter,
    closed: () => void,
  ): void {
    const webview = panel.webview;
    webview.options = this.options();
    const asset = (name: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, name)).toString();
    webview.html = viewHtml(
      view,
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
        closed();
      }),
    ];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.compare?.panel.dispose();
    for (const { panel } of this.pages.values()) panel.dispose();
  }
}
