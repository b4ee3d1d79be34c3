import { invalid, type SampledSeries } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { optionalInteger, optionalStringList, requiredStringList } from '../params';
import { MetricsHistoryRequest } from '../protocol';
import { handle, type HandlerContext } from './context';

const DEFAULT_BUDGET = 1000;
const MAX_RUNS = 100;
/** Most points one answer may carry (series times budget), so no request can stall the server. */
const MAX_POINTS = 2_000_000;

/** `sextant/metrics/history`. */
export function registerMetricHandlers(connection: Connection, context: HandlerContext): void {
  handle(connection, MetricsHistoryRequest, async (params) => {
    const tracking = context.workspace().engine.tracking;
    const runIds = requiredStringList(params, 'runIds', 1, MAX_RUNS);
    const keys = optionalStringList(params, 'keys');
    const budget = optionalInteger(params, 'budget', 4, 100_000) ?? DEFAULT_BUDGET;
    const runs = await Promise.all(runIds.map((id) => tracking.getRun(id)));
    const wanted = runs.map((run) => {
      const logged = run.data.metrics.map((m) => m.key);
      return {
        runId: run.info.runId,
        keys: (keys ?? logged).filter((k) => logged.includes(k)).sort(),
      };
    });
    const count = wanted.reduce((sum, w) => sum + w.keys.length, 0);
    if (count * budget > MAX_POINTS) {
      throw invalid(
        `Asked for ${count} series of up to ${budget} points, over the limit of ${MAX_POINTS} points: ` +
          'lower the budget or ask for fewer runs or keys.',
      );
    }
    const series: SampledSeries[] = [];
    for (const { runId, keys: runKeys } of wanted) {
      for (const key of runKeys) series.push(await tracking.sampleMetric(runId, key, budget));
    }
    return { series };
  });
}
