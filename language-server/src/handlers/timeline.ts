import { loopTimeline, type TimelineQuery } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { optionalInteger, optionalString } from '../params';
import { TimelineGetRequest } from '../protocol';
import { handle, type HandlerContext } from './context';

/** The newest items a timeline request may ask for. */
const MAX_ITEMS = 5000;

/** Registers `sextant/timeline/get`. */
export function registerTimelineHandlers(connection: Connection, context: HandlerContext): void {
  handle(connection, TimelineGetRequest, async (params) => {
    const deployment = optionalString(params, 'deployment');
    const model = optionalString(params, 'model');
    const since = optionalInteger(params, 'since', 0, Number.MAX_SAFE_INTEGER);
    const until = optionalInteger(params, 'until', 0, Number.MAX_SAFE_INTEGER);
    const limit = optionalInteger(params, 'limit', 1, MAX_ITEMS);
    const query: TimelineQuery = {
      ...(deployment !== undefined ? { deployment } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    return loopTimeline(context.workspace().engine, query);
  });
}
