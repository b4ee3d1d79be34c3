/** The Deployments tree: every deployment with its status, split and live figures, and its variants. */
import {
  OnlineListRequest,
  ServingChangedNotification,
  ServingListRequest,
  type ServingDeploymentSummary,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { LiveTree } from '../vscode/liveTree';
import { toTreeItem } from '../vscode/treeItem';
import { deploymentItem, variantItem, variantNodes, type DeploymentsNode } from './model';

export type { DeploymentsNode } from './model';

/** How often the live figures of running deployments are refreshed while the view shows, in ms. */
const LIVE_REFRESH_MS = 3000;

/** Supplies the Deployments tree from the language server. */
export class DeploymentsTree extends LiveTree<DeploymentsNode> {
  private deployments: ServingDeploymentSummary[] | undefined;
  /** The deployments started with an online experiment. */
  private experiments = new Set<string>();
  private file: string | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  private visible = false;

  constructor(private readonly api: SextantApi) {
    super();
    this.subscriptions.push(
      api.onNotification(ServingChangedNotification, () => this.refresh()),
      api.onServerInfo(() => this.refresh()),
      api.onServerStopped(() => this.refresh()),
    );
  }

  /** The deployments listed last, for commands and tests. */
  get listed(): readonly ServingDeploymentSummary[] {
    return this.deployments ?? [];
  }

  /** Whether a listed deployment was started with an online experiment. */
  hasExperiment(name: string): boolean {
    return this.experiments.has(name);
  }

  /** The file that declares deployments, once listed. */
  get declaringFile(): string | undefined {
    return this.file;
  }

  /** Whether the view shows: live figures refresh only then. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.scheduleLive();
  }

  /** Reloads the whole tree (soon, once, however often it is asked). */
  refresh(): void {
    this.debounce(150, () => {
      this.deployments = undefined;
      this.changed.fire(undefined);
    });
  }

  private scheduleLive(): void {
    const running = this.deployments?.some((d) => d.status === 'running') ?? false;
    if (this.visible && running && !this.liveTimer) {
      this.liveTimer = setInterval(() => this.refresh(), LIVE_REFRESH_MS);
    } else if ((!this.visible || !running) && this.liveTimer) {
      clearInterval(this.liveTimer);
      this.liveTimer = undefined;
    }
  }

  getTreeItem(node: DeploymentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'deployment': {
        const item = toTreeItem(deploymentItem(node.deployment, node.experiment), {
          command: 'sextant.deployments.openDashboard',
          title: 'Open Dashboard',
          arguments: [{ name: node.deployment.name }],
        });
        return item;
      }
      case 'variant':
        return toTreeItem(variantItem(node.deployment, node.variant, node.share));
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.tooltip = node.tooltip ?? node.text;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  async getChildren(node?: DeploymentsNode): Promise<DeploymentsNode[]> {
    try {
      if (!node) return await this.rootNodes();
      if (node.kind === 'deployment') return variantNodes(node.deployment);
      return [];
    } catch (error) {
      return [{ kind: 'message', text: `Sextant: ${errorMessage(error)}` }];
    }
  }

  private async rootNodes(): Promise<DeploymentsNode[]> {
    if (!this.api.info) {
      const text =
        this.api.state === 'stopped'
          ? 'The Sextant server is stopped.'
          : 'Starting the Sextant server…';
      return [{ kind: 'message', text }];
    }
    if (!this.deployments) {
      const [result, online] = await Promise.all([
        this.api.request(ServingListRequest),
        this.api.request(OnlineListRequest).catch(() => ({ experiments: [] })),
      ]);
      this.experiments = new Set(online.experiments.map((e) => e.deployment));
      this.deployments = result.deployments;
      this.file = result.file;
      this.scheduleLive();
    }
    if (this.deployments.length === 0) {
      return [
        {
          kind: 'message',
          text: 'No deployments yet',
          tooltip:
            "Deploy a registered version from the Models view (right-click → Deploy…), or declare one under 'deployments:' in sextant.yaml.",
        },
      ];
    }
    return this.deployments.map((deployment) => ({
      kind: 'deployment',
      deployment,
      experiment: this.experiments.has(deployment.name),
    }));
  }

  override dispose(): void {
    if (this.liveTimer) clearInterval(this.liveTimer);
    super.dispose();
  }
}
