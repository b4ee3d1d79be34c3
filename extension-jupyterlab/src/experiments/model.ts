/**
 * What the Sextant sidebar shows of a run, as plain functions of the protocol's data. How runs
 * nest and stay current is shared with VS Code: `@sextant/media`'s `runs/nesting`.
 */
import type { RunSummary } from '@sextant/language-server/protocol';
import { formatDuration } from '@sextant/core/model';
import { shortNumber } from '@sextant/media/runs/nesting';

/** The text beside a run: its first metric in key order and its duration so far. */
export function runDescription(run: RunSummary, now: number): string {
  const key = Object.keys(run.metrics).sort()[0];
  const duration = formatDuration((run.endTime ?? now) - run.startTime);
  const metric = key === undefined ? undefined : `${key}=${shortNumber(run.metrics[key] ?? null)}`;
  return [metric, duration].filter(Boolean).join(' · ');
}

/** The run's tooltip: name, status, id, start and every latest metric. */
export function runTooltip(run: RunSummary): string {
  return [
    `${run.runName} (${run.status.toLowerCase()})`,
    `Run ID: ${run.runId}`,
    `Started: ${new Date(run.startTime).toLocaleString()}`,
    ...Object.keys(run.metrics)
      .sort()
      .map((key) => `${key}: ${shortNumber(run.metrics[key] ?? null)}`),
  ].join('\n');
}
