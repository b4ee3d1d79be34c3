/**
 * A data quality summary of a current sample against its reference, per column: the share of
 * missing values, for numerical columns the share outside the reference's range (or a declared
 * range, e.g. a model signature's), for categorical ones the categories the reference never had.
 */
import { columnSamples, type ColumnSamples, type ColumnSpec } from './drift';
import type { Category, ColumnValues } from './samples';

/** One column's quality. */
export interface ColumnQuality {
  column: string;
  kind: ColumnSpec['kind'];
  rows: number;
  missing: number;
  missingShare: number;
  /** Numerical: values outside [min, max] of the reference (or `range`). */
  outOfRange?: number;
  outOfRangeShare?: number;
  range?: [number, number];
  /** Categorical: categories absent from the reference, with their counts. */
  newCategories?: { value: Category; count: number }[];
  newCategoryShare?: number;
}

/** The quality of one column from its cleaned samples; `range` overrides the reference's [min, max]. */
export function qualityOfSamples(
  spec: Pick<ColumnSpec, 'name' | 'kind'>,
  samples: ColumnSamples,
  range?: [number, number],
): ColumnQuality {
  if (samples.kind === 'numerical') {
    const r = samples.reference.sorted;
    const c = samples.current;
    const bounds: [number, number] =
      range ?? (r.length > 0 ? [r[0] as number, r[r.length - 1] as number] : [-Infinity, Infinity]);
    // Sorted, so the values outside are a prefix and a suffix; infinite values are outside every range.
    const out =
      countBelow(c.sorted, bounds[0]) +
      (c.sorted.length - countAtMost(c.sorted, bounds[1])) +
      c.infinite;
    const missing = c.dropped - c.infinite;
    return {
      column: spec.name,
      kind: spec.kind,
      rows: c.total,
      missing,
      missingShare: c.total > 0 ? missing / c.total : 0,
      outOfRange: out,
      outOfRangeShare: c.total > 0 ? out / c.total : 0,
      range: bounds,
    };
  }
  const r = samples.reference;
  const c = samples.current;
  const fresh = [...c.counts].filter(([value]) => !r.counts.has(value));
  const freshCount = fresh.reduce((s, [, n]) => s + n, 0);
  return {
    column: spec.name,
    kind: spec.kind,
    rows: c.total,
    missing: c.dropped,
    missingShare: c.total > 0 ? c.dropped / c.total : 0,
    newCategories: fresh.map(([value, count]) => ({ value, count })),
    newCategoryShare: c.total > 0 ? freshCount / c.total : 0,
  };
}

/** How many values of a sorted sample are < x. */
function countBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many values of a sorted sample are <= x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The quality of one column; `range` overrides the reference's [min, max]. */
export function columnQuality(
  spec: Pick<ColumnSpec, 'name' | 'kind'>,
  reference: ColumnValues,
  current: ColumnValues,
  range?: [number, number],
): ColumnQuality {
  return qualityOfSamples(spec, columnSamples(spec, reference, current), range);
}
