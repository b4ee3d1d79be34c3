import type Database from 'better-sqlite3';
import type { SampledSeries } from '../model';
import { notFound } from '../model/errors';
import { BLOCK_LEVELS, blockSpan } from '../store';
import { m4Blocks, m4Indices, type Block, type SeriesColumns } from './sampling';

/** Up to this many points, a sample is computed from the raw points; above, from blocks. */
export const RAW_SAMPLE_LIMIT = 20_000;

type BlockRow = [
  number,
  number,
  number | null,
  number,
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number,
];

const orNaN = (v: number | null): number => (v === null ? NaN : v);

function toBlock(row: BlockRow): Block {
  const [fs, ft, fv, ls, lt, lv, mins, mint, minv, maxs, maxt, maxv, points] = row;
  return {
    points,
    first: [fs, ft, orNaN(fv)],
    last: [ls, lt, orNaN(lv)],
    ...(minv !== null
      ? { min: [mins as number, mint as number, minv] as [number, number, number] }
      : {}),
    ...(maxv !== null
      ? { max: [maxs as number, maxt as number, maxv] as [number, number, number] }
      : {}),
  };
}

/**
 * The coarsest `metric_blocks` level that still has a block per M4 bucket, so a sample reads at
 * most ~`BLOCK_FANOUT` blocks per bucket whatever the series' length (a million points sampled
 * to 1000 read ~2k rows of level 1, not ~16k of level 0: reading rows is most of the cost).
 */
export function sampleLevel(points: number, budget: number): number {
  const buckets = Math.max(1, Math.floor(budget / 4));
  for (let level = BLOCK_LEVELS - 1; level > 0; level--) {
    if (Math.ceil(points / blockSpan(level)) >= buckets) return level;
  }
  return 0;
}

type PointRow = [number, number, number, number];

/** The `metric_points` key order: chart order. */
const CHART_ORDER = 'ORDER BY step, timestamp, value, is_nan';

function toColumns(rows: Iterable<PointRow>): SeriesColumns {
  const columns: SeriesColumns = { steps: [], timestamps: [], values: [] };
  for (const [step, timestamp, value, isNan] of rows) {
    columns.steps.push(step);
    columns.timestamps.push(timestamp);
    columns.values.push(isNan ? NaN : value);
  }
  return columns;
}

/**
 * M4 over the raw points of a mid-sized series. better-sqlite3 spends ~1.5 µs on each row it
 * returns as an array and ~0.35 µs on a plucked value, so this reads the steps and the values
 * as two single columns (~15 ms at 20k points instead of ~35 ms for whole rows), then the whole
 * rows of just the steps it keeps.
 */
function sampleRaw(db: Database.Database, seriesId: number, budget: number): SeriesColumns {
  const column = (sql: string): unknown[] =>
    db
      .prepare(`SELECT ${sql} FROM metric_points WHERE series_id = ? ${CHART_ORDER}`)
      .pluck()
      .all(seriesId);
  const steps = column('step') as number[];
  const values = Float64Array.from(
    column('CASE WHEN is_nan THEN NULL ELSE value END') as (number | null)[],
    (v) => (v === null ? NaN : v),
  );
  const keep = m4Indices(values, budget);
  const keptSteps = [...new Set(keep.map((i) => steps[i] as number))];
  const rows = db
    .prepare(
      `SELECT step, timestamp, value, is_nan FROM metric_points
       WHERE series_id = ? AND step IN (SELECT value FROM json_each(?)) ${CHART_ORDER}`,
    )
    .raw()
    .all(seriesId, JSON.stringify(keptSteps)) as PointRow[];
  // Rows come back grouped by step in chart order; the k-th point of a step is the k-th row.
  const firstRow = new Map<number, number>();
  rows.forEach((row, r) => {
    if (!firstRow.has(row[0])) firstRow.set(row[0], r);
  });
  const kept: PointRow[] = keep.map((i) => {
    const step = steps[i] as number;
    let first = i;
    while (first > 0 && steps[first - 1] === step) first--;
    return rows[(firstRow.get(step) as number) + (i - first)] as PointRow;
  });
  return toColumns(kept);
}

/**
 * Reads one metric series downsampled to at most `budget` points. A series within the budget
 * comes back whole; a mid-sized one is sampled from its raw points; a large one is merged from
 * the `metric_blocks` level that fits the budget (see {@link sampleLevel}).
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
  if (series.points <= budget) {
    const rows = db
      .prepare(
        `SELECT step, timestamp, value, is_nan FROM metric_points WHERE series_id = ? ${CHART_ORDER}`,
      )
      .raw()
      .all(series.series_id) as PointRow[];
    columns = toColumns(rows);
  } else if (series.points <= RAW_SAMPLE_LIMIT) {
    columns = sampleRaw(db, series.series_id, budget);
  } else {
    const rows = db
      .prepare(
        `SELECT first_step, first_ts, first_value, last_step, last_ts, last_value,
                min_step, min_ts, min_value, max_step, max_ts, max_value, points
         FROM metric_blocks WHERE series_id = ? AND level = ? ORDER BY block`,
      )
      .raw()
      .all(series.series_id, sampleLevel(series.points, budget)) as BlockRow[];
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
