import { invalid, LIMITS, validateTag, type Run, type TrackingService } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import {
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringList,
  optionalViewType,
  requiredString,
  requiredStringList,
} from '../params';
import {
  RunsCompareRequest,
  RunsDeleteRequest,
  RunsDeleteTagRequest,
  RunsGetRequest,
  RunsRenameRequest,
  RunsRestoreRequest,
  RunsSearchRequest,
  RunsSetTagRequest,
  type MetricComparison,
  type MetricStats,
  type ParamComparison,
  type RunsCompareResult,
} from '../protocol';
import { runSummary } from '../summaries';
import { handle, type HandlerContext } from './context';

const DEFAULT_PAGE_SIZE = 100;
const MAX_COMPARED_RUNS = 100;

const sortedKeys = (lists: { key: string }[][]): string[] =>
  [...new Set(lists.flatMap((list) => list.map((item) => item.key)))].sort();

function compareParams(runs: Run[]): ParamComparison[] {
  return sortedKeys(runs.map((r) => r.data.params)).map((key) => {
    const values = runs.map((r) => r.data.params.find((p) => p.key === key)?.value ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

async function compareRuns(
  tracking: TrackingService,
  runIds: string[],
): Promise<RunsCompareResult> {
  const runs = await Promise.all(runIds.map((id) => tracking.getRun(id)));
  const ranges = await Promise.all(runIds.map((id) => tracking.metricRanges(id)));
  const metrics: MetricComparison[] = sortedKeys(runs.map((r) => r.data.metrics)).map((key) => ({
    key,
    runs: runs.map((run, i): MetricStats | null => {
      const latest = run.data.metrics.find((m) => m.key === key);
      const range = ranges[i]?.find((r) => r.key === key);
      if (!latest || !range) return null;
      return { latest: latest.value, step: latest.step, min: range.min, max: range.max };
    }),
  }));
  return { runs: runs.map((r) => runSummary(r)), params: compareParams(runs), metrics };
}

function runName(params: unknown): string {
  const name = requiredString(params, 'name');
  if (name.trim() === '' || name.length > LIMITS.runNameLength) {
    throw invalid(
      `Invalid run name: give a non-blank name of at most ${LIMITS.runNameLength} characters.`,
    );
  }
  return name;
}

/** `sextant/runs/...`: search, get, compare, delete, restore, rename, setTag. */
export function registerRunHandlers(connection: Connection, context: HandlerContext): void {
  const tracking = (): TrackingService => context.workspace().engine.tracking;
  const summaryOf = async (runId: string) => runSummary(await tracking().getRun(runId));

  handle(connection, RunsSearchRequest, async (params) => {
    const metricKeys = optionalStringList(params, 'metricKeys');
    const withData = optionalBoolean(params, 'withData');
    const page = await tracking().searchRuns({
      experimentIds: requiredStringList(params, 'experimentIds', 1, 1000),
      filter: optionalString(params, 'filter'),
      orderBy: optionalStringList(params, 'orderBy'),
      viewType: optionalViewType(params),
      maxResults: optionalInteger(params, 'maxResults', 1, 50_000) ?? DEFAULT_PAGE_SIZE,
      pageToken: optionalString(params, 'pageToken'),
    });
    return {
      runs: page.items.map((run) => runSummary(run, metricKeys, withData)),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  });

  handle(connection, RunsGetRequest, (params) =>
    tracking().getRun(requiredString(params, 'runId')),
  );

  handle(connection, RunsCompareRequest, (params) =>
    compareRuns(tracking(), requiredStringList(params, 'runIds', 1, MAX_COMPARED_RUNS)),
  );

  handle(connection, RunsDeleteRequest, async (params) => {
    const runId = requiredString(params, 'runId');
    await tracking().deleteRun(runId);
    return summaryOf(runId);
  });

  handle(connection, RunsRestoreRequest, async (params) => {
    const runId = requiredString(params, 'runId');
    await tracking().restoreRun(runId);
    return summaryOf(runId);
  });

  handle(connection, RunsRenameRequest, async (params) => {
    const runId = requiredString(params, 'runId');
    await tracking().updateRun(runId, { runName: runName(params) });
    return summaryOf(runId);
  });

  handle(connection, RunsSetTagRequest, async (params) => {
    const runId = requiredString(params, 'runId');
    const { key, value } = (params ?? {}) as { key?: unknown; value?: unknown };
    await tracking().setTag(runId, validateTag({ key, value }));
    return summaryOf(runId);
  });

  handle(connection, RunsDeleteTagRequest, async (params) => {
    const runId = requiredString(params, 'runId');
    await tracking().deleteTag(runId, requiredString(params, 'key'));
    return summaryOf(runId);
  });
}
