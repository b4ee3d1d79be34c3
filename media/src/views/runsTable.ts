/**
 * The runs table: one row per run, a search box with MLflow's filter syntax and completion, saved
 * filters, a column chooser, columns sortable (by the host), resizable and pinnable, the best value
 * of each metric column marked, rows virtualised (only the visible ones are in the DOM), and
 * selection (click, shift, ctrl/cmd) feeding Compare; a double-click opens a run.
 */
import type { RunSummary } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { MessageType, type RunsTableSnapshot } from '../contract';
import {
  bestRunOf,
  cellValue,
  columnLabel,
  columnParts,
  DEFAULT_SORT,
  FIXED_COLUMNS,
  type ColumnId,
  type TableSort,
} from '../runsTable/columns';
import { filterSuggestion, withSuggestion } from '../runs/filterHint';
import { complete, type Completion } from '../runsTable/completion';
import { bestAmong, bestLabel } from '../runs/best';
import { formatDuration, h, replaceChildren } from './dom';

/** Height of one row in pixels (rows are absolutely placed at multiples of it). */
export const ROW_HEIGHT = 26;
const OVERSCAN = 8;
const MIN_WIDTH = 48;

/** What the view keeps across reloads. */
interface TableState {
  experimentIds?: string[];
  filter?: string;
  sort?: TableSort;
  /** Chosen columns (besides the fixed ones); the defaults when absent. */
  columns?: ColumnId[];
  widths?: Record<ColumnId, number>;
  pinned?: ColumnId[];
  savedFilters?: string[];
}

