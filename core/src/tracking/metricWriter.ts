import type Database from 'better-sqlite3';
import { BLOCK_LEVELS, blockSpan } from '../store';
import type { MetricInput } from './store';

type Point = [step: number, timestamp: number, value: number];

/** An aggregate of consecutive new points of one series, merged into one `metric_blocks` row. */
interface BlockAggregate {
  level: number;
  block: number;
  points: number;
  first: Point;
  last: Point;
  min: Point | undefined;
  max: Point | undefined;
}

interface SeriesState {
  seriesId: number;
  points: number;
  latest: { step: number; timestamp: number; value: number } | undefined;
  /** The block being filled at each level by this write. */
  open: (BlockAggregate | undefined)[];
  /** Blocks this write finished filling or touched, to upsert. */
  done: BlockAggregate[];
}

interface SeriesRow {
  series_id: number;
  points: number;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

/** One `metric_points` row: series_id, step, timestamp, stored value, is_nan. */
type PointRow = [number, number, number, number, 0 | 1];

/**
 * Rows per multi-row INSERT. One statement call per point costs ~2 µs of binding overhead in
 * better-sqlite3, as much as the B-tree insert itself; 200 rows per call (1000 bound values) make
 * a 1000-point batch 5 calls and the insert path more than twice as fast.
 */
const INSERT_CHUNK = 200;

/** Thrown inside the all-or-nothing savepoint to undo it when a point was already stored. */
const DUPLICATE = Symbol('duplicate point');

const SPANS = Array.from({ length: BLOCK_LEVELS }, (_, level) => blockSpan(level));

const nanToNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** Orders points the way MLflow picks a run's latest metric: step, then timestamp, then value. */
function isNewer(
  a: { step: number; timestamp: number; value: number },
  b: { step: number; timestamp: number; value: number },
): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/**
 * Writes metric points of one run inside the caller's transaction: raw points (duplicates of
 * an identical point are ignored, as MLflow does), the per-block aggregates of every level used
 * for downsampling, and the latest value per key.
 */
export class MetricWriter {
  private readonly selectSeries: Database.Statement;
  private readonly insertSeries: Database.Statement;
  private readonly updateSeries: Database.Statement;
  private readonly insertPoint: Database.Statement;
  private readonly upsertBlock: Database.Statement;
  /** Multi-row point inserts by row count (at most {@link INSERT_CHUNK}), made on first use. */
  private readonly insertPoints = new Map<number, Database.Statement>();
  /** Inserts the rows of one call in a savepoint, undone when any row was a duplicate. */
  private readonly insertAllOrNothing: Database.Transaction<(rows: PointRow[]) => void>;

  constructor(private readonly db: Database.Database) {
    this.selectSeries = db.prepare(
      'SELECT series_id, points, step, timestamp, value, is_nan FROM metric_series WHERE run_pk = ? AND key = ?',
    );
    this.insertSeries = db.prepare(
      'INSERT INTO metric_series (run_pk, key, points, value, is_nan, step, timestamp) VALUES (?, ?, 0, 0, 0, 0, 0)',
    );
    this.updateSeries = db.prepare(
      'UPDATE metric_series SET points = ?, value = ?, is_nan = ?, step = ?, timestamp = ? WHERE series_id = ?',
    );
    this.insertPoint = db.prepare(
      'INSERT OR IGNORE INTO metric_points (series_id, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?)',
    );
    this.upsertBlock = db.prepare(`
      INSERT INTO metric_blocks (series_id, level, block, points,
        first_step, first_ts, first_value, last_step, last_ts, last_value,
        min_step, min_ts, min_value, max_step, max_ts, max_value)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (series_id, level, block) DO UPDATE SET
        points = points + excluded.points,
        last_step = excluded.last_step, last_ts = excluded.last_ts, last_value = excluded.last_value,
        min_step = CASE WHEN min_value IS NULL OR excluded.min_value < min_value THEN excluded.min_step ELSE min_step END,
        min_ts = CASE WHEN min_value IS NULL OR excluded.min_value < min_value THEN excluded.min_ts ELSE min_ts END,
        min_value = CASE WHEN min_value IS NULL OR excluded.min_value < min_value THEN excluded.min_value ELSE min_value END,
        max_step = CASE WHEN max_value IS NULL OR excluded.max_value > max_value THEN excluded.max_step ELSE max_step END,
        max_ts = CASE WHEN max_value IS NULL OR excluded.max_value > max_value THEN excluded.max_ts ELSE max_ts END,
        max_value = CASE WHEN max_value IS NULL OR excluded.max_value > max_value THEN excluded.max_value ELSE max_value END
    `);
    this.insertAllOrNothing = db.transaction((rows: PointRow[]) => {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        inserted += this.insertChunk(rows, start, Math.min(rows.length, start + INSERT_CHUNK));
      }
      if (inserted !== rows.length) throw DUPLICATE;
    });
  }

