/** Test data for the run trees' tests (both IDEs): a finished run of experiment 1. */
import type { RunSummary } from '@sextant/language-server/protocol';

/** A `RunSummary` named `name-<runId>`, 2 s long, without metrics; `extra` overrides fields. */
export function runSummary(runId: string, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    runId,
    runName: `name-${runId}`,
    experimentId: '1',
    status: 'FINISHED',
    startTime: 1000,
    endTime: 3000,
    lifecycleStage: 'active',
    metrics: {},
    ...extra,
  };
}
