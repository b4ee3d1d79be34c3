/**
 * Notebook cell status items for `.ipynb` files: what the `%sextant` cell tracker recorded for
 * each cell (its run and the keys it logged, and whether the cell was edited since), with a click
 * that opens the run. The logic is in `model.ts`; this adapts it to VS Code.
 */
import { RunsChangedNotification } from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { CellRecordCache, cellIdOf } from './model';

/** The notebook type of VS Code's built-in ipynb serializer. */
export const JUPYTER_NOTEBOOK = 'jupyter-notebook';

/** How long bursts of `sextant/runs/changed` are gathered before the items are asked for again. */
const REFRESH_DELAY_MS = 300;
/** How long a cell must be left alone after an edit before its item says whether it changed. */
const EDIT_DELAY_MS = 400;

/** The provider of Sextant's notebook cell status items. */
export class CellStatusProvider implements vscode.NotebookCellStatusBarItemProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly cache: CellRecordCache;
  private readonly subscriptions: { dispose(): void }[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private editTimer: ReturnType<typeof setTimeout> | undefined;

  readonly onDidChangeCellStatusBarItems = this.changed.event;

  constructor(
    private readonly api: SextantApi,
    private readonly log: (message: string) => void,
  ) {
    this.cache = new CellRecordCache(api);
    this.subscriptions = [
      api.onNotification(RunsChangedNotification, ({ run }) => {
        this.cache.runChanged(run.runId, run.runName);
        this.scheduleRefresh();
      }),
      api.onServerInfo(() => {
        this.cache.clear();
        this.scheduleRefresh();
      }),
      vscode.workspace.onDidCloseNotebookDocument((notebook) =>
        this.cache.forget(notebook.uri.toString()),
      ),
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        if (
          event.notebook.notebookType === JUPYTER_NOTEBOOK &&
          event.cellChanges.some((change) => change.document !== undefined)
        ) {
          this.scheduleEditRefresh();
        }
      }),
    ];
  }

  /** Asks for the items again once the user stopped typing for {@link EDIT_DELAY_MS}. */
  private scheduleEditRefresh(): void {
    if (this.editTimer) clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => {
      this.editTimer = undefined;
      this.changed.fire();
    }, EDIT_DELAY_MS);
  }

  private scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, REFRESH_DELAY_MS);
  }

  async provideCellStatusBarItems(
    cell: vscode.NotebookCell,
    token?: vscode.CancellationToken,
  ): Promise<vscode.NotebookCellStatusBarItem[]> {
    const cellId = cellIdOf(cell.metadata);
    if (!cellId || !this.api.info) return [];
    const cellIds = cell.notebook
      .getCells()
      .map((c) => cellIdOf(c.metadata))
      .filter((id): id is string => id !== undefined);
    try {
      const model = await this.cache.status(
        cell.notebook.uri.toString(),
        cellIds,
        cellId,
        Date.now(),
        cell.document.getText(),
      );
      if (!model || token?.isCancellationRequested) return [];
      const item = new vscode.NotebookCellStatusBarItem(
        model.text,
        vscode.NotebookCellStatusBarAlignment.Right,
      );
      item.tooltip = model.tooltip;
      item.accessibilityInformation = { label: `Sextant: ${model.tooltip}` };
      item.command = {
        title: 'Open Run',
        command: 'sextant.openRun',
        arguments: [model.runId, model.runName],
      };
      return [item];
    } catch (error) {
      this.log(`Sextant: reading the notebook's recorded cells failed: ${errorMessage(error)}`);
      return [];
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.editTimer) clearTimeout(this.editTimer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