  /** Must run inside an IMMEDIATE transaction. */
  write(runPk: number, metrics: readonly MetricInput[]): void {
    const series = new Map<string, SeriesState>();
    const states: SeriesState[] = [];
    const rows: PointRow[] = [];
    for (const m of metrics) {
      let state = series.get(m.key);
      if (!state) {
        state = this.load(runPk, m.key);
        series.set(m.key, state);
      }
      states.push(state);
      const isNan = Number.isNaN(m.value);
      rows.push([state.seriesId, m.step, m.timestamp, isNan ? 0 : m.value, isNan ? 1 : 0]);
    }
    // Fast path: every point is new (the usual case), inserted many rows per statement. When
    // any was already stored (MLflow ignores an identical point), the savepoint is undone and
    // the points go in one by one, so the aggregates count only the points that were new.
    let allNew = true;
    try {
      this.insertAllOrNothing(rows);
    } catch (error) {
      if (error !== DUPLICATE) throw error;
      allNew = false;
    }
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i] as MetricInput;
      const state = states[i] as SeriesState;
      if (!allNew) {
        const row = rows[i] as PointRow;
        if (this.insertPoint.run(row[0], row[1], row[2], row[3], row[4]).changes === 0) continue;
      }
      this.aggregate(state, [m.step, m.timestamp, m.value]);
      if (!state.latest || isNewer(m, state.latest)) state.latest = m;
    }
    for (const state of series.values()) {
      const latest = state.latest ?? { step: 0, timestamp: 0, value: 0 };
      const isNan = Number.isNaN(latest.value);
      this.updateSeries.run(
        state.points,
        isNan ? 0 : latest.value,
        isNan ? 1 : 0,
        latest.step,
        latest.timestamp,
        state.seriesId,
      );
      for (const open of state.open) if (open) state.done.push(open);
      for (const b of state.done) {
        this.upsertBlock.run(
          state.seriesId,
          b.level,
          b.block,
          b.points,
          b.first[0],
          b.first[1],
          nanToNull(b.first[2]),
          b.last[0],
          b.last[1],
          nanToNull(b.last[2]),
          b.min?.[0] ?? null,
          b.min?.[1] ?? null,
          b.min?.[2] ?? null,
          b.max?.[0] ?? null,
          b.max?.[1] ?? null,
          b.max?.[2] ?? null,
        );
      }
    }
  }

  /** Inserts `rows[start..end)` with one statement; returns how many were new. */
  private insertChunk(rows: PointRow[], start: number, end: number): number {
    const n = end - start;
    let statement = this.insertPoints.get(n);
    if (!statement) {
      statement = this.db.prepare(
        `INSERT OR IGNORE INTO metric_points (series_id, step, timestamp, value, is_nan) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`,
      );
      this.insertPoints.set(n, statement);
    }
    const values: number[] = new Array<number>(n * 5);
    for (let i = 0; i < n; i++) {
      const row = rows[start + i] as PointRow;
      values[i * 5] = row[0];
      values[i * 5 + 1] = row[1];
      values[i * 5 + 2] = row[2];
      values[i * 5 + 3] = row[3];
      values[i * 5 + 4] = row[4];
    }
    return statement.run(values).changes;
  }

  private load(runPk: number, key: string): SeriesState {
    const row = this.selectSeries.get(runPk, key) as SeriesRow | undefined;
    const open = new Array<BlockAggregate | undefined>(BLOCK_LEVELS).fill(undefined);
    if (!row) {
      const created = this.insertSeries.run(runPk, key);
      return {
        seriesId: Number(created.lastInsertRowid),
        points: 0,
        latest: undefined,
        open,
        done: [],
      };
    }
    return {
      seriesId: row.series_id,
      points: row.points,
      latest: { step: row.step, timestamp: row.timestamp, value: row.is_nan ? NaN : row.value },
      open,
      done: [],
    };
  }

  /** Counts a new point (the series' `points`-th, from 0) into its block at every level. */
  private aggregate(state: SeriesState, point: Point): void {
    const position = state.points++;
    const isNan = Number.isNaN(point[2]);
    for (let level = 0; level < BLOCK_LEVELS; level++) {
      const block = Math.floor(position / (SPANS[level] as number));
      let agg = state.open[level];
      if (!agg || agg.block !== block) {
        if (agg) state.done.push(agg);
        agg = {
          level,
          block,
          points: 0,
          first: point,
          last: point,
          min: undefined,
          max: undefined,
        };
        state.open[level] = agg;
      }
      agg.points++;
      agg.last = point;
      if (isNan) continue;
      if (!agg.min || point[2] < agg.min[2]) agg.min = point;
      if (!agg.max || point[2] > agg.max[2]) agg.max = point;
    }
  }
}
