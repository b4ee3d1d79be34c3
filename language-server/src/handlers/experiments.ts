import type { Connection } from 'vscode-languageserver/node';
import { validateTag } from '@sextant/core';
import {
  optionalInteger,
  optionalString,
  optionalStringList,
  optionalViewType,
  requiredString,
} from '../params';
import {
  ExperimentsDeleteRequest,
  ExperimentsDeleteTagRequest,
  ExperimentsListRequest,
  ExperimentsRestoreRequest,
  ExperimentsSetTagRequest,
} from '../protocol';
import { handle, type HandlerContext } from './context';

/** `sextant/experiments/list`, `delete`, `restore`, `setTag` and `deleteTag`. */
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

  const tracking = () => context.workspace().engine.tracking;
  const experimentId = (params: unknown): string => requiredString(params, 'experimentId');

  handle(connection, ExperimentsDeleteRequest, async (params) => {
    const id = experimentId(params);
    await tracking().deleteExperiment(id);
    return tracking().getExperiment(id);
  });

  handle(connection, ExperimentsRestoreRequest, async (params) => {
    const id = experimentId(params);
    await tracking().restoreExperiment(id);
    return tracking().getExperiment(id);
  });

  handle(connection, ExperimentsSetTagRequest, async (params) => {
    const id = experimentId(params);
    const { key, value } = (params ?? {}) as { key?: unknown; value?: unknown };
    await tracking().setExperimentTag(id, validateTag({ key, value }));
    return tracking().getExperiment(id);
  });

  handle(connection, ExperimentsDeleteTagRequest, async (params) => {
    const id = experimentId(params);
    await tracking().deleteExperimentTag(id, requiredString(params, 'key'));
    return tracking().getExperiment(id);
  });
}
