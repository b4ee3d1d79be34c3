/**
 * The Experiments tree: experiments, then their runs one page at a time, kept live; child runs
 * nest under their parent (from the same page, and all of them from a search when it expands).
 */
import {
  ExperimentsChangedNotification,
  ExperimentsListRequest,
  MetricsAppendedNotification,
  RunsChangedNotification,
  RunsSearchRequest,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { bestCriterion, bestLabel, findBestRun, shownMetricKey } from '@sextant/media/runs/best';
import type {
  Experiment,
  MetricsAppendedParams,
  RunsChangedParams,
  RunSummary,
  ViewType,
} from '@sextant/language-server/protocol';
import { errorMessage, type SextantApi } from '../api';
import { LiveTree } from '../vscode/liveTree';
import { toTreeItem } from '../vscode/treeItem';
import {
  childRunsFilter,
  emptyExperimentNodes,
  emptyStoreNodes,
  experimentItem,
  moreItem,
  nestRuns,
  RUN_ORDERS,
  runItem,
  withLatestMetrics,
  type ExperimentsNode,
} from './model';

export type { ExperimentsNode } from './model';

/** Runs of one experiment loaded so far. */
interface RunPages {
  runs: RunSummary[];
  nextPageToken?: string;
}

/** Runs per page of the tree. */
const PAGE_SIZE = 100;
/** Most children of one run listed when it expands. */
const CHILDREN_PAGE_SIZE = 1000;

/** Supplies the Experiments tree from the language server. */
export class ExperimentsTree extends LiveTree<ExperimentsNode> {
  private readonly pages = new Map<string, RunPages>();
  private readonly runNodes = new Map<string, ExperimentsNode & { kind: 'run' }>();
  private readonly pendingExperiments = new Set<string>();
  /** Children of a run by its id, as the search on expanding it found them. */
  private readonly childRuns = new Map<string, RunSummary[]>();
  /** Children of a run by its id, from the loaded pages. */
  private pageChildren = new Map<string, RunSummary[]>();
  /** The best run of each experiment whose runs were listed (by the sort metric or key metric). */
  private readonly bestRuns = new Map<string, { runId: string; label: string }>();

  /** The experiment new runs go to; shown expanded. */
  activeExperimentId: string | undefined;
  /** MLflow filter applied to runs. */
  filter: string | undefined;
  orderBy: string[] = RUN_ORDERS[0]!.orderBy;
  showDeleted = false;

  constructor(
    private readonly api: SextantApi,
    private readonly keyMetric: () => string | undefined,
  ) {
    super();
    this.subscriptions.push(
      api.onNotification(RunsChangedNotification, (event) => this.runChanged(event)),
      api.onNotification(MetricsAppendedNotification, (event) => this.metricsAppended(event)),
      api.onNotification(ExperimentsChangedNotification, () => this.refresh()),
      api.onServerInfo(() => this.refresh()),
      api.onServerStopped(() => this.refresh()),
    );
  }

  /** Forgets every loaded page and reloads the tree. */
  refresh(): void {
    this.pages.clear();
    this.runNodes.clear();
    this.childRuns.clear();
    this.bestRuns.clear();
    this.pageChildren = new Map();
    this.changed.fire(undefined);
  }

  private runChanged({ run }: RunsChangedParams): void {
    const node = this.runNodes.get(run.runId);
    const hidden = run.lifecycleStage === 'deleted' && !this.showDeleted;
    if (node && !hidden) {
      node.run = run;
      const page = this.pages.get(run.experimentId);
      if (page) page.runs = page.runs.map((r) => (r.runId === run.runId ? run : r));
      const siblings = run.parentRunId ? this.childRuns.get(run.parentRunId) : undefined;
      if (siblings) {
        this.childRuns.set(
          run.parentRunId!,
          siblings.map((r) => (r.runId === run.runId ? run : r)),
        );
      }
      this.changed.fire(node);
      return;
    }
    this.pendingExperiments.add(run.experimentId);
    if (run.parentRunId) this.childRuns.delete(run.parentRunId);
    this.debounce(200, () => {
      for (const id of this.pendingExperiments) this.pages.delete(id);
      this.pendingExperiments.clear();
      this.changed.fire(undefined);
    });
  }

  private metricsAppended({ runId, latest }: MetricsAppendedParams): void {
    const node = this.runNodes.get(runId);
    if (!node) return;
    node.run = withLatestMetrics(node.run, latest);
    this.changed.fire(node);
  }

  getTreeItem(node: ExperimentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment':
        return toTreeItem(
          experimentItem(node.experiment, node.experiment.experimentId === this.activeExperimentId),
        );
      case 'run': {
        const found = this.bestRuns.get(node.run.experimentId);
        const best = found?.runId === node.run.runId ? found.label : undefined;
        return toTreeItem(
          runItem(node.run, {
            keyMetric: this.keyMetric(),
            now: Date.now(),
            hasChildren: node.hasChildren,
            best,
          }),
          {
            command: 'sextant.showRunDetails',
            title: 'Show Run Details',
            arguments: [node],
          },
        );
      }
      case 'more': {
        const loaded = this.pages.get(node.experimentId)?.runs.length ?? 0;
        return toTreeItem(moreItem(node.experimentId, loaded), {
          command: 'sextant.loadMoreRuns',
          title: 'Load More Runs',
          arguments: [node.experimentId],
        });
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon(node.icon ?? 'info');
        if (node.tooltip) item.tooltip = node.tooltip;
        if (node.command) {
          item.command = { command: node.command, title: node.text, arguments: node.arguments };
        }
        return item;
      }
    }
  }

  async getChildren(node?: ExperimentsNode): Promise<ExperimentsNode[]> {
    try {
      if (!node) return await this.experiments();
      if (node.kind === 'experiment') return await this.runs(node.experiment);
      if (node.kind === 'run' && node.hasChildren) return await this.children(node.run);
      return [];
    } catch (error) {
      return [{ kind: 'message', text: `Sextant: ${errorMessage(error)}` }];
    }
  }

  private get viewType(): ViewType {
    return this.showDeleted ? 'ALL' : 'ACTIVE_ONLY';
  }

  private async experiments(): Promise<ExperimentsNode[]> {
    if (this.api.state === 'stopped') {
      return [
        {
          kind: 'message',
          text: 'Tracking server stopped: click to start it',
          command: 'sextant.startServer',
        },
      ];
    }
    if (!this.api.info) return [{ kind: 'message', text: 'Starting the Sextant server…' }];
    const experiments: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.request(ExperimentsListRequest, {
        pageToken,
        orderBy: ['name ASC'],
        viewType: this.viewType,
      });
      experiments.push(...page.experiments);
      pageToken = page.nextPageToken;
    } while (pageToken);
    if (experiments.length === 0) return emptyStoreNodes(this.api.info.trackingUri);
    const active = experiments.filter((e) => e.lifecycleStage !== 'deleted');
    if (active.length > 0 && !active.some((e) => e.experimentId === this.activeExperimentId)) {
      this.activeExperimentId = active[0]!.experimentId;
    }
    return experiments.map((experiment) => ({ kind: 'experiment', experiment }));
  }

  private async runs(experiment: Experiment): Promise<ExperimentsNode[]> {
    const { experimentId } = experiment;
    let pages = this.pages.get(experimentId);
    if (!pages) {
      pages = await this.fetchPage(experimentId, undefined);
      this.pages.set(experimentId, pages);
      await this.findBest(experimentId, pages.runs);
    }
    const nested = nestRuns(pages.runs);
    for (const [parentId, runs] of nested.children) this.pageChildren.set(parentId, runs);
    const nodes: ExperimentsNode[] = nested.roots.map((run) => this.runNode(run));
    if (pages.nextPageToken) nodes.push({ kind: 'more', experimentId });
    if (nodes.length === 0) {
      if (this.filter) nodes.push({ kind: 'message', text: 'No run matches the filter.' });
      else nodes.push(...emptyExperimentNodes(experiment.name, this.api.info?.trackingUri));
    }
    return nodes;
  }

  /** Finds the experiment's best run; the tree shows none when it cannot be found. */
  private async findBest(experimentId: string, runs: readonly RunSummary[]): Promise<void> {
    const criterion = bestCriterion(this.orderBy, this.keyMetric() || shownMetricKey(runs));
    this.bestRuns.delete(experimentId);
    if (!criterion) return;
    try {
      const runId = await findBestRun(this.api, experimentId, criterion, this.filter);
      if (runId) this.bestRuns.set(experimentId, { runId, label: bestLabel(criterion) });
    } catch {
      // A filter the server refuses already shows as the tree's message.
    }
  }

  private runNode(run: RunSummary): ExperimentsNode & { kind: 'run' } {
    const node = { kind: 'run' as const, run, hasChildren: this.pageChildren.has(run.runId) };
    this.runNodes.set(run.runId, node);
    return node;
  }

  /** The children of a run: every one a search finds, else those of the loaded pages. */
  private async children(parent: RunSummary): Promise<ExperimentsNode[]> {
    let runs = this.childRuns.get(parent.runId);
    if (!runs) {
      const result = await this.api.request(RunsSearchRequest, {
        experimentIds: [parent.experimentId],
        filter: childRunsFilter(parent.runId, this.filter),
        orderBy: this.orderBy,
        viewType: this.viewType,
        maxResults: CHILDREN_PAGE_SIZE,
      });
      const fromPage = this.pageChildren.get(parent.runId) ?? [];
      const found = new Set(result.runs.map((r) => r.runId));
      runs = [...result.runs, ...fromPage.filter((r) => !found.has(r.runId))];
      this.childRuns.set(parent.runId, runs);
    }
    return runs.map((run) => this.runNode(run));
  }

  private async fetchPage(experimentId: string, pageToken: string | undefined): Promise<RunPages> {
    const result = await this.api.request(RunsSearchRequest, {
      experimentIds: [experimentId],
      filter: this.filter,
      orderBy: this.orderBy,
      viewType: this.viewType,
      maxResults: PAGE_SIZE,
      pageToken,
    });
    return { runs: result.runs, nextPageToken: result.nextPageToken };
  }

  /** Every run loaded so far, of every experiment. */
  loadedRuns(): RunSummary[] {
    return [...this.pages.values()].flatMap((p) => p.runs);
  }

  /** Appends the next page of an experiment's runs. */
  async loadMore(experimentId: string): Promise<void> {
    const pages = this.pages.get(experimentId);
    if (!pages?.nextPageToken) return;
    const next = await this.fetchPage(experimentId, pages.nextPageToken);
    this.pages.set(experimentId, {
      runs: [...pages.runs, ...next.runs],
      nextPageToken: next.nextPageToken,
    });
    this.changed.fire(undefined);
  }
}
