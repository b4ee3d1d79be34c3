/**
 * The shares per bin that PSI and Jensen-Shannon compare, binned as Evidently bins them: a
 * numerical column with more than 20 distinct reference values goes into NumPy's 'sturges' bins
 * over both samples (equal widths, ceil(log2(n) + 1) bins), anything else into one bin per value
 * seen in either sample. Bin edges and the assignment of a value to a bin follow NumPy's
 * `histogram_bin_edges` and `histogram` exactly, so the shares are the same numbers.
 */
import type { Category } from './samples';

/** Reference and current shares over the same bins. */
export interface BinnedShares {
  reference: Float64Array;
  current: Float64Array;
}

/** NumPy's equal-width edges: `bins` bins over [first, last] (widened by 0.5 when they are equal). */
export function equalWidthEdges(first: number, last: number, bins: number): Float64Array {
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** The number of 'sturges' bins for `n` values spanning `range`, computed as NumPy does (through the bin width). */
export function sturgesBins(n: number, range: number): number {
  if (!(range > 0)) return 1;
  const width = range / (Math.log2(n) + 1);
  return Math.ceil(range / width);
}

/** Counts of `values` in NumPy's equal-width bins `edges` (values outside the edges are ignored). */
export function histogramCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const first = edges[0] as number;
  const last = edges[bins] as number;
  const norm = bins / (last - first);
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (x < first || x > last) continue;
    let index = Math.trunc((x - first) * norm);
    if (index === bins) index--;
    if (x < (edges[index] as number)) index--;
    else if (index !== bins - 1 && x >= (edges[index + 1] as number)) index++;
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}

/** Shares per 'sturges' bin over both sorted samples. */
export function histogramShares(reference: Float64Array, current: Float64Array): BinnedShares {
  const first = Math.min(reference[0] as number, current[0] as number);
  const last = Math.max(
    reference[reference.length - 1] as number,
    current[current.length - 1] as number,
  );
  const edges = equalWidthEdges(
    first,
    last,
    sturgesBins(reference.length + current.length, last - first),
  );
  const r = histogramCounts(reference, edges);
  const c = histogramCounts(current, edges);
  for (let i = 0; i < r.length; i++) {
    r[i] = (r[i] as number) / reference.length;
    c[i] = (c[i] as number) / current.length;
  }
  return { reference: r, current: c };
}

/** Shares per category seen in either sample. */
export function categoryShares(
  reference: Map<Category, number>,
  referenceN: number,
  current: Map<Category, number>,
  currentN: number,
): BinnedShares {
  const keys = new Set([...reference.keys(), ...current.keys()]);
  const r = new Float64Array(keys.size);
  const c = new Float64Array(keys.size);
  let i = 0;
  for (const key of keys) {
    r[i] = (reference.get(key) ?? 0) / referenceN;
    c[i] = (current.get(key) ?? 0) / currentN;
    i++;
  }
  return { reference: r, current: c };
}

/**
 * Evidently's replacement of empty bins before PSI: zeros become a tenth of a thousandth (0.0001),
 * or the smallest non-zero share / 10^6 when that share is itself at most 0.0001.
 */
export function fillZeroes(shares: Float64Array): Float64Array {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}
