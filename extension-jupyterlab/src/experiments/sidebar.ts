/**
 * The Sextant sidebar: experiments and their runs (newest first, a page at a time), live from the
 * server's notifications. Clicking a run opens it; ticking runs and "Compare" opens the
 * comparison; a filter box (MLflow search syntax, a refused filter said once under it) and a sort
 * (start time, name, or any metric either way) apply to every experiment's runs; each
 * experiment's best run is starred; the bin button shows deleted experiments and runs (their
 * context menu restores them); an empty store or experiment shows a snippet that logs to the
 * running server. Same data and behaviour as VS Code's Experiments tree; the context menus are
 * the plugins' commands.
 */
import {
  ExperimentsChangedNotification,
  ExperimentsListRequest,
  MetricsAppendedNotification,
  PipelinesChangedNotification,
  PipelinesListRequest,
  RunsChangedNotification,
  RunsSearchRequest,
  type Experiment,
  type PipelineFileSummary,
  type RunSummary,
} from '@sextant/language-server/protocol';
import { deleteIcon, refreshIcon } from '@jupyterlab/ui-components';
import { Signal, type ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { Debouncer } from '../views/debounce.js';
import type { ISextantConnection, ISextantSidebar } from '../tokens.js';
import {
  nestRuns,
  upsertRun,
  withLatestMetrics,
  type NestedRuns,
} from '@sextant/media/runs/nesting';
import {
  bestCriterion,
  bestLabel,
  findBestRun,
  shownMetricKey,
  type BestCriterion,
} from '@sextant/media/runs/best';
import { loggingSnippet } from '@sextant/media/runs/snippet';
import { el } from '../dom.js';
import { runDescription, runTooltip } from './model.js';
import { filterSuggestion, withSuggestion } from '@sextant/media/runs/filterHint';
import { metricKeysOf, runOrders, RUN_ORDERS, type RunOrder } from '@sextant/media/runs/orders';

const PAGE = 100;

interface RunPages {
  runs: RunSummary[];
  nextPageToken?: string;
}

/** What the sidebar asks of its host. */
export interface SidebarHost {
  openRun(runId: string): void;
  compare(runIds: string[]): void;
  openPipeline(file: string, pipeline: string): void;
  /** Opens the runs table of some experiments. */
  openRunsTable?(experimentIds: string[]): void;
}

/** A pipeline file's path as the sidebar shows it: relative to the workspace root when inside. */
function shownPath(file: string, storeDir: string | undefined): string {
  const root = storeDir?.replace(/\/\.sextant\/?$/, '');
  return root && file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}

/** A row's name (the button that opens it) over its description, both cut to the width. */
function label(name: HTMLButtonElement, description: string): HTMLSpanElement {
  const node = el('span', 'jp-SextantTree-label');
  node.append(name, el('span', 'jp-SextantTree-description', description));
  return node;
}

/** The sidebar widget. */
export class ExperimentsSidebar extends Widget implements ISextantSidebar {
  private experiments: Experiment[] = [];
  private readonly pages = new Map<string, RunPages>();
  private readonly collapsed = new Set<string>();
  /** Parent runs whose children are shown. */
  private readonly expandedRuns = new Set<string>();
  private readonly selected: string[] = [];
  /** The best run of each experiment whose runs are loaded, and by what. */
  private readonly bestRuns = new Map<string, { runId: string; criterion: BestCriterion }>();
  private showDeleted = false;
  private readonly deletedButton = el('button', 'jp-SextantSidebar-deleted');
  private readonly list = el('ul', 'jp-SextantTree');
  private pipelineFiles: PipelineFileSummary[] | Error = [];
  private readonly pipelineList = el('ul', 'jp-SextantTree jp-SextantPipelines');
  private readonly pipelinesHeading = el('h3', 'jp-SextantSidebar-section', 'Pipelines');
  private readonly reloadPipelines = new Debouncer(() => void this.refreshPipelines(), 300);
  private readonly status = el('div', 'jp-SextantSidebar-status');
  private readonly compareButton = el('button', 'jp-SextantSidebar-compare', 'Compare');
  private readonly reloadExperiments = new Debouncer(() => void this.refresh(), 200);
  private readonly redraw = new Debouncer(() => this.render(), 50);
  private readonly _selectionChanged = new Signal<this, string[]>(this);
  private readonly filterInput = el('input', 'jp-SextantSidebar-filter');
  private readonly filterError = el('div', 'jp-SextantSidebar-filterError');
  private readonly sortSelect = el('select', 'jp-SextantSidebar-sort');
  private orders: RunOrder[] = [...RUN_ORDERS];
  /** The MLflow filter applied to every experiment's runs. */
  private filter: string | undefined;
  private order: RunOrder = RUN_ORDERS[0]!;

  constructor(
    private readonly connection: ISextantConnection,
    private readonly host: SidebarHost,
  ) {
    super();
    this.id = 'sextant-sidebar';
    this.addClass('jp-SextantSidebar');
    this.title.caption = 'Sextant: experiments and runs';
    const refreshButton = el('button', 'jp-SextantSidebar-refresh');
    refreshButton.append(refreshIcon.element({ tag: 'span', width: '14px', height: '14px' }));
    refreshButton.title = 'Refresh: reload experiments, runs and pipelines';
    refreshButton.setAttribute('aria-label', 'Refresh');
    refreshButton.addEventListener('click', () => void this.refresh());
    this.compareButton.title = 'Compare the ticked runs';
    this.compareButton.addEventListener('click', () => this.compareSelected());
    this.deletedButton.append(deleteIcon.element({ tag: 'span', width: '14px', height: '14px' }));
    this.deletedButton.title = 'Show or hide deleted experiments and runs (right-click to restore)';
    this.deletedButton.setAttribute('aria-label', 'Show deleted experiments and runs');
    this.deletedButton.setAttribute('aria-pressed', 'false');
    this.deletedButton.addEventListener('click', () => {
      this.showDeleted = !this.showDeleted;
      this.deletedButton.setAttribute('aria-pressed', String(this.showDeleted));
      void this.refresh();
    });
    const header = el('header', 'jp-SextantSidebar-header');
    header.append(el('h2', '', 'Sextant'), refreshButton, this.deletedButton, this.compareButton);
    this.node.append(
      header,
      this.tools(),
      this.filterError,
      this.status,
      el('h3', 'jp-SextantSidebar-section', 'Experiments'),
      this.list,
      this.pipelinesHeading,
      this.pipelineList,
    );
    this.updateStatus();
    connection.stateChanged.connect(() => this.updateStatus());
    connection.restarted.connect(() => void this.refresh());
    const subscriptions = [
      connection.onNotification(RunsChangedNotification, ({ run }) => this.runChanged(run)),
      connection.onNotification(MetricsAppendedNotification, ({ runId, latest }) => {
        for (const page of this.pages.values()) {
          page.runs = page.runs.map((r) => (r.runId === runId ? withLatestMetrics(r, latest) : r));
        }
        this.redraw.schedule();
      }),
      connection.onNotification(ExperimentsChangedNotification, () =>
        this.reloadExperiments.schedule(),
      ),
      connection.onNotification(PipelinesChangedNotification, () =>
        this.reloadPipelines.schedule(),
      ),
    ];
    this.disposed.connect(() => subscriptions.forEach((s) => s.dispose()));
    if (connection.state === 'ready') void this.refresh();
  }

  /** The filter box and the sort picker. */
  private tools(): HTMLElement {
    const filter = this.filterInput;
    filter.type = 'search';
    filter.placeholder = "Filter runs: metrics.loss < 0.1 and params.lr = '0.01'";
    filter.setAttribute('aria-label', 'Filter runs (MLflow search syntax), Enter to apply');
    filter.title = 'MLflow search syntax; Enter applies it, an empty box shows every run';
    filter.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.setFilter(filter.value);
      else if (event.key === 'Escape') {
        filter.value = '';
        this.setFilter('');
      }
    });
    filter.addEventListener('search', () => {
      if (filter.value === '') this.setFilter('');
    });
    const sort = this.sortSelect;
    sort.setAttribute('aria-label', 'Sort runs');
    sort.title = 'Sort runs';
    sort.addEventListener('change', () => {
      const picked = this.orders[Number(sort.value)];
      if (picked) this.setOrder(picked);
    });
    this.fillSortOptions();
    this.filterError.setAttribute('role', 'alert');
    const tools = el('div', 'jp-SextantSidebar-tools');
    tools.append(filter, sort);
    return tools;
  }

  /** Puts the keyboard in the filter box. */
  focusFilter(): void {
    this.filterInput.focus();
    this.filterInput.select();
  }

  /** Applies an MLflow filter to every experiment's runs (empty: none). */
  setFilter(filter: string): void {
    const next = filter.trim() || undefined;
    this.filterInput.value = next ?? '';
    if (next === this.filter && !this.filterError.textContent) return;
    this.filter = next;
    void this.refresh();
  }

  /** Sorts every experiment's runs by `order`. */
  setOrder(order: RunOrder): void {
    this.order = order;
    this.fillSortOptions();
    void this.refresh();
  }

  /**
   * Says why the runs could not be listed, on one line under the box (the whole text on hover),
   * with the qualified name when a bare metric or param name was refused.
   */
  private showRefusal(message: string): void {
    const what = this.filter ? `Filter "${this.filter}" refused` : 'Cannot list runs';
    const text = el('span', 'jp-SextantSidebar-filterMessage', `${what}: ${message}`);
    text.title = message;
    const loaded = [...this.pages.values()].flatMap((p) => p.runs);
    const keys = {
      metrics: metricKeysOf(loaded),
      params: [...new Set(loaded.flatMap((r) => Object.keys(r.params ?? {})))],
      tags: [],
    };
    const meant = this.filter ? filterSuggestion(message, keys) : undefined;
    const parts: HTMLElement[] = [text];
    if (meant && this.filter) {
      const filter = this.filter;
      const fix = el('button', 'jp-SextantSidebar-filterFix', `Did you mean ${meant}?`);
      fix.addEventListener('click', () => this.setFilter(withSuggestion(filter, meant)));
      parts.push(fix);
    }
    this.filterError.replaceChildren(...parts);
  }

  /** The sort picker's options: the fixed orders, then each metric of the loaded runs. */
  private fillSortOptions(): void {
    const loaded = [...this.pages.values()].flatMap((p) => p.runs);
    const keys = metricKeysOf(loaded);
    const current = this.order.label;
    const orders = runOrders(keys);
    if (!orders.some((o) => o.label === current)) orders.push(this.order);
    const same =
      orders.length === this.sortSelect.options.length &&
      orders.every((o, i) => o.label === this.orders[i]?.label);
    if (same && this.sortSelect.value === String(orders.findIndex((o) => o.label === current))) {
      return;
    }
    this.orders = orders;
    const options = this.orders.map((order, i) => {
      const option = el('option', '', order.label);
      option.value = String(i);
      option.selected = order.label === current;
      return option;
    });
    this.sortSelect.replaceChildren(...options);
  }

  /** Places a section (the Models one) after Experiments, before Pipelines. */
  addSection(node: HTMLElement): void {
    this.pipelinesHeading.before(node);
  }

  /** Emitted when runs are ticked or unticked. */
  get selectionChanged(): ISignal<this, string[]> {
    return this._selectionChanged;
  }

  /** The ticked runs, in the order they were ticked. */
  get selection(): string[] {
    return [...this.selected];
  }

  /** Opens the comparison of the ticked runs. */
  compareSelected(): void {
    if (this.selected.length > 0) this.host.compare(this.selection);
  }

  /** Reloads the experiments, the first page of runs of each expanded one, and the pipelines. */
  async refresh(): Promise<void> {
    void this.refreshPipelines();
    try {
      const { experiments } = await this.connection.request(ExperimentsListRequest, {
        orderBy: ['name ASC'],
        viewType: this.showDeleted ? 'ALL' : 'ACTIVE_ONLY',
      });
      this.experiments = experiments;
    } catch (error) {
      this.status.textContent = `Cannot list experiments: ${(error as Error).message}`;
      return;
    }
    const previous = new Map(this.pages);
    this.pages.clear();
    try {
      await Promise.all(
        this.experiments
          .filter((e) => !this.collapsed.has(e.experimentId))
          .map((e) => this.loadRuns(e.experimentId)),
      );
      this.filterError.textContent = '';
    } catch (error) {
      // A refused filter or order is said once, under the box; the runs shown before stay.
      for (const [id, page] of previous) if (!this.pages.has(id)) this.pages.set(id, page);
      this.showRefusal((error as Error).message);
    }
    this.render();
  }

  private async refreshPipelines(): Promise<void> {
    try {
      this.pipelineFiles = (await this.connection.request(PipelinesListRequest)).files;
    } catch (error) {
      this.pipelineFiles = error as Error;
    }
    this.renderPipelines();
  }

  private renderPipelines(): void {
    const files = this.pipelineFiles;
    if (files instanceof Error) {
      this.pipelineList.replaceChildren(
        el('li', 'jp-SextantTree-empty', `Cannot list pipelines: ${files.message}`),
      );
      return;
    }
    const items: HTMLLIElement[] = [];
    const storeDir = this.connection.info?.storeDir;
    for (const file of files) {
      const path = shownPath(file.file, storeDir);
      for (const pipeline of file.pipelines) {
        const item = el('li', 'jp-SextantTree-run jp-SextantPipelines-item');
        item.dataset['file'] = file.file;
        item.dataset['pipeline'] = pipeline.name;
        const status = pipeline.lastRun?.status;
        item.title = `${pipeline.name} in ${path}\nSteps: ${pipeline.steps.join(', ')}`;
        const open = el('button', 'jp-SextantTree-open', pipeline.name);
        open.addEventListener('click', () => this.host.openPipeline(file.file, pipeline.name));
        item.append(
          el('span', `jp-SextantStatus jp-SextantStatus-${status ?? 'none'}`),
          label(
            open,
            `${pipeline.steps.length} steps · ${status ? `last run ${status}` : 'not run'} · ${path}`,
          ),
        );
        items.push(item);
      }
      for (const problem of file.diagnostics.filter((d) => d.severity === 'error')) {
        const item = el('li', 'jp-SextantTree-empty jp-SextantPipelines-problem');
        item.textContent = `${path}: ${problem.message}`;
        items.push(item);
      }
    }
    if (items.length === 0) {
      items.push(
        el('li', 'jp-SextantTree-empty', 'No pipeline files (sextant.yaml) in this folder.'),
      );
    }
    this.pipelineList.replaceChildren(...items);
  }

  private async loadRuns(experimentId: string, more = false): Promise<void> {
    const previous = this.pages.get(experimentId);
    const result = await this.connection.request(RunsSearchRequest, {
      experimentIds: [experimentId],
      filter: this.filter,
      orderBy: this.order.orderBy,
      maxResults: PAGE,
      pageToken: more ? previous?.nextPageToken : undefined,
      viewType: this.showDeleted ? 'ALL' : 'ACTIVE_ONLY',
    });
    const runs = more && previous ? [...previous.runs, ...result.runs] : result.runs;
    this.pages.set(experimentId, { runs, nextPageToken: result.nextPageToken });
    await this.findBest(experimentId, runs);
  }

  /** Stars the experiment's best run by the metric its rows show; none when it cannot be found. */
  private async findBest(experimentId: string, runs: readonly RunSummary[]): Promise<void> {
    const criterion = bestCriterion(undefined, shownMetricKey(runs));
    this.bestRuns.delete(experimentId);
    if (!criterion) return;
    try {
      const runId = await findBestRun(this.connection, experimentId, criterion);
      if (runId) this.bestRuns.set(experimentId, { runId, criterion });
    } catch {
      this.bestRuns.delete(experimentId);
    }
  }

  private runChanged(run: RunSummary): void {
    const page = this.pages.get(run.experimentId);
    if (!this.experiments.some((e) => e.experimentId === run.experimentId)) {
      this.reloadExperiments.schedule();
      return;
    }
    // Under a filter the run may no longer match: the search decides, not the notification.
    if (this.filter) {
      this.reloadExperiments.schedule();
      return;
    }
    if (page) {
      page.runs =
        this.showDeleted && run.lifecycleStage === 'deleted'
          ? page.runs.map((r) => (r.runId === run.runId ? run : r))
          : upsertRun(page.runs, run);
      if (run.status !== 'RUNNING' || run.lifecycleStage === 'deleted') {
        void this.findBest(run.experimentId, page.runs).then(() => this.redraw.schedule());
      }
    }
    if (run.lifecycleStage === 'deleted') this.untick(run.runId);
    this.redraw.schedule();
  }

  private untick(runId: string): void {
    const index = this.selected.indexOf(runId);
    if (index >= 0) this.selected.splice(index, 1);
    this._selectionChanged.emit(this.selection);
  }

  private updateStatus(): void {
    const { state, error, info } = this.connection;
    this.node.dataset['state'] = state;
    if (state === 'ready' && info) {
      this.status.textContent = '';
      this.status.title = `Tracking URI: ${info.trackingUri}\nStore: ${info.storeDir}`;
    } else {
      this.status.textContent = state === 'connecting' ? 'Connecting to Sextant…' : error;
    }
  }

  private render(): void {
    this.fillSortOptions();
    this.compareButton.disabled = this.selected.length === 0;
    this.compareButton.textContent =
      this.selected.length > 0 ? `Compare (${this.selected.length})` : 'Compare';
    const now = Date.now();
    const items = this.experiments.map((experiment) => this.experimentItem(experiment, now));
    if (items.length === 0) {
      items.push(
        this.emptyState(
          'No experiments yet. In a notebook: %load_ext sextant, then %sextant start; from a script, log to this server:',
        ),
      );
    }
    this.list.replaceChildren(...items);
  }

  private experimentItem(experiment: Experiment, now: number): HTMLLIElement {
    const id = experiment.experimentId;
    const open = !this.collapsed.has(id);
    const item = el('li', 'jp-SextantTree-experiment');
    item.dataset['experimentId'] = id;
    item.dataset['experimentName'] = experiment.name;
    if (experiment.lifecycleStage === 'deleted') item.dataset['deleted'] = '';
    const row = el('div', 'jp-SextantTree-row');
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-expanded', String(open));
    const deleted = experiment.lifecycleStage === 'deleted';
    const note = experiment.tags.find((t) => t.key === 'mlflow.note.content')?.value;
    row.title = `${experiment.name}${deleted ? ' (deleted: right-click to restore)' : ''}\nExperiment ID: ${id}${note ? `\n\n${note}` : ''}`;
    row.append(
      el('span', `jp-SextantTree-caret${open ? ' open' : ''}`),
      el('span', 'jp-SextantTree-name', experiment.name),
      deleted ? el('span', 'jp-SextantTree-deleted', 'deleted') : '',
    );
    if (this.host.openRunsTable) {
      const table = el('button', 'jp-SextantTree-table', 'Table');
      table.title = `Open the runs table of ${experiment.name}`;
      table.setAttribute('aria-label', `Open the runs table of ${experiment.name}`);
      table.addEventListener('click', (event) => {
        event.stopPropagation();
        this.host.openRunsTable?.([id]);
      });
      row.append(table);
    }
    row.addEventListener('click', () => {
      if (open) this.collapsed.add(id);
      else this.collapsed.delete(id);
      if (!open && !this.pages.has(id)) {
        void this.loadRuns(id).then(
          () => this.render(),
          (error: unknown) => (this.filterError.textContent = (error as Error).message),
        );
      } else this.render();
    });
    item.append(row);
    if (!open) return item;
    const page = this.pages.get(id);
    const runs = el('ul', 'jp-SextantTree-runs');
    const nested = nestRuns(page?.runs ?? []);
    for (const run of nested.roots) runs.append(...this.runItems(run, nested, 0, now));
    if (page && page.runs.length === 0) {
      runs.append(
        this.filter
          ? el('li', 'jp-SextantTree-empty', 'No run matches the filter.')
          : this.emptyState('No runs yet. Log one here:', experiment.name),
      );
    }
    if (page?.nextPageToken) {
      const more = el(
        'button',
        'jp-SextantTree-more',
        `Load more runs… (${page.runs.length} shown)`,
      );
      more.addEventListener('click', () => void this.loadRuns(id, true).then(() => this.render()));
      const li = el('li', '');
      li.append(more);
      runs.append(li);
    }
    item.append(runs);
    return item;
  }

  /** The item of `run` and, when it is expanded, those of its children. */
  private runItems(
    run: RunSummary,
    nested: NestedRuns,
    depth: number,
    now: number,
  ): HTMLLIElement[] {
    const children = nested.children.get(run.runId) ?? [];
    const open = this.expandedRuns.has(run.runId);
    const item = this.runItem(run, now);
    item.style.paddingLeft = `${22 + depth * 16}px`;
    const caret = el('span', `jp-SextantTree-caret${open ? ' open' : ''}`);
    if (children.length > 0) {
      caret.title = `${children.length} child run${children.length === 1 ? '' : 's'}`;
      caret.setAttribute('role', 'button');
      caret.setAttribute('aria-expanded', String(open));
      caret.addEventListener('click', () => {
        if (open) this.expandedRuns.delete(run.runId);
        else this.expandedRuns.add(run.runId);
        this.render();
      });
    } else {
      caret.classList.add('leaf');
    }
    item.prepend(caret);
    if (!open) return [item];
    return [item, ...children.flatMap((child) => this.runItems(child, nested, depth + 1, now))];
  }

  private runItem(run: RunSummary, now: number): HTMLLIElement {
    const item = el('li', 'jp-SextantTree-run');
    item.dataset['runId'] = run.runId;
    const deleted = run.lifecycleStage === 'deleted';
    if (deleted) item.dataset['deleted'] = '';
    const best = this.bestRuns.get(run.experimentId);
    const isBest = best?.runId === run.runId && !deleted;
    item.title = [
      runTooltip(run),
      isBest ? `★ The ${bestLabel(best.criterion)}` : '',
      deleted ? 'Deleted: right-click to restore' : '',
    ]
      .filter(Boolean)
      .join('\n');
    const tick = el('input', 'jp-SextantTree-tick');
    tick.type = 'checkbox';
    tick.checked = this.selected.includes(run.runId);
    tick.setAttribute('aria-label', `Select ${run.runName} for comparison`);
    tick.addEventListener('change', () => {
      if (tick.checked) {
        if (!this.selected.includes(run.runId)) this.selected.push(run.runId);
        this._selectionChanged.emit(this.selection);
      } else {
        this.untick(run.runId);
      }
      this.render();
    });
    const name = el('button', 'jp-SextantTree-open', run.runName || run.runId.slice(0, 8));
    name.addEventListener('click', () => this.host.openRun(run.runId));
    item.append(
      tick,
      el('span', `jp-SextantStatus jp-SextantStatus-${run.status.toLowerCase()}`),
      label(
        name,
        [isBest ? '★ best' : '', deleted ? 'deleted' : '', runDescription(run, now)]
          .filter(Boolean)
          .join(' · '),
      ),
    );
    if (isBest) {
      item.classList.add('jp-mod-best');
      item.dataset['best'] = best.criterion.key;
    }
    return item;
  }

  /** How to start logging: the words, and a snippet with the server's tracking URI to copy. */
  private emptyState(text: string, experiment?: string): HTMLLIElement {
    const item = el('li', 'jp-SextantTree-empty jp-SextantEmpty');
    const uri = this.connection.info?.trackingUri;
    item.append(el('p', '', text));
    if (!uri) return item;
    const snippet = loggingSnippet(uri, experiment);
    const copy = el('button', 'jp-SextantEmpty-copy', 'Copy');
    copy.title = 'Copy the snippet';
    copy.addEventListener('click', (event) => {
      event.stopPropagation();
      void navigator.clipboard?.writeText(snippet).then(() => (copy.textContent = 'Copied'));
    });
    item.append(el('pre', 'jp-SextantEmpty-snippet', snippet), copy);
    return item;
  }
}