function defaultWidth(column: ColumnId): number {
  if (column === 'name') return 200;
  if (column === 'start') return 160;
  if (column === 'status') return 96;
  if (column === 'duration') return 104;
  return Math.min(240, Math.max(90, columnLabel(column).length * 8 + 56));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A start time as `2026-12-05 14:03:52`, local, sortable by eye. */
function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A metric value with at most 6 significant digits and no trailing zeros. */
function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

function formatCell(run: RunSummary, column: ColumnId, now: number): string {
  const value = cellValue(run, column, now);
  if (value === undefined) return '';
  if (column === 'start') return formatTime(value as number);
  if (column === 'duration') return formatDuration(value as number);
  if (typeof value === 'number') return formatNumber(value);
  return value;
}

/** Mounts the runs table in `root`. */
export function mountRunsTable(root: HTMLElement, bridge: Bridge): void {
  const state: TableState = { ...(bridge.getState<TableState>() ?? {}) };
  const save = (patch: Partial<TableState>): void => {
    Object.assign(state, patch);
    bridge.setState(state);
  };
  let snapshot: RunsTableSnapshot | undefined;
  let columns: ColumnId[] = [];
  let best = new Map<ColumnId, string>();
  /** The best run by the sort column when it is a metric, in the sort's direction. */
  let bestRun: { runId: string; label: string } | undefined;
  const selected = new Set<string>();
  let anchor = -1;
  let proposals: Completion[] = [];
  let active = 0;

  const title = h('h1', {}, 'Runs');
  const count = h('span', { class: 'muted', id: 'runs-count' });
  const search = h('input', {
    type: 'text',
    id: 'runs-search',
    class: 'runs-search',
    placeholder: "Filter, e.g. metrics.accuracy > 0.9 and params.model = 'rf'",
    'aria-label': 'Filter runs (MLflow syntax)',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  search.value = state.filter ?? '';
  const suggestions = h('ul', { class: 'completions', id: 'runs-completions', role: 'listbox' });
  const error = h('div', { class: 'filter-error', id: 'runs-filter-error', role: 'alert' });
  const hint = h('div', { class: 'filter-hint', id: 'runs-filter-hint', hidden: true });
  const saved = h('div', { class: 'saved-filters', id: 'saved-filters' });
  const compareButton = h('button', { id: 'compare-selected', disabled: true }, 'Compare');
  const chooser = h('div', { class: 'column-chooser', id: 'column-chooser', hidden: true });
  const columnsButton = h('button', { class: 'secondary', id: 'choose-columns' }, 'Columns…');
  const saveButton = h('button', { class: 'secondary', id: 'save-filter' }, 'Save filter');
  const scroller = h('div', { class: 'runs-grid', id: 'runs-grid', tabindex: '0' });
  const headerRow = h('div', { class: 'runs-header', role: 'row' });
  const body = h('div', { class: 'runs-body', role: 'rowgroup' });
  const empty = h('div', { class: 'runs-empty muted', id: 'runs-empty', hidden: true });
  scroller.append(headerRow, body, empty);
  replaceChildren(
    root,
    h(
      'header',
      { class: 'runs-table-header' },
      title,
      count,
      h('span', { class: 'spacer' }),
      columnsButton,
      compareButton,
    ),
    h(
      'div',
      { class: 'search-row' },
      h('div', { class: 'search-box' }, search, suggestions),
      saveButton,
    ),
    error,
    hint,
    saved,
    chooser,
    scroller,
  );
  root.classList.add('runs-table');

  const apply = (): void => {
    closeCompletion();
    const filter = search.value.trim();
    save({ filter });
    bridge.post({
      type: MessageType.QueryRuns,
      filter,
      sort: state.sort ?? snapshot?.sort ?? DEFAULT_SORT,
    });
  };

  // Completion.
  function closeCompletion(): void {
    proposals = [];
    suggestions.hidden = true;
    replaceChildren(suggestions);
  }
  function openCompletion(): void {
    if (!snapshot) return;
    proposals = complete(
      search.value,
      search.selectionStart ?? search.value.length,
      snapshot.keys,
      snapshot.values,
    );
    active = 0;
    if (proposals.length === 0) return closeCompletion();
    suggestions.hidden = false;
    renderCompletion();
  }
  function renderCompletion(): void {
    replaceChildren(
      suggestions,
      ...proposals.map((proposal, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === active ? 'active' : undefined,
            'aria-selected': i === active ? 'true' : 'false',
            onmousedown: (e: Event) => {
              e.preventDefault();
              accept(proposal);
            },
          },
          proposal.label,
        ),
      ),
    );
    (suggestions.children[active] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
  }
  function accept(proposal: Completion): void {
    search.value = proposal.text;
    search.setSelectionRange(proposal.caret, proposal.caret);
    search.focus();
    openCompletion();
  }
  search.addEventListener('input', openCompletion);
  search.addEventListener('blur', () => setTimeout(closeCompletion, 0));
  search.addEventListener('keydown', (e: KeyboardEvent) => {
    const open = proposals.length > 0;
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      openCompletion();
    } else if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : proposals.length - 1)) % proposals.length;
      renderCompletion();
    } else if (open && (e.key === 'Tab' || e.key === 'Enter')) {
      e.preventDefault();
      accept(proposals[active]!);
    } else if (e.key === 'Escape') {
      closeCompletion();
    } else if (e.key === 'Enter') {
      apply();
    }
  });
  closeCompletion();
  error.hidden = true;

  // Saved filters.
  function renderSaved(): void {
    const filters = state.savedFilters ?? [];
    replaceChildren(
      saved,
      ...filters.map((filter) =>
        h(
          'span',
          { class: 'chip' },
          h(
            'button',
            {
              class: 'link',
              title: 'Apply this filter',
              onclick: () => {
                search.value = filter;
                apply();
              },
            },
            filter,
          ),
          h(
            'button',
            {
              class: 'link remove',
              title: 'Forget this filter',
              'aria-label': `Forget ${filter}`,
              onclick: () => {
                save({ savedFilters: filters.filter((f) => f !== filter) });
                renderSaved();
              },
            },
            '×',
          ),
        ),
      ),
    );
  }
  saveButton.addEventListener('click', () => {
    const filter = search.value.trim();
    if (!filter) return;
    save({ savedFilters: [...new Set([...(state.savedFilters ?? []), filter])] });
    renderSaved();
  });
  renderSaved();

  // Column chooser.
  columnsButton.addEventListener('click', () => {
    chooser.hidden = !chooser.hidden;
    if (!chooser.hidden) renderChooser();
  });
  function renderChooser(): void {
    if (!snapshot) return;
    const find = h('input', {
      type: 'text',
      placeholder: 'Find a column',
      'aria-label': 'Find a column',
      class: 'chooser-find',
    });
    const lists = h('div', { class: 'chooser-lists' });
    const fill = (): void => {
      const query = find.value.toLowerCase();
      const group = (kind: 'metrics' | 'params' | 'tags', keys: string[]): HTMLElement =>
        h(
          'fieldset',
          {},
          h('legend', {}, kind.charAt(0).toUpperCase() + kind.slice(1)),
          ...keys
            .filter((key) => key.toLowerCase().includes(query))
            .map((key) => {
              const id = `${kind}.${key}`;
              return h(
                'label',
                {},
                h('input', {
                  type: 'checkbox',
                  checked: columns.includes(id),
                  'data-column': id,
                  onchange: (e: Event) => {
                    const on = (e.target as HTMLInputElement).checked;
                    const chosen = state.columns ?? snapshot!.defaultColumns;
                    setColumns(on ? [...chosen, id] : chosen.filter((c) => c !== id));
                  },
                }),
                key,
              );
            }),
        );
      replaceChildren(
        lists,
        group('metrics', snapshot!.keys.metrics),
        group('params', snapshot!.keys.params),
        group('tags', snapshot!.keys.tags),
      );
    };
    find.addEventListener('input', fill);
    fill();
    replaceChildren(
      chooser,
      h(
        'div',
        { class: 'chooser-bar' },
        find,
        h(
          'button',
          {
            class: 'secondary',
            onclick: () => {
              save({ columns: undefined });
              computeColumns();
              renderChooser();
              renderAll();
            },
          },
          'Reset to defaults',
        ),
      ),
      lists,
    );
  }
  function setColumns(next: ColumnId[]): void {
    save({ columns: next });
    computeColumns();
    renderAll();
  }

  function computeColumns(): void {
    if (!snapshot) return;
    const chosen = state.columns ?? snapshot.defaultColumns;
    const all = [...FIXED_COLUMNS, ...chosen];
    const pinned = new Set(state.pinned ?? ['name']);
    columns = [...all.filter((c) => pinned.has(c)), ...all.filter((c) => !pinned.has(c))];
    best = new Map();
    for (const column of chosen) {
      const { kind, key } = columnParts(column);
      if (kind !== 'metrics') continue;
      const runId = bestRunOf(snapshot.runs, key);
      if (runId) best.set(column, runId);
    }
    const sort = state.sort ?? snapshot.sort;
    const sortParts = sort ? columnParts(sort.column) : undefined;
    const criterion =
      sort && sortParts?.kind === 'metrics'
        ? {
            key: sortParts.key,
            direction: sort.descending ? ('higher' as const) : ('lower' as const),
          }
        : undefined;
    const bestId = criterion ? bestAmong(snapshot.runs, criterion) : undefined;
    bestRun = criterion && bestId ? { runId: bestId, label: bestLabel(criterion) } : undefined;
  }

  // The grid.
  const widthOf = (column: ColumnId): number => state.widths?.[column] ?? defaultWidth(column);
  const pinnedSet = (): Set<ColumnId> => new Set(state.pinned ?? ['name']);
  /** Left offset of each pinned column (sticky), undefined for scrolling ones. */
  function stickyOffsets(): Map<ColumnId, number> {
    const offsets = new Map<ColumnId, number>();
    const pinned = pinnedSet();
    let left = 0;
    for (const column of columns) {
      if (!pinned.has(column)) continue;
      offsets.set(column, left);
      left += widthOf(column);
    }
    return offsets;
  }
  const totalWidth = (): number => columns.reduce((sum, c) => sum + widthOf(c), 0);

  function placeCell(cell: HTMLElement, column: ColumnId, offsets: Map<ColumnId, number>): void {
    cell.style.width = `${widthOf(column)}px`;
    const left = offsets.get(column);
    if (left !== undefined) {
      cell.classList.add('pinned');
      cell.style.left = `${left}px`;
    }
  }

  function renderHeader(): void {
    const offsets = stickyOffsets();
    const sort = state.sort ?? snapshot?.sort;
    headerRow.style.width = `${totalWidth()}px`;
    replaceChildren(
      headerRow,
      ...columns.map((column) => {
        const sorted = sort?.column === column;
        const pinned = offsets.has(column);
        const cell = h(
          'div',
          {
            class: `cell head${columnParts(column).kind === 'metrics' ? ' numeric' : ''}`,
            role: 'columnheader',
            'data-column': column,
            title: column,
            'aria-sort': sorted ? (sort!.descending ? 'descending' : 'ascending') : 'none',
          },
          h(
            'button',
            {
              class: 'sort',
              onclick: () => {
                const next: TableSort = {
                  column,
                  descending: sorted ? !sort!.descending : column !== 'name',
                };
                save({ sort: next });
                renderHeader();
                bridge.post({
                  type: MessageType.QueryRuns,
                  filter: search.value.trim(),
                  sort: next,
                });
              },
            },
            h('span', { class: 'label' }, columnLabel(column)),
            sorted ? h('span', { class: 'arrow' }, sort!.descending ? '▼' : '▲') : null,
          ),
          h(
            'button',
            {
              class: `pin${pinned ? ' on' : ''}`,
              title: pinned ? 'Unpin column' : 'Pin column',
              'aria-label': `${pinned ? 'Unpin' : 'Pin'} ${columnLabel(column)}`,
              'aria-pressed': pinned ? 'true' : 'false',
              onclick: () => {
                const set = pinnedSet();
                if (set.has(column)) set.delete(column);
                else set.add(column);
                save({ pinned: [...set] });
                computeColumns();
                renderAll();
              },
            },
            '⇤',
          ),
          h('span', {
            class: 'resize',
            title: 'Drag to resize',
            onpointerdown: (e: Event) => startResize(e as PointerEvent, column),
          }),
        );
        placeCell(cell, column, offsets);
        return cell;
      }),
    );
  }

  function startResize(event: PointerEvent, column: ColumnId): void {
    event.preventDefault();
    const startX = event.clientX;
    const startWidth = widthOf(column);
    const target = event.target as HTMLElement;
    target.setPointerCapture(event.pointerId);
    const move = (e: PointerEvent): void => {
      const width = Math.max(MIN_WIDTH, Math.round(startWidth + e.clientX - startX));
      save({ widths: { ...(state.widths ?? {}), [column]: width } });
      renderAll();
    };
    const up = (): void => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  }

  /** Rows in the DOM, by index. */
  const shown = new Map<number, HTMLElement>();

  /** Rows out of view, kept to show other runs (same columns) instead of building new ones. */
  const spare: HTMLElement[] = [];

  /** An empty row with one cell per column, placed and sized. */
  function newRow(): HTMLElement {
    const offsets = stickyOffsets();
    const row = h('div', { class: 'row', role: 'row' });
    row.style.width = `${totalWidth()}px`;
    for (const column of columns) {
      const cell = h('div', { role: 'gridcell' });
      placeCell(cell, column, offsets);
      row.append(cell);
    }
    return row;
  }

  /** What a run's cells show for the current columns: class, text and tooltip of each. */
  interface CellsOfRun {
    classes: string[];
    texts: string[];
    titles: string[];
  }

  /**
   * What each run's cells show for the current columns (class and text), worked out once per run
   * rather than on every scroll frame; a running run's duration changes, so it is not kept.
   */
  let cellCache = new WeakMap<RunSummary, CellsOfRun>();
  /** Each column's cell class before the run's own (numeric, pinned). */
  let columnClasses: string[] = [];

  function resetCellCache(): void {
    const offsets = stickyOffsets();
    columnClasses = columns.map((column) => {
      const numeric = columnParts(column).kind === 'metrics' || column === 'duration';
      return `cell${numeric ? ' numeric' : ''}${offsets.has(column) ? ' pinned' : ''}`;
    });
    cellCache = new WeakMap();
  }

  function cellsOf(run: RunSummary, now: number): CellsOfRun {
    const cached = cellCache.get(run);
    if (cached) return cached;
    const cells: CellsOfRun = { classes: [], texts: [], titles: [] };
    columns.forEach((column, i) => {
      const isBest = best.get(column) === run.runId;
      // The experiment's best run by the sort metric is starred in its name cell.
      const starred = column === 'name' && bestRun?.runId === run.runId;
      const status = column === 'status' ? ` status-${run.status.toLowerCase()}` : '';
      const text = starred ? `★ ${formatCell(run, column, now)}` : formatCell(run, column, now);
      cells.texts.push(text);
      cells.classes.push(
        `${columnClasses[i]!}${starred ? ' best-run' : ''}${isBest ? ' best' : ''}${status}`,
      );
      cells.titles.push(
        starred ? `${text}: the ${bestRun!.label}` : isBest ? `${text} (best)` : text,
      );
    });
    if (run.status !== 'RUNNING') cellCache.set(run, cells);
    return cells;
  }

  /** Shows run `index` in `row` (new or recycled). */
  function fillRow(row: HTMLElement, index: number, run: RunSummary, now: number): void {
    const on = selected.has(run.runId);
    row.className = `row${on ? ' selected' : ''}${index % 2 ? ' odd' : ''}`;
    row.dataset['runId'] = run.runId;
    row.dataset['index'] = String(index);
    row.setAttribute('aria-selected', on ? 'true' : 'false');
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    const { classes, texts, titles } = cellsOf(run, now);
    const cells = row.children;
    for (let i = 0; i < columns.length; i++) {
      const cell = cells[i] as HTMLElement;
      const text = texts[i]!;
      cell.className = classes[i]!;
      cell.title = titles[i]!;
      cell.textContent = text;
    }
  }

  let frame = 0;
  function renderRows(): void {
    frame = 0;
    const runs = snapshot?.runs ?? [];
    const now = Date.now();
    const top = scroller.scrollTop;
    const height = scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(runs.length - 1, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    for (const [index, row] of shown) {
      if (index < first || index > last) {
        spare.push(row);
        shown.delete(index);
      }
    }
    for (let index = first; index <= last; index++) {
      if (shown.has(index)) continue;
      const recycled = spare.pop();
      const row = recycled ?? newRow();
      fillRow(row, index, runs[index]!, now);
      shown.set(index, row);
      if (!recycled) body.append(row);
    }
    for (const row of spare.splice(0)) row.remove();
  }
  const scheduleRows = (): void => {
    if (!frame) frame = requestAnimationFrame(renderRows);
  };
  scroller.addEventListener('scroll', scheduleRows, { passive: true });
  window.addEventListener('resize', scheduleRows);

  function renderAll(): void {
    resetCellCache();
    renderHeader();
    const runs = snapshot?.runs ?? [];
    body.style.height = `${runs.length * ROW_HEIGHT}px`;
    body.style.width = `${totalWidth()}px`;
    for (const row of shown.values()) row.remove();
    shown.clear();
    spare.length = 0;
    renderRows();
    updateSelection();
  }

  function updateSelection(): void {
    compareButton.disabled = selected.size < 1;
    compareButton.textContent = selected.size > 0 ? `Compare ${selected.size}` : 'Compare';
  }

  function refreshSelectedRows(): void {
    for (const row of shown.values()) {
      const on = selected.has(row.dataset['runId']!);
      row.classList.toggle('selected', on);
      row.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    updateSelection();
  }

  body.addEventListener('click', (e: MouseEvent) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
    if (!row || !snapshot) return;
    const index = Number(row.dataset['index']);
    const runId = row.dataset['runId']!;
    if (e.shiftKey && anchor >= 0) {
      if (!e.ctrlKey && !e.metaKey) selected.clear();
      const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
      for (let i = from; i <= to; i++) selected.add(snapshot.runs[i]!.runId);
    } else if (e.ctrlKey || e.metaKey) {
      if (selected.has(runId)) selected.delete(runId);
      else selected.add(runId);
      anchor = index;
    } else {
      selected.clear();
      selected.add(runId);
      anchor = index;
    }
    refreshSelectedRows();
  });
  body.addEventListener('dblclick', (e: MouseEvent) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
    if (row) bridge.post({ type: MessageType.OpenRun, runId: row.dataset['runId']! });
  });
  compareButton.addEventListener('click', () => {
    if (!snapshot || selected.size === 0) return;
    const order = snapshot.runs.map((r) => r.runId).filter((id) => selected.has(id));
    bridge.post({ type: MessageType.CompareRuns, runIds: order.slice(0, 100) });
  });

  bridge.listen((message) => {
    if (message.type !== MessageType.RunsTableSnapshot) return;
    snapshot = message;
    save({ experimentIds: message.experimentIds });
    const present = new Set(message.runs.map((r) => r.runId));
    for (const id of [...selected]) if (!present.has(id)) selected.delete(id);
    title.textContent = `Runs · ${message.experiments.join(', ')}`;
    count.textContent = `${message.runs.length}${message.truncated ? '+' : ''} run${message.runs.length === 1 ? '' : 's'}`;
    error.textContent = message.error ?? '';
    error.title = message.error ?? '';
    error.hidden = !message.error;
    const meant = message.error ? filterSuggestion(message.error, message.keys) : undefined;
    hint.hidden = !meant;
    replaceChildren(
      hint,
      meant &&
        h(
          'button',
          {
            class: 'link',
            id: 'runs-filter-fix',
            onclick: () => {
              search.value = withSuggestion(search.value, meant);
              apply();
            },
          },
          `Did you mean ${meant}?`,
        ),
    );
    search.classList.toggle('invalid', !!message.error);
    empty.hidden = message.runs.length > 0;
    empty.textContent = message.filter
      ? 'No runs match this filter.'
      : 'No runs yet: log one with mlflow.start_run() and it appears here.';
    computeColumns();
    if (!chooser.hidden) renderChooser();
    renderAll();
  });
  bridge.post({ type: MessageType.Ready });
  if (state.filter || state.sort) {
    bridge.post({
      type: MessageType.QueryRuns,
      filter: state.filter ?? '',
      sort: state.sort ?? DEFAULT_SORT,
    });
  }
}
