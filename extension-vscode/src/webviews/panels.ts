/** Webview panels for the `media` views: one comparison panel, one panel per opened run. */
import { RunsGetRequest } from '@sextant/language-server/protocol';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { ComparePresenter, restoredComparison } from '@sextant/media/presenters/compare';
import { RunPresenter, restoredRun } from '@sextant/media/presenters/run';
import type { RunsViewHost } from '@sextant/media/presenters/runs';
import type { SextantApi } from '../api';
import { makeNonce, viewHtml } from './html';

/** Which view and which runs. */
type ViewSubject = { view: 'compare'; runIds: string[] } | { view: 'run'; runId: string };

/** The subject of a view restored after a reload, from the state the view saved. */
function restoredSubject(view: 'compare' | 'run', state: unknown): ViewSubject | undefined {
  if (view === 'compare') {
    const runIds = restoredComparison(state);
    return runIds && { view, runIds };
  }
  const runId = restoredRun(state);
  return runId === undefined ? undefined : { view, runId };
}

/** Webview type of the comparison panel (also its serializer's). */
export const COMPARE_VIEW_TYPE = 'sextant.compare';
/** Webview type of run panels. */
export const RUN_VIEW_TYPE = 'sextant.run';

/** Opens, reuses and restores the views' panels. */
export class Panels implements vscode.Disposable {
  private compare: { panel: vscode.WebviewPanel; presenter: ComparePresenter } | undefined;
  private readonly runs = new Map<
    string,
    { panel: vscode.WebviewPanel; presenter: RunPresenter }
  >();
  private readonly assetsRoot: vscode.Uri;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly api: SextantApi,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(context.extensionUri, 'out', 'media');
    const restore = (view: 'compare' | 'run'): vscode.WebviewPanelSerializer => ({
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const subject = restoredSubject(view, state);
        if (!subject) {
          panel.dispose();
          return;
        }
        this.attach(panel, subject);
      },
    });
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, restore('compare')),
      vscode.window.registerWebviewPanelSerializer(RUN_VIEW_TYPE, restore('run')),
    );
  }

  /** Shows the comparison of `runIds`, reusing the comparison panel when it is open. */
  async showCompare(runIds: string[]): Promise<void> {
    const subject: ViewSubject = { view: 'compare', runIds };
    if (this.compare) {
      this.compare.panel.title = this.title(subject);
      this.compare.panel.reveal();
      await this.compare.presenter.show(runIds);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      this.title(subject),
      vscode.ViewColumn.Active,
      this.options(),
    );
    this.attach(panel, subject);
  }

  /** Shows one run in its own panel; with `artifactPath`, previews that artifact in it. */
  showRun(runId: string, runName?: string, artifactPath?: string): void {
    const existing = this.runs.get(runId);
    if (existing) {
      existing.panel.reveal();
      if (artifactPath !== undefined) existing.presenter.reveal(artifactPath);
      return;
    }
    const subject: ViewSubject = { view: 'run', runId };
    const panel = vscode.window.createWebviewPanel(
      RUN_VIEW_TYPE,
      this.title(subject, runName),
      vscode.ViewColumn.Active,
      this.options(),
    );
    const presenter = this.attach(panel, subject) as RunPresenter;
    if (artifactPath !== undefined) presenter.reveal(artifactPath);
    if (runName === undefined) {
      void this.api.request(RunsGetRequest, { runId: runId }).then(
        (run) => (panel.title = this.title(subject, run.info.runName)),
        () => undefined,
      );
    }
  }

  private title(subject: ViewSubject, runName?: string): string {
    return subject.view === 'compare'
      ? `Compare ${subject.runIds.length} runs`
      : `Run ${runName ?? subject.runId.slice(0, 8)}`;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [this.assetsRoot],
    };
  }

  private attach(
    panel: vscode.WebviewPanel,
    subject: ViewSubject,
  ): RunPresenter | ComparePresenter {
    const webview = panel.webview;
    webview.options = this.options();
    const host: RunsViewHost = {
      post: (message) => void webview.postMessage(message),
      log: (message) => this.output.warn(message),
      openRun: (runId) => this.showRun(runId),
      saveFile: (fileName, content) => void this.save(fileName, content),
      budget: () =>
        vscode.workspace.getConfiguration('sextant').get<number>('chartPointBudget') ?? 1000,
    };
    const presenter =
      subject.view === 'compare'
        ? new ComparePresenter(subject.runIds, this.api, host)
        : new RunPresenter(subject.runId, this.api, {
            ...host,
            downloadArtifact: (runId, path) =>
              void vscode.commands.executeCommand('sextant.downloadArtifact', { runId, path }),
            registerModel: (runId, source) =>
              void vscode.commands.executeCommand('sextant.registerModel', { runId, source }),
          });
    const asset = (name: string): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, name)).toString();
    const nonce = makeNonce((size) => randomBytes(size));
    webview.html = viewHtml(
      subject.view,
      panel.title,
      {
        cspSource: webview.cspSource,
        script: asset('views.js'),
        style: asset('views.css'),
      },
      nonce,
    );
    const subscriptions = [
      webview.onDidReceiveMessage((message: unknown) => void presenter.receive(message)),
      panel.onDidDispose(() => {
        presenter.dispose();
        for (const s of subscriptions) s.dispose();
        if (this.compare?.panel === panel) this.compare = undefined;
        for (const id of presenter.runIds) {
          if (this.runs.get(id)?.panel === panel) this.runs.delete(id);
        }
      }),
    ];
    if (presenter instanceof ComparePresenter) this.compare = { panel, presenter };
    else this.runs.set(presenter.runId, { panel, presenter });
    return presenter;
  }

  /** Saves text (a CSV export) to a file the user picks. */
  async save(fileName: string, content: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: { CSV: ['csv'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
    void vscode.window.showInformationMessage(
      `Sextant: saved ${vscode.workspace.asRelativePath(target)}`,
    );
  }

  dispose(): void {
    this.compare?.panel.dispose();
    for (const { panel } of this.runs.values()) panel.dispose();
  }
}
