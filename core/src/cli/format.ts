import { formatDuration } from '../model/format';
/** Plain-text tables for the CLI. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const time = (ms: number | null | undefined): string =>
  ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '';

/** How long a run took (or has taken so far), as everywhere in Sextant: `4m 05s`. */
export function duration(start: number, end: number | null): string {
  return formatDuration((end ?? Date.now()) - start);
}
