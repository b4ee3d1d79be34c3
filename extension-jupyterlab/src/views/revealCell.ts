/** Brings a notebook to one of its cells: "re-open at this cell" of the run panel. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { contentsPath } from './contentsPath.js';

function cellIndex(panel: NotebookPanel, cellId: string): number {
  return panel.content.widgets.findIndex((cell) => cell.model.id === cellId);
}

/**
 * Activates the notebook that holds `cellId` (an open one first; else it opens `notebook`),
 * selects the cell and scrolls it into view. Throws with a message for the user when it cannot.
 */
export async function revealCell(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  docs: IDocumentManager | null,
  cellId: string,
  notebook: string | undefined,
): Promise<void> {
  let panel: NotebookPanel | undefined;
  notebooks.forEach((candidate) => {
    if (!panel && cellIndex(candidate, cellId) >= 0) panel = candidate;
  });
  if (!panel && notebook && docs) {
    const path = contentsPath(notebook, PageConfig.getOption('rootUri') || null);
    const opened = docs.openOrReveal(path);
    if (opened && notebooks.has(opened)) {
      panel = opened as NotebookPanel;
      await panel.context.ready;
      await panel.revealed;
    }
  }
  if (!panel) {
    throw new Error(
      notebook
        ? `Cannot open ${notebook}: it is not under the Jupyter root, or it was moved.`
        : 'The notebook of this cell is not open, and the record does not name its file.',
    );
  }
  app.shell.activateById(panel.id);
  const index = cellIndex(panel, cellId);
  if (index < 0) throw new Error(`The notebook no longer has the cell ${cellId}.`);
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  await panel.content.scrollToItem(index, 'center');
}
