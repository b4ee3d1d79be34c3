/**
 * The two samples a drift test compares, cleaned as Evidently cleans them: missing values (null,
 * undefined, NaN) and infinities are dropped before any test, and numerical samples are sorted
 * once for every test that needs order.
 */
import { invalid } from '../model/errors';
import { sortFloat64, sortedFinite } from './sort';

/** A category: what a categorical column holds. */
export type Category = string | number | boolean;

/** A column's raw values: numbers (NaN for missing) or categories (null/undefined for missing). */
export type ColumnValues =
  Float64Array | Float32Array | readonly number[] | readonly (Category | null | undefined)[];

/** A numerical column's finite values, sorted ascending, and how many values were dropped. */
export interface NumericSample {
  sorted: Float64Array;
  /** Values dropped as missing or infinite. */
  dropped: number;
  /** Of the dropped values, the infinite ones. */
  infinite: number;
  /** Values given in all. */
  total: number;
}

/** A categorical column's counts per category, and how many values were missing. */
export interface CategorySample {
  counts: Map<Category, number>;
  /** Non-missing values. */
  n: number;
  dropped: number;
  total: number;
}

/** The finite values of a numerical column, sorted. Non-numbers are refused with the column's name. */
export function numericSample(values: ColumnValues, column: string): NumericSample {
  const out = new Float64Array(values.length);
  let k = 0;
  let infinite = 0;
  if (values instanceof Float64Array || values instanceof Float32Array) {
    const { sorted, infinite: inf } = sortedFinite(values);
    return { sorted, dropped: values.length - sorted.length, infinite: inf, total: values.length };
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out[k++] = v;
      else if (v === Infinity || v === -Infinity) infinite++;
    } else if (v !== null && v !== undefined) {
      throw invalid(
        `column '${column}' is numerical but value ${i} is ${JSON.stringify(v)}; declare it categorical or clean it`,
      );
    }
  }
  return {
    sorted: sortFloat64(out.subarray(0, k)),
    dropped: values.length - k,
    infinite,
    total: values.length,
  };
}

/** The counts of a categorical column's values (NaN counts as missing, as in pandas). */
export function categorySample(values: ColumnValues): CategorySample {
  const counts = new Map<Category, number>();
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    n++;
  }
  return { counts, n, dropped: values.length - n, total: values.length };
}

/** The counts of each distinct value of a sorted numerical sample. */
export function sortedCounts(sorted: Float64Array): Map<Category, number> {
  const counts = new Map<Category, number>();
  let i = 0;
  while (i < sorted.length) {
    const x = sorted[i] as number;
    let j = i + 1;
    while (j < sorted.length && sorted[j] === x) j++;
    counts.set(x, j - i);
    i = j;
  }
  return counts;
}

/** Distinct values of a sorted sample, counted up to `cap`. */
export function distinctSorted(sorted: Float64Array, cap = Infinity): number {
  let count = 0;
  for (let i = 0; i < sorted.length && count < cap; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) count++;
  return count;
}

/** Distinct values of two sorted samples together, counted up to `cap`. */
export function distinctMerged(a: Float64Array, b: Float64Array, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count < cap) {
    const x =
      j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? a[i]! : b[j]!;
    count++;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return count;
}
