/**
 * The Models section of the Sextant sidebar: registered models → their versions (aliases as
 * badges, stage, status, key metric, deployable or not), a search box, ticks for comparing, and
 * live updates from `sextant/registry/changed`. Its actions are JupyterLab commands (context menu
 * and palette); the section only draws and remembers what is expanded and ticked.
 */
import {
  RegistryChangedNotification,
  RegistryListRequest,
  RegistryModelRequest,
  type ModelVersionSummary,
  type RegisteredModelSummary,
  type VersionRef,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { Signal, type ISignal } from '@lumino/signaling';
import { el } from '../dom.js';
import type { ISextantConnection } from '../tokens.js';
import { Debouncer } from '../views/debounce.js';
import {
  modelDescription,
  modelMatches,
  parseQuery,
  refKey,
  versionDescription,
  versionMatches,
  versionTooltip,
} from './model.js';

const PAGE = 100;

/** What the section asks of its host (the plugin's commands). */
export interface ModelsSectionHost {
  openVersion(ref: VersionRef): void;
}

/** The Models section: a node the sidebar places beside Experiments. */
export class ModelsSection {
  /** The section's element. */
  readonly node = el('section', 'jp-SextantModels');
  private models: RegisteredModelSummary[] = [];
  private nextPageToken: string | undefined;
  private readonly versions = new Map<string, ModelVersionSummary[] | Error>();
  private readonly expanded = new Set<string>();
  private readonly selected: VersionRef[] = [];
  private query = '';
  private problem = '';
  private readonly list = el('ul', 'jp-SextantTree jp-SextantModels-list');
  private readonly search = el('input', 'jp-SextantModels-search');
  private readonly reloadAll = new Debouncer(() => void this.refresh(), 200);
  private readonly changed = new Set<string>();
  private readonly reloadChanged = new Debouncer(() => void this.refreshChanged(), 150);
  private readonly _selectionChanged = new Signal<this, VersionRef[]>(this);
  private readonly _rendered = new Signal<this, void>(this);
  private readonly subscriptions;

  constructor(
    private readonly connection: ISextantConnection,
    private readonly host: ModelsSectionHost,
  ) {
    this.search.type = 'search';
    this.search.placeholder = 'Filter: name, @alias, v3';
    this.search.setAttribute('aria-label', 'Filter models');
    this.search.addEventListener('input', () => {
      const before = parseQuery(this.query).name;
      this.query = this.search.value;
      if (parseQuery(this.query).name !== before) this.reloadAll.schedule();
      else this.render();
    });
    this.node.append(el('h3', 'jp-SextantSidebar-section', 'Models'), this.search, this.list);
    connection.restarted.connect(() => void this.refresh());
    this.subscriptions = [
      connection.onNotification(RegistryChangedNotification, ({ name, previousName }) => {
        if (previousName) {
          this.reloadAll.schedule();
          return;
        }
        this.changed.add(name);
        this.reloadChanged.schedule();
      }),
    ];
    if (connection.state === 'ready') void this.refresh();
  }

  /** Stops listening to the server. */
  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }

  /** Emitted when versions are ticked or unticked. */
  get selectionChanged(): ISignal<this, VersionRef[]> {
    return this._selectionChanged;
  }

  /** Emitted after every redraw (tests and the plugin wait on it). */
  get rendered(): ISignal<this, void> {
    return this._rendered;
  }

  /** The ticked versions, in the order they were ticked. */
  get selection(): VersionRef[] {
    return [...this.selected];
  }

  /** The names of the listed models. */
  get modelNames(): string[] {
    return this.models.map((m) => m.name);
  }

  /** The loaded versions of `name` (newest first); empty when not loaded. */
  versionsOf(name: string): ModelVersionSummary[] {
    const versions = this.versions.get(name);
    return Array.isArray(versions) ? versions : [];
  }

  /** The version a row shows, when loaded. */
  version(ref: VersionRef): ModelVersionSummary | undefined {
    return this.versionsOf(ref.name).find((v) => v.version === ref.version);
  }

  /** Reloads the first page of models and the versions of the expanded ones. */
  async refresh(): Promise<void> {
    try {
      const search = parseQuery(this.query).name;
      const result = await this.connection.request(RegistryListRequest, {
        maxResults: PAGE,
        ...(search ? { search } : {}),
      });
      this.models = result.models;
      this.nextPageToken = result.nextPageToken;
      this.problem = '';
      const names = new Set(this.models.map((m) => m.name));
      for (const name of [...this.versions.keys()])
        if (!names.has(name)) this.versions.delete(name);
      await Promise.all(
        this.models.filter((m) => this.expanded.has(m.name)).map((m) => this.loadVersions(m.name)),
      );
    } catch (error) {
      this.problem = `Cannot list models: ${errorMessage(error)}`;
    }
    this.render();
  }

  /** Reloads one model soon (its versions' key metrics after an evaluation). */
  reloadModel(name: string): void {
    this.changed.add(name);
    this.reloadChanged.schedule();
  }

  /** Expands a model (loading its versions) and redraws. */
  async expand(name: string): Promise<void> {
    this.expanded.add(name);
    await this.loadVersions(name);
    this.render();
  }

  private async loadMore(): Promise<void> {
    const search = parseQuery(this.query).name;
    const result = await this.connection.request(RegistryListRequest, {
      maxResults: PAGE,
      pageToken: this.nextPageToken,
      ...(search ? { search } : {}),
    });
    this.models = [...this.models, ...result.models];
    this.nextPageToken = result.nextPageToken;
    this.render();
  }

  private async loadVersions(name: string): Promise<void> {
    try {
      const { model, versions } = await this.connection.request(RegistryModelRequest, { name });
      this.models = this.models.map((m) => (m.name === name ? model : m));
      this.versions.set(name, versions);
    } catch (error) {
      this.versions.set(name, error as Error);
    }
  }

  /** Reloads the models named by `sextant/registry/changed` (a new or deleted one: the list). */
  private async refreshChanged(): Promise<void> {
    const names = [...this.changed];
    this.changed.clear();
    const known = new Set(this.models.map((m) => m.name));
    if (names.some((n) => !known.has(n))) {
      await this.refresh();
      return;
    }
    for (const name of names) {
      try {
        const { model, versions } = await this.connection.request(RegistryModelRequest, { name });
        this.models = this.models.map((m) => (m.name === name ? model : m));
        if (this.expanded.has(name) || this.versions.has(name)) this.versions.set(name, versions);
        this.pruneSelection(name, versions);
      } catch {
        // Deleted: the list no longer has it.
        await this.refresh();
        this.pruneSelection(name, []);
        return;
      }
    }
    this.render();
  }

  private pruneSelection(name: string, versions: ModelVersionSummary[]): void {
    const keep = new Set(versions.map((v) => v.version));
    const before = this.selected.length;
    for (let i = this.selected.length - 1; i >= 0; i--) {
      const ref = this.selected[i]!;
      if (ref.name === name && !keep.has(ref.version)) this.selected.splice(i, 1);
    }
    if (this.selected.length !== before) this._selectionChanged.emit(this.selection);
  }

  private toggle(ref: VersionRef, on: boolean): void {
    const index = this.selected.findIndex((r) => refKey(r) === refKey(ref));
    if (on && index < 0) this.selected.push(ref);
    if (!on && index >= 0) this.selected.splice(index, 1);
    this._selectionChanged.emit(this.selection);
  }

  private render(): void {
    const items: HTMLLIElement[] = [];
    if (this.problem) items.push(el('li', 'jp-SextantTree-empty', this.problem));
    for (const model of this.models) {
      const item = this.modelItem(model);
      if (item) items.push(item);
    }
    if (!this.problem && items.length === 0) {
      items.push(
        el(
          'li',
          'jp-SextantTree-empty',
          this.query
            ? `No model matches '${this.query}'.`
            : 'No registered models. Register a run\u2019s model from its context menu, or %sextant register NAME.',
        ),
      );
    }
    if (this.nextPageToken) {
      const more = el(
        'button',
        'jp-SextantTree-more',
        `Load more models… (${this.models.length} shown)`,
      );
      more.addEventListener('click', () => void this.loadMore());
      const li = el('li', '');
      li.append(more);
      items.push(li);
    }
    this.list.replaceChildren(...items);
    this._rendered.emit();
  }

  private modelItem(model: RegisteredModelSummary): HTMLLIElement | undefined {
    const name = model.name;
    const query = parseQuery(this.query);
    if (!modelMatches(model, query)) return undefined;
    const loaded = this.versions.get(name);
    const open = this.expanded.has(name);
    const item = el('li', 'jp-SextantTree-experiment jp-SextantModels-model');
    item.dataset['model'] = name;
    const row = el('div', 'jp-SextantTree-row jp-SextantModels-modelRow');
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-expanded', String(open));
    row.title = [
      name,
      model.description,
      `Updated ${new Date(model.lastUpdatedTimestamp).toLocaleString()}`,
    ]
      .filter(Boolean)
      .join('\n');
    const label = el('span', 'jp-SextantTree-label');
    label.append(
      el('span', 'jp-SextantTree-name', name),
      el(
        'span',
        'jp-SextantTree-description',
        modelDescription(model, Array.isArray(loaded) ? loaded.length : undefined),
      ),
    );
    row.append(el('span', `jp-SextantTree-caret${open ? ' open' : ''}`), label);
    row.addEventListener('click', () => {
      if (open) {
        this.expanded.delete(name);
        this.render();
      } else {
        void this.expand(name);
      }
    });
    item.append(row);
    if (!open) return item;
    const list = el('ul', 'jp-SextantTree-runs');
    if (loaded instanceof Error) {
      list.append(el('li', 'jp-SextantTree-empty', `Cannot load versions: ${loaded.message}`));
    } else if (loaded === undefined) {
      list.append(el('li', 'jp-SextantTree-empty', 'Loading versions…'));
    } else {
      const shown = loaded.filter((v) => versionMatches(v, query));
      for (const version of shown) list.append(this.versionItem(version));
      if (shown.length === 0) {
        list.append(
          el('li', 'jp-SextantTree-empty', loaded.length ? 'No version matches.' : 'No versions.'),
        );
      }
    }
    item.append(list);
    return item;
  }

  private versionItem(version: ModelVersionSummary): HTMLLIElement {
    const ref = { name: version.name, version: version.version };
    const item = el('li', 'jp-SextantTree-run jp-SextantModels-version');
    item.dataset['model'] = version.name;
    item.dataset['version'] = version.version;
    item.dataset['stage'] = version.stage;
    item.title = versionTooltip(version);
    const tick = el('input', 'jp-SextantTree-tick');
    tick.type = 'checkbox';
    tick.checked = this.selected.some((r) => refKey(r) === refKey(ref));
    tick.setAttribute('aria-label', `Select ${version.name} v${version.version} to compare`);
    tick.addEventListener('change', () => this.toggle(ref, tick.checked));
    const open = el('button', 'jp-SextantTree-open', `v${version.version}`);
    open.addEventListener('click', () => this.host.openVersion(ref));
    const head = el('span', 'jp-SextantModels-head');
    head.append(open);
    for (const alias of version.aliases) {
      head.append(el('span', 'jp-SextantModels-alias', `@${alias}`));
    }
    if (version.stage !== 'None') {
      head.append(
        el(
          'span',
          `jp-SextantModels-stage jp-SextantModels-stage-${version.stage.toLowerCase()}`,
          version.stage,
        ),
      );
    }
    const label = el('span', 'jp-SextantTree-label');
    label.append(head, el('span', 'jp-SextantTree-description', versionDescription(version)));
    const status =
      version.status === 'READY'
        ? version.deployable
          ? 'finished'
          : 'killed'
        : version.status === 'FAILED_REGISTRATION'
          ? 'failed'
          : 'running';
    const dot = el('span', `jp-SextantStatus jp-SextantStatus-${status}`);
    dot.setAttribute('aria-hidden', 'true');
    item.append(el('span', 'jp-SextantTree-caret leaf'), tick, dot, label);
    return item;
  }
}
