import type Database from 'better-sqlite3';
import type { SampledSeries } from '../model';
import { notFound } from '../model/errors';
import { m4Blocks, m4Columns, type Block, type SeriesColumns } from './sampling';

/** Up to this many points, a sample is computed from the raw points; above, from blocks. */
export const RAW_SAMPLE_LIMIT = 20_000;

type BlockRow = [
  number, number, number | null,
  number, number, number | null,
  number | null, number | null, number | null,
  number | null, number | null, number | null,
  number,
];

const orNaN = (v: number | null): number => (v === null ? NaN : v);

function toBlock(row: BlockRow): Block {
  const [fs, ft, fv, ls, lt, lv, mins, mint, minv, maxs, maxt, maxv, points] = row;
  return {
    points,
    first: [fs, ft, orNaN(fv)],
    last: [ls, lt, orNaN(lv)],
    ...(minv !== null ? { min: [mins as number, mint as number, minv] as [number, number, number] } : {}),
    ...(maxv !== null ? { max: [maxs as number, maxt as number, maxv] as [number, number, number] } : {}),
  };
}

/**
 * Reads one metric series downsampled to at most `budget` points. Small series are read raw;
 * large ones are merged from `metric_blocks`, so a million points cost ~16k row reads.
 */
export function sampleSeries(
  db: Database.Database,
  runPk: number,
  runId: string,
  key: string,
  budget: number,
): SampledSeries {
  const series = db
    .prepare('SELECT series_id, points FROM metric_series WHERE run_pk = ? AND key = ?')
    .get(runPk, key) as { series_id: number; points: number } | undefined;
  if (!series) throw notFound(`Run ${runId} has no metric '${key}'`);
  let columns: SeriesColumns;
  if (series.points <= Math.max(RAW_SAMPLE_LIMIT, budget)) {
    columns = { steps: [], timestamps: [], values: [] };
    const rows = db
      .prepare(
        'SELECT step, timestamp, value, is_nan FROM metric_points WHERE series_id = ? ORDER BY step, timestamp',
      )
      .raw()
      .iterate(series.series_id) as IterableIterator<[number, number, number, number]>;
    for (const [step, timestamp, value, isNan] of rows) {
      columns.steps.push(step);
      columns.timestamps.push(timestamp);
      columns.values.push(isNan ? NaN : value);
    }
    columns = m4Columns(columns, budget);
  } else {
    const rows = db
      .prepare(
        `SELECT first_step, first_ts, first_value, last_step, last_ts, last_value,
                min_step, min_ts, min_value, max_step, max_ts, max_value, points
         FROM metric_blocks WHERE series_id = ? ORDER BY block`,
      )
      .raw()
      .all(series.series_id) as BlockRow[];
    columns = m4Blocks(rows.map(toBlock), budget);
  }
  return {
    key,
    runId,
    total: series.points,
    ...columns,
    downsampled: columns.steps.length < series.points,
  };
}
