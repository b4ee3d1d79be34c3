import type { Connection } from 'vscode-languageserver/node';
import { optionalInteger, optionalString, optionalStringList, optionalViewType } from '../params';
import { ExperimentsListRequest } from '../protocol';
import { handle, type HandlerContext } from './context';

/** `sextant/experiments/list`. */
export function registerExperimentHandlers(connection: Connection, context: HandlerContext): void {
  handle(connection, ExperimentsListRequest, async (params) => {
    const page = await context.workspace().engine.tracking.searchExperiments({
      filter: optionalString(params, 'filter'),
      viewType: optionalViewType(params),
      orderBy: optionalStringList(params, 'orderBy'),
      maxResults: optionalInteger(params, 'maxResults', 1, 50_000),
      pageToken: optionalString(params, 'pageToken'),
    });
    return {
      experiments: page.items,
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  });
}
