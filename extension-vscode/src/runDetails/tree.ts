/** The Run Details tree: the run selected in the Experiments tree, kept live. */
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { runDetailSections, type DetailNode } from './model';

/** Supplies the Run Details tree for one run at a time. */
export class RunDetailsTree implements vscode.TreeDataProvider<DetailNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DetailNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private runId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: { dispose(): void }[];

  constructor(private readonly api: SextantApi) {
    const touched = (runId: string): void => {
      if (runId !== this.runId) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.changed.fire(undefined), 250);
    };
    this.subscriptions = [
      api.onRunsChanged(({ run }) => touched(run.runId)),
      api.onMetricsAppended(({ runId }) => touched(runId)),
    ];
  }

  /** The run shown, if any. */
  get shownRunId(): string | undefined {
    return this.runId;
  }

  /** Shows another run. */
  show(runId: string | undefined): void {
    this.runId = runId;
    this.changed.fire(undefined);
  }

  getTreeItem(node: DetailNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.children
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.None,
    );
    item.description = node.description;
    item.tooltip =
      node.tooltip ?? (node.description ? `${node.label}: ${node.description}` : undefined);
    if (node.icon) {
      item.iconPath = new vscode.ThemeIcon(
        node.icon.id,
        node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined,
      );
    }
    item.contextValue = node.copyValue !== undefined ? 'detail.copyable' : 'detail';
    return item;
  }

  async getChildren(node?: DetailNode): Promise<DetailNode[]> {
    if (node) return node.children ?? [];
    if (!this.runId) return [];
    try {
      const [run, artifacts] = await Promise.all([
        this.api.getRun(this.runId),
        this.api.listArtifacts({ runId: this.runId }),
      ]);
      return runDetailSections(run, artifacts.files, Date.now());
    } catch (error) {
      return [{ label: `Sextant: ${errorMessage(error)}`, icon: { id: 'error' } }];
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
