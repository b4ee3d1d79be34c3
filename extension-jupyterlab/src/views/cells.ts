/**
 * The "Notebook cells" section of the run panel: the cells that produced the run, in execution
 * order, with their source, what each logged, and a button that brings the notebook to the cell.
 */
import { formatDuration } from '@sextant/core/model';
import type { CellRecord } from '@sextant/language-server/protocol';
import { el } from '../dom.js';

/** What a logged-keys summary says, e.g. `metrics: loss, acc · params: lr`. */
export function loggedSummary(record: Pick<CellRecord, 'logged'>): string {
  const parts: string[] = [];
  for (const kind of ['metrics', 'params', 'tags'] as const) {
    const keys = record.logged[kind];
    if (keys.length > 0) parts.push(`${kind}: ${keys.join(', ')}`);
  }
  return parts.join(' · ') || 'nothing logged';
}

/** Renders `cells` into `section`; `reveal` is called with a cell to bring its notebook to it. */
export function renderCells(
  section: HTMLElement,
  cells: CellRecord[] | Error,
  reveal: (cell: CellRecord) => void,
): void {
  section.replaceChildren(el('h2', '', 'Notebook cells'));
  if (cells instanceof Error) {
    section.append(el('p', 'muted', `Cannot list the cells: ${cells.message}`));
    return;
  }
  if (cells.length === 0) {
    section.append(el('p', 'muted empty', 'No notebook cells were recorded for this run.'));
    return;
  }
  const list = el('ol', 'jp-SextantCells-list');
  for (const cell of cells) {
    const item = el('li', `jp-SextantCells-item jp-SextantCells-${cell.status}`);
    item.dataset['cellId'] = cell.cellId;
    const head = el('div', 'jp-SextantCells-head');
    head.append(
      el('span', 'jp-SextantCells-count', `[${cell.executionCount ?? ' '}]`),
      el('span', 'jp-SextantCells-logged', loggedSummary(cell)),
      el(
        'span',
        'muted',
        `${new Date(cell.startTime).toLocaleTimeString()} · ${formatDuration(cell.durationMs)}`,
      ),
    );
    if (cell.error) head.append(el('span', 'jp-SextantCells-error', cell.error));
    const button = el('button', 'link jp-SextantCells-reveal', 'Re-open at this cell');
    button.title = cell.notebook
      ? `Open ${cell.notebook} at this cell`
      : 'Bring the open notebook to this cell';
    button.disabled = cell.cellId === '';
    button.addEventListener('click', () => reveal(cell));
    head.append(button);
    const source = el('pre', 'jp-SextantCells-source');
    source.append(el('code', '', cell.source));
    item.append(head, source);
    list.append(item);
  }
  section.append(list);
}
