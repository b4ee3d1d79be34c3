/** The Models tree: registered models (filtered by a name search, paged) and their versions, live. */
import {
  RegistryChangedNotification,
  RegistryListRequest,
  RegistryModelRequest,
  type ModelVersionSummary,
  type RegisteredModelSummary,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { LiveTree } from '../vscode/liveTree';
import { toTreeItem } from '../vscode/treeItem';
import { modelItem, versionItem, type ModelsNode } from './model';

export type { ModelsNode } from './model';

/** Models per page of the tree. */
const PAGE_SIZE = 100;

/** Supplies the Models tree from the language server. */
export class ModelsTree extends LiveTree<ModelsNode> {
  private models: RegisteredModelSummary[] | undefined;
  private nextPageToken: string | undefined;
  private readonly modelNodes = new Map<string, ModelsNode & { kind: 'model' }>();
  private readonly versionsOf = new Map<string, ModelVersionSummary[]>();
  private searchText = '';

  constructor(private readonly api: SextantApi) {
    super();
    this.subscriptions.push(
      api.onNotification(RegistryChangedNotification, (change) => {
        const node = this.modelNodes.get(change.name);
        if (node && change.previousName === undefined) {
          this.versionsOf.delete(change.name);
          void this.reloadModel(node);
        } else {
          this.refresh();
        }
      }),
      api.onServerInfo(() => this.refresh()),
      api.onServerStopped(() => this.refresh()),
    );
  }

  /** The name part the tree is filtered by; empty for every model. */
  get search(): string {
    return this.searchText;
  }

  set search(text: string) {
    this.searchText = text.trim();
    this.refresh();
  }

  /** The models listed so far and the versions loaded, for tests and commands. */
  get listed(): {
    models: readonly RegisteredModelSummary[];
    versions: ReadonlyMap<string, ModelVersionSummary[]>;
  } {
    return { models: this.models ?? [], versions: this.versionsOf };
  }

  /** Reloads the whole tree (soon, once, however often it is asked). */
  refresh(): void {
    this.debounce(150, () => {
      this.models = undefined;
      this.nextPageToken = undefined;
      this.modelNodes.clear();
      this.versionsOf.clear();
      this.changed.fire(undefined);
    });
  }

  /** The versions of a model (loaded if need be), newest first. */
  async versions(name: string): Promise<ModelVersionSummary[]> {
    let versions = this.versionsOf.get(name);
    if (!versions) {
      versions = (await this.api.request(RegistryModelRequest, { name })).versions;
      this.versionsOf.set(name, versions);
    }
    return versions;
  }

  private async reloadModel(node: ModelsNode & { kind: 'model' }): Promise<void> {
    try {
      const result = await this.api.request(RegistryModelRequest, { name: node.model.name });
      node.model = result.model;
      this.versionsOf.set(result.model.name, result.versions);
      this.changed.fire(node);
    } catch {
      this.refresh();
    }
  }

  getTreeItem(node: ModelsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'model':
        return toTreeItem(modelItem(node.model));
      case 'version':
        return toTreeItem(versionItem(node.version));
      case 'more': {
        const item = new vscode.TreeItem('Load more models…');
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'sextant.loadMoreModels', title: 'Load More Models' };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.tooltip = node.tooltip ?? node.text;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  /** Lists the next page of models. */
  async loadMore(): Promise<void> {
    if (!this.nextPageToken || !this.models) return;
    const page = await this.api.request(RegistryListRequest, {
      ...(this.searchText ? { search: this.searchText } : {}),
      maxResults: PAGE_SIZE,
      pageToken: this.nextPageToken,
    });
    this.models = [...this.models, ...page.models];
    this.nextPageToken = page.nextPageToken;
    this.changed.fire(undefined);
  }

  async getChildren(node?: ModelsNode): Promise<ModelsNode[]> {
    try {
      if (!node) return await this.rootNodes();
      if (node.kind === 'model') {
        const versions = await this.versions(node.model.name);
        if (versions.length === 0) return [{ kind: 'message', text: 'No versions yet.' }];
        return versions.map((version) => ({ kind: 'version', version }));
      }
      return [];
    } catch (error) {
      return [{ kind: 'message', text: `Sextant: ${errorMessage(error)}` }];
    }
  }

  private async rootNodes(): Promise<ModelsNode[]> {
    if (!this.api.info) {
      const text =
        this.api.state === 'stopped'
          ? 'The Sextant server is stopped.'
          : 'Starting the Sextant server…';
      return [{ kind: 'message', text }];
    }
    if (!this.models) {
      const page = await this.api.request(RegistryListRequest, {
        ...(this.searchText ? { search: this.searchText } : {}),
        maxResults: PAGE_SIZE,
      });
      this.models = page.models;
      this.nextPageToken = page.nextPageToken;
    }
    if (this.models.length === 0) {
      return [
        this.searchText
          ? { kind: 'message', text: `No model name holds '${this.searchText}'.` }
          : {
              kind: 'message',
              text: 'No registered models yet',
              tooltip:
                'Register a model from a run in Experiments (right-click → Register Model…).',
            },
      ];
    }
    const nodes: ModelsNode[] = this.models.map((model) => {
      const node = { kind: 'model' as const, model };
      this.modelNodes.set(model.name, node);
      return node;
    });
    if (this.nextPageToken) nodes.push({ kind: 'more', pageToken: this.nextPageToken });
    return nodes;
  }
}
