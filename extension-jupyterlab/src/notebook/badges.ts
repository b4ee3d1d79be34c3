/**
 * Badges under notebook cells recorded against a Sextant run: the run and what the cell logged,
 * marked "changed since run" once the cell's source no longer matches the recorded one. Clicking
 * a badge opens the run.
 */
import { changedSinceRun, formatDuration } from '@sextant/core/model';
import type { CellRecord } from '@sextant/language-server/protocol';
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { PanelLayout } from '@lumino/widgets';
import { Widget } from '@lumino/widgets';
import { loggedSummary } from '../views/cells.js';
import { Debouncer } from '../views/debounce.js';

/** What the badges need from the outside. */
export interface BadgeSource {
  /** The latest record of each given cell id (`sextant/cells/find`). */
  find(cellIds: string[]): Promise<CellRecord[]>;
  /** The display name of a run. */
  runName(runId: string): Promise<string>;
  /** Opens a run. */
  openRun(runId: string): void;
}

/** The badge of one cell. */
export class CellBadge extends Widget {
  private record: CellRecord | undefined;

  constructor(private readonly open: (runId: string) => void) {
    super({ node: document.createElement('button') });
    this.addClass('jp-SextantBadge');
    this.node.addEventListener('click', (event) => {
      event.stopPropagation();
      if (this.record) this.open(this.record.runId);
    });
  }

  /** Shows `record` of the run named `runName`; `changed` when the source moved on since. */
  render(record: CellRecord, runName: string, changed: boolean): void {
    this.record = record;
    this.node.dataset['runId'] = record.runId;
    this.node.dataset['changed'] = String(changed);
    this.toggleClass('jp-SextantBadge-changed', changed);
    this.toggleClass('jp-SextantBadge-error', record.status === 'error');
    const parts = [runName, loggedSummary(record)];
    if (record.status === 'error') parts.push('failed');
    if (changed) parts.push('changed since run');
    this.node.textContent = parts.join(' · ');
    this.node.title = [
      `Recorded in Sextant run ${runName} (${record.runId})`,
      `Executed ${new Date(record.startTime).toLocaleString()} as [${record.executionCount ?? ' '}], ${formatDuration(record.durationMs)}, ${record.status}`,
      record.error ?? '',
      changed ? 'The cell was edited since: the record is of its earlier source.' : '',
      'Click to open the run.',
    ]
      .filter(Boolean)
      .join('\n');
  }
}

/** Keeps the badges of one notebook in step with the store and with the cells' sources. */
export class NotebookBadges {
  private readonly badges = new Map<Cell, CellBadge>();
  private readonly records = new Map<string, CellRecord>();
  private readonly names = new Map<string, string>();
  private readonly refreshSoon = new Debouncer(() => void this.refresh(), 400);
  private readonly recheckSoon = new Debouncer(() => void this.recheck(), 300);
  private enabled = true;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly source: BadgeSource,
  ) {
    const notebook = panel.content;
    notebook.model?.contentChanged.connect(() => this.recheckSoon.schedule());
    notebook.model?.cells.changed.connect(() => this.refreshSoon.schedule());
    panel.disposed.connect(() => this.dispose());
  }

  /** Turns the badges on or off. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (enabled) this.refreshSoon.schedule();
    else this.clear();
  }

  /** Asks the store again (soon): a cell ran, or a run changed. */
  schedule(runsChanged = false): void {
    if (runsChanged) this.names.clear();
    this.refreshSoon.schedule();
  }

  /** Fetches the records of every cell of the notebook and redraws the badges. */
  async refresh(): Promise<void> {
    if (!this.enabled || this.panel.isDisposed) return;
    const ids = this.panel.content.widgets.map((cell) => cell.model.id).filter(Boolean);
    if (ids.length === 0) return;
    let records: CellRecord[];
    try {
      records = await this.source.find(ids);
    } catch (error) {
      console.warn('sextant: cannot read cell records', error);
      return;
    }
    this.records.clear();
    for (const record of records) this.records.set(record.cellId, record);
    await this.recheck();
  }

  /** Redraws the badges from the records held, comparing each cell's source with its record. */
  private async recheck(): Promise<void> {
    if (!this.enabled || this.panel.isDisposed) return;
    const seen = new Set<Cell>();
    for (const cell of this.panel.content.widgets) {
      const record = this.records.get(cell.model.id);
      if (!record) continue;
      seen.add(cell);
      const [name, changed] = await Promise.all([
        this.nameOf(record.runId),
        changedSinceRun(record, cell.model.sharedModel.getSource()),
      ]);
      if (cell.isDisposed) continue;
      this.badgeOf(cell).render(record, name, changed);
    }
    for (const [cell, badge] of this.badges) {
      if (!seen.has(cell)) {
        badge.dispose();
        this.badges.delete(cell);
      }
    }
  }

  private async nameOf(runId: string): Promise<string> {
    let name = this.names.get(runId);
    if (name === undefined) {
      name = await this.source.runName(runId).catch(() => runId.slice(0, 8));
      this.names.set(runId, name);
    }
    return name;
  }

  private badgeOf(cell: Cell): CellBadge {
    let badge = this.badges.get(cell);
    if (!badge || badge.isDisposed) {
      badge = new CellBadge((runId) => this.source.openRun(runId));
      const layout = cell.layout as PanelLayout;
      const input = layout.widgets.findIndex((w) => w.hasClass('jp-Cell-inputWrapper'));
      layout.insertWidget(input >= 0 ? input + 1 : layout.widgets.length, badge);
      this.badges.set(cell, badge);
    }
    return badge;
  }

  private clear(): void {
    for (const badge of this.badges.values()) badge.dispose();
    this.badges.clear();
  }

  private dispose(): void {
    this.refreshSoon.cancel();
    this.recheckSoon.cancel();
    this.clear();
  }
}
