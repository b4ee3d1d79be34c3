import type { Connection } from 'vscode-languageserver/node';
import { requiredString, requiredStringList } from '../params';
import { CellsFindRequest, CellsListRequest } from '../protocol';
import { handle, type HandlerContext } from './context';

/** `sextant/cells/list` and `sextant/cells/find`. */
export function registerCellHandlers(connection: Connection, context: HandlerContext): void {
  handle(connection, CellsListRequest, async (params) => ({
    cells: await context.workspace().engine.tracking.listCells(requiredString(params, 'runId')),
  }));
  handle(connection, CellsFindRequest, async (params) => ({
    cells: await context
      .workspace()
      .engine.tracking.findCells(requiredStringList(params, 'cellIds', 1, 10_000)),
  }));
}
