/**
 * Notebook cell status items as plain data: what the `%sextant` cell tracker recorded for a cell
 * (its latest execution and the run it went to), and a per-notebook cache that asks the server
 * once for all of a notebook's cells. The VS Code adapter is `cellStatus.ts`.
 */
import type { CellRecord } from '@sextant/language-server/dist/protocol';
import type { SextantApi } from '../api';

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
}

/** Keys shown in the text before the rest are counted as `+N`. */
const SHOWN_KEYS = 3;

/** `240 ms`, `1.2 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAgo(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

const list = (keys: string[]): string => (keys.length > 0 ? keys.join(', ') : '—');

/** The status item of a cell from its latest record and the name of its run (when known). */
export function cellStatusModel(
  record: CellRecord,
  runName: string | undefined,
  now = Date.now(),
): CellStatusModel {
  const name = runName || record.runId.slice(0, 8);
  const { params, metrics, tags } = record.logged;
  const keys = [...new Set([...metrics, ...params, ...tags])];
  const shown = keys.slice(0, SHOWN_KEYS).join(', ');
  const more = keys.length > SHOWN_KEYS ? ` +${keys.length - SHOWN_KEYS}` : '';
  const icon = record.status === 'error' ? '$(error)' : '$(beaker)';
  const text = `${icon} ${name}${keys.length > 0 ? ` · ${shown}${more}` : ''}`;
  const status =
    record.status === 'error' ? `error${record.error ? `: ${record.error}` : ''}` : 'ok';
  const lines = [
    `Sextant run "${name}" (${record.runId})`,
    `Executed ${formatAgo(record.startTime, now)} (${new Date(record.startTime).toISOString()})` +
      (record.executionCount !== null ? ` as [${record.executionCount}]` : ''),
    `Status: ${status} · took ${formatDuration(record.durationMs)}`,
    `Metrics: ${list(metrics)}`,
    `Params: ${list(params)}`,
    `Tags: ${list(tags)}`,
    'Click to open the run',
  ];
  return { text, tooltip: lines.join('\n'), runId: record.runId, runName: name };
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

  constructor(private readonly api: Pick<SextantApi, 'findCells' | 'getRun'>) {}

  /** The records of `cellIds` in the notebook `notebook` (any stable key, e.g. its URI). */
  records(notebook: string, cellIds: string[]): Promise<Map<string, CellRecord>> {
    const ids = [...new Set(cellIds)].sort();
    const key = ids.join('\n');
    const cached = this.notebooks.get(notebook);
    if (cached && cached.key === key) return cached.records;
    const records =
      ids.length === 0
        ? Promise.resolve(new Map<string, CellRecord>())
        : this.api.findCells(ids).then(({ cells }) => new Map(cells.map((c) => [c.cellId, c])));
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
      name = this.api.getRun(runId).then(
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

  /** The status item of a cell of a notebook, or undefined when nothing was recorded for it. */
  async status(
    notebook: string,
    cellIds: string[],
    cellId: string,
    now = Date.now(),
  ): Promise<CellStatusModel | undefined> {
    const record = (await this.records(notebook, cellIds)).get(cellId);
    if (!record) return undefined;
    return cellStatusModel(record, await this.runName(record.runId), now);
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
