import type { Run } from '@sextant/core';
import type { RunSummary } from './protocol';

const PARENT_RUN_TAG = 'mlflow.parentRunId';

/**
 * The compact form of a run for trees; `metricKeys` picks the metrics, all when absent; `withData`
 * adds every param and tag (a runs table).
 */
export function runSummary(run: Run, metricKeys?: readonly string[], withData = false): RunSummary {
  const { info, data } = run;
  const metrics: Record<string, number> = {};
  for (const metric of data.metrics) {
    if (!metricKeys || metricKeys.includes(metric.key)) metrics[metric.key] = metric.value;
  }
  const parentRunId = data.tags.find((t) => t.key === PARENT_RUN_TAG)?.value;
  return {
    runId: info.runId,
    runName: info.runName,
    experimentId: info.experimentId,
    status: info.status,
    startTime: info.startTime,
    endTime: info.endTime,
    lifecycleStage: info.lifecycleStage,
    ...(parentRunId ? { parentRunId } : {}),
    metrics,
    ...(withData
      ? {
          params: Object.fromEntries(data.params.map((p) => [p.key, p.value])),
          tags: Object.fromEntries(data.tags.map((t) => [t.key, t.value])),
        }
      : {}),
  };
}
