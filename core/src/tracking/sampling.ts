/**
 * Downsampling of metric series for charts (M4: first, min, max and last of each bucket), so a
 * chart drawn from the sample shows the same envelope as one drawn from every point.
 */

/** Columns of a series in step order. `values` may hold NaN. */
export interface SeriesColumns {
  steps: number[];
  timestamps: number[];
  values: number[];
}

/** A pre-aggregated run of consecutive points (one `metric_blocks` row). */
export interface Block {
  points: number;
  first: [number, number, number];
  last: [number, number, number];
  /** [step, timestamp, value] of the extremes; undefined when the block holds only NaN. */
  min?: [number, number, number];
  max?: [number, number, number];
}

type Point = [number, number, number];

function pushPoints(out: SeriesColumns, points: Point[]): void {
  const seen = new Set<string>();
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const p of points) {
    const id = p.join(':');
    if (seen.has(id)) continue;
    seen.add(id);
    out.steps.push(p[0]);
    out.timestamps.push(p[1]);
    out.values.push(p[2]);
  }
}

/**
 * Positions M4 keeps of `n` values in equal-count buckets (first, last, min and max of each;
 * NaN never an extreme), ascending and distinct: at most `budget`, all of them when n <= budget.
 */
export function m4Indices(values: ArrayLike<number>, budget: number): number[] {
  const n = values.length;
  if (n <= budget) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(budget / 4));
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    if (end <= start) continue;
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      if (lo < 0 || v < (values[lo] as number)) lo = i;
      if (hi < 0 || v > (values[hi] as number)) hi = i;
    }
    const picks = [start, end - 1];
    if (lo >= 0) picks.push(lo);
    if (hi >= 0) picks.push(hi);
    picks.sort((x, y) => x - y);
    for (let k = 0; k < picks.length; k++)
      if (k === 0 || picks[k] !== picks[k - 1]) out.push(picks[k] as number);
  }
  return out;
}

/** M4 over raw columns in equal-count buckets; at most `budget` points come back. */
export function m4Columns(series: SeriesColumns, budget: number): SeriesColumns {
  if (series.steps.length <= budget) return series;
  const out: SeriesColumns = { steps: [], timestamps: [], values: [] };
  for (const i of m4Indices(series.values, budget)) {
    out.steps.push(series.steps[i] as number);
    out.timestamps.push(series.timestamps[i] as number);
    out.values.push(series.values[i] as number);
  }
  return out;
}

/** M4 over pre-aggregated blocks, merged into at most `budget / 4` buckets. */
export function m4Blocks(blocks: Block[], budget: number): SeriesColumns {
  const buckets = Math.max(1, Math.min(blocks.length, Math.floor(budget / 4)));
  const out: SeriesColumns = { steps: [], timestamps: [], values: [] };
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * blocks.length) / buckets);
    const end = Math.floor(((b + 1) * blocks.length) / buckets);
    if (end <= start) continue;
    let min: Point | undefined;
    let max: Point | undefined;
    for (let i = start; i < end; i++) {
      const block = blocks[i] as Block;
      if (block.min && (!min || block.min[2] < min[2])) min = block.min;
      if (block.max && (!max || block.max[2] > max[2])) max = block.max;
    }
    const points = [(blocks[start] as Block).first, (blocks[end - 1] as Block).last];
    if (min) points.push(min);
    if (max) points.push(max);
    pushPoints(out, points);
  }
  return out;
}
