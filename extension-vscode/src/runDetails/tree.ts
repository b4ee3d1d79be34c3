/**
 * The Run Details tree: the run selected in the Experiments tree, kept live; its artifact folders
 * are listed when they expand, and a click on an artifact file opens it.
 */
import {
  ArtifactsListRequest,
  MetricsAppendedNotification,
  RunsChangedNotification,
  RunsGetRequest,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { LiveTree } from '../vscode/liveTree';
import { artifactNodes, detailContextValue, runDetailSections, type DetailNode } from './model';

/** Supplies the Run Details tree for one run at a time. */
export class RunDetailsTree extends LiveTree<DetailNode> {
  private runId: string | undefined;

  constructor(private readonly api: SextantApi) {
    super();
    const touched = (runId: string): void => {
      if (runId !== this.runId) return;
      this.debounce(250, () => this.changed.fire(undefined));
    };
    this.subscriptions.push(
      api.onNotification(RunsChangedNotification, ({ run }) => touched(run.runId)),
      api.onNotification(MetricsAppendedNotification, ({ runId }) => touched(runId)),
      api.onServerInfo(() => this.changed.fire(undefined)),
      api.onServerStopped(() => this.changed.fire(undefined)),
    );
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
        : node.artifact?.isDir
          ? vscode.TreeItemCollapsibleState.Collapsed
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
    item.contextValue = detailContextValue(node);
    if (node.artifact && !node.artifact.isDir) {
      item.command = { command: 'sextant.openArtifact', title: 'Open Artifact', arguments: [node] };
    }
    return item;
  }

  async getChildren(node?: DetailNode): Promise<DetailNode[]> {
    if (node?.artifact?.isDir) {
      const { runId, path } = node.artifact;
      try {
        return artifactNodes(
          runId,
          (await this.api.request(ArtifactsListRequest, { runId, path })).files,
        );
      } catch (error) {
        return [{ label: `Sextant: ${errorMessage(error)}`, icon: { id: 'error' } }];
      }
    }
    if (node) return node.children ?? [];
    if (!this.runId || this.api.state === 'stopped') return [];
    try {
      const [run, artifacts] = await Promise.all([
        this.api.request(RunsGetRequest, { runId: this.runId }),
        this.api.request(ArtifactsListRequest, { runId: this.runId }),
      ]);
      return runDetailSections(run, artifacts.files, Date.now());
    } catch (error) {
      return [{ label: `Sextant: ${errorMessage(error)}`, icon: { id: 'error' } }];
    }
  }
}
