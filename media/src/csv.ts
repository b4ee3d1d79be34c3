/** CSV export of a run comparison: one row per run, params then latest metrics as columns. */
import type { RunsCompareResult } from '@sextant/language-server/protocol';

/** Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The comparison as CSV: `run_id,run_name,status,param.<key>...,metric.<key>...`. */
export function compareToCsv(compare: RunsCompareResult, onlyDifferences = false): string {
  const params = onlyDifferences ? compare.params.filter((p) => p.differs) : compare.params;
  const header = [
    'run_id',
    'run_name',
    'status',
    ...params.map((p) => `param.${p.key}`),
    ...compare.metrics.map((m) => `metric.${m.key}`),
  ];
  const rows = compare.runs.map((run, i) => [
    run.runId,
    run.runName,
    run.status,
    ...params.map((p) => p.values[i] ?? ''),
    ...compare.metrics.map((m) => {
      const stats = m.runs[i];
      return stats ? String(stats.latest) : '';
    }),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
