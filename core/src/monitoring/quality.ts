/**
 * A data quality summary of a current sample against its reference, per column: the share of
 * missing values, for numerical columns the share outside the reference's range (or a declared
 * range, e.g. a model signature's), for categorical ones the categories the reference never had.
 */
import type { ColumnSpec } from './drift';
import { categorySample, numericSample, type Category, type ColumnValues } from './samples';

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

/** The quality of one column; `range` overrides the reference's [min, max]. */
export function columnQuality(
  spec: Pick<ColumnSpec, 'name' | 'kind'>,
  reference: ColumnValues,
  current: ColumnValues,
  range?: [number, number],
): ColumnQuality {
  if (spec.kind === 'numerical') {
    const c = numericSample(current, spec.name);
    let bounds = range;
    if (!bounds) {
      const r = numericSample(reference, spec.name).sorted;
      bounds = r.length > 0 ? [r[0] as number, r[r.length - 1] as number] : [-Infinity, Infinity];
    }
    let out = 0;
    for (const v of c.sorted) if (v < bounds[0] || v > bounds[1]) out++;
    // Infinite values are outside every finite range.
    let infinite = 0;
    for (let i = 0; i < current.length; i++) {
      const v = current[i];
      if (v === Infinity || v === -Infinity) infinite++;
    }
    const missing = c.dropped - infinite;
    return {
      column: spec.name,
      kind: spec.kind,
      rows: c.total,
      missing,
      missingShare: c.total > 0 ? missing / c.total : 0,
      outOfRange: out + infinite,
      outOfRangeShare: c.total > 0 ? (out + infinite) / c.total : 0,
      range: bounds,
    };
  }
  const r = categorySample(reference);
  const c = categorySample(current);
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
