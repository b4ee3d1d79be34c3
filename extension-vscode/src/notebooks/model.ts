/**
 * Notebook cell status items as plain data: what the `%sextant` cell tracker recorded for a cell
 * (its latest execution and the run it went to), and a per-notebook cache that asks the server
 * once for all of a notebook's cells. The VS Code adapter is `cellStatus.ts`.
 */
import { changedSinceRun, formatDuration } from '@sextant/core/model';
import {
  CellsFindRequest,
  RunsGetRequest,
  type CellRecord,
} from '@sextant/language-server/protocol';
import type { SextantClient } from '@sextant/media/client';

/**
 * The nbformat cell id of a VS Code notebook cell: VS Code's ipynb serializer keeps it as
 * `metadata.id` (1.100; older releases nested the cell's metadata under `custom`).
 */
export function cellIdOf(metadata: unknown): string | undefined {
  const m = metadata as { id?: unknown; custom?: { id?: unknown } } | undefined;
  const id = m?.id ?? m?.custom?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** A cell status item as plain data. */
export interface CellStatusModel {
  /** With a codicon, e.g. `$(beaker) run-name · loss, acc`. */
  text: string;
  tooltip: string;
  runId: string;
  runName: string;
  /** The cell's text is no longer the source the run recorded. */
  changed: boolean;
}

/** Keys shown in the text before the rest are counted as `+N`. */
const SHOWN_KEYS = 3;

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAgo(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

const list = (keys: string[]): string => (keys.length > 0 ? keys.join(', ') : '—');

/**
 * The status item of a cell from its latest record, the name of its run (when known) and whether
 * the cell's text changed since (see {@link changedSinceRun}).
 */
export function cellStatusModel(
  record: CellRecord,
  runName: string | undefined,
  now = Date.now(),
  changed = false,
): CellStatusModel {
  const name = runName || record.runId.slice(0, 8);
  const { params, metrics, tags } = record.logged;
  const keys = [...new Set([...metrics, ...params, ...tags])];
  const shown = keys.slice(0, SHOWN_KEYS).join(', ');
  const more = keys.length > SHOWN_KEYS ? ` +${keys.length - SHOWN_KEYS}` : '';
  const icon = record.status === 'error' ? '$(error)' : '$(beaker)';
  const text =
    `${icon} ${name}${keys.length > 0 ? ` · ${shown}${more}` : ''}` +
    (changed ? ' · changed since run' : '');
  const status =
    record.status === 'error' ? `error${record.error ? `: ${record.error}` : ''}` : 'ok';
  const lines = [
    `Sextant run "${name}"`,
    `Run ID: ${record.runId}`,
    `Executed ${formatAgo(record.startTime, now)} (${new Date(record.startTime).toISOString()})` +
      (record.executionCount !== null ? ` as [${record.executionCount}]` : ''),
    ...(changed ? ['Changed since run: the cell was edited after this run recorded it'] : []),
    `Status: ${status} · took ${formatDuration(record.durationMs)}`,
    `Metrics: ${list(metrics)}`,
    `Params: ${list(params)}`,
    `Tags: ${list(tags)}`,
    'Click to open the run',
  ];
  return { text, tooltip: lines.join('\n'), runId: record.runId, runName: name, changed };
}

interface NotebookEntry {
  /** The cell ids asked for, sorted and joined: a new cell id means asking again. */
  key: string;
  records: Promise<Map<string, CellRecord>>;
}

/**
 * The latest record of each cell per notebook, asked for in one `sextant/cells/find` per
 * notebook and kept until {@link invalidate}; run names are asked once per run and kept current
 * from `sextant/runs/changed`.
 */
export class CellRecordCache {
  private readonly notebooks = new Map<string, NotebookEntry>();
  private readonly runNames = new Map<string, Promise<string | undefined>>();

  constructor(private readonly api: Pick<SextantClient, 'request'>) {}

  /** The records of `cellIds` in the notebook `notebook` (any stable key, e.g. its URI). */
  records(notebook: string, cellIds: string[]): Promise<Map<string, CellRecord>> {
    const ids = [...new Set(cellIds)].sort();
    const key = ids.join('\n');
    const cached = this.notebooks.get(notebook);
    if (cached && cached.key === key) return cached.records;
    const records =
      ids.length === 0
        ? Promise.resolve(new Map<string, CellRecord>())
        : this.api
            .request(CellsFindRequest, { cellIds: ids })
            .then(({ cells }) => new Map(cells.map((c) => [c.cellId, c])));
    const entry = { key, records };
    this.notebooks.set(notebook, entry);
    records.catch(() => {
      if (this.notebooks.get(notebook) === entry) this.notebooks.delete(notebook);
    });
    return records;
  }

  /** The name of a run; undefined when it cannot be read. */
  runName(runId: string): Promise<string | undefined> {
    let name = this.runNames.get(runId);
    if (!name) {
      name = this.api.request(RunsGetRequest, { runId }).then(
        (run) => run.info.runName,
        () => {
          this.runNames.delete(runId);
          return undefined;
        },
      );
      this.runNames.set(runId, name);
    }
    return name;
  }

  /**
   * The status item of a cell of a notebook, or undefined when nothing was recorded for it;
   * `source`, the cell's current text, tells whether it changed since the record.
   */
  async status(
    notebook: string,
    cellIds: string[],
    cellId: string,
    now = Date.now(),
    source?: string,
  ): Promise<CellStatusModel | undefined> {
    const record = (await this.records(notebook, cellIds)).get(cellId);
    if (!record) return undefined;
    const changed = source !== undefined && changedSinceRun(record, source);
    return cellStatusModel(record, await this.runName(record.runId), now, changed);
  }

  /** A run changed (cells may have been recorded, or it was renamed): forget what was asked. */
  runChanged(runId?: string, runName?: string): void {
    this.notebooks.clear();
    if (runId !== undefined && runName !== undefined) {
      this.runNames.set(runId, Promise.resolve(runName));
    }
  }

  /** Forgets a closed notebook. */
  forget(notebook: string): void {
    this.notebooks.delete(notebook);
  }

  /** Forgets everything (the server moved to another store). */
  clear(): void {
    this.notebooks.clear();
    this.runNames.clear();
  }
}
