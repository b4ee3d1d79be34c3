/**
 * A feature's distribution in the reference and in a window side by side, as shares: equal-width
 * bins over both samples' range for a numerical feature, one bar per category for a
 * categorical one. Missing values are left out of both.
 */
import type { Category } from './samples';

/** One bar: a bin [lo, hi) (the last one closed) or a category. */
export interface HistogramBin {
  label: string;
  lo?: number;
  hi?: number;
  /** Shares of the side's non-missing values. */
  reference: number;
  current: number;
}

/** The reference and a window's distribution of one feature. */
export interface FeatureHistogram {
  feature: string;
  kind: 'numerical' | 'categorical';
  referenceCount: number;
  currentCount: number;
  bins: HistogramBin[];
}

const finite = (values: ArrayLike<unknown>): number[] => {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
};

/** Bins two numerical samples alike. */
export function numericHistogram(
  feature: string,
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins = 20,
): FeatureHistogram {
  const r = finite(reference);
  const c = finite(current);
  let lo = Infinity;
  let hi = -Infinity;
  for (const sample of [r, c]) {
    for (const x of sample) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  if (!Number.isFinite(lo))
    return { feature, kind: 'numerical', referenceCount: 0, currentCount: 0, bins: [] };
  const n = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / n : 1;
  const count = (sample: number[]): Float64Array => {
    const counts = new Float64Array(n);
    for (const x of sample) counts[Math.min(n - 1, Math.floor((x - lo) / width))]! += 1;
    return counts;
  };
  const rc = count(r);
  const cc = count(c);
  return {
    feature,
    kind: 'numerical',
    referenceCount: r.length,
    currentCount: c.length,
    bins: Array.from({ length: n }, (_, i) => {
      const a = lo + i * width;
      const b = i === n - 1 ? hi : lo + (i + 1) * width;
      return {
        label: `${a.toPrecision(4)} – ${b.toPrecision(4)}`,
        lo: a,
        hi: b,
        reference: r.length > 0 ? rc[i]! / r.length : 0,
        current: c.length > 0 ? cc[i]! / c.length : 0,
      };
    }),
  };
}

/** One bar per category of either sample, the reference's most common first. */
export function categoryHistogram(
  feature: string,
  reference: ArrayLike<Category | null>,
  current: ArrayLike<Category | null>,
): FeatureHistogram {
  const tally = (values: ArrayLike<Category | null>): [Map<string, number>, number] => {
    const counts = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
      counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      total++;
    }
    return [counts, total];
  };
  const [r, rn] = tally(reference);
  const [c, cn] = tally(current);
  const labels = [...new Set([...r.keys(), ...c.keys()])].sort(
    (a, b) =>
      (r.get(b) ?? 0) - (r.get(a) ?? 0) || (c.get(b) ?? 0) - (c.get(a) ?? 0) || a.localeCompare(b),
  );
  return {
    feature,
    kind: 'categorical',
    referenceCount: rn,
    currentCount: cn,
    bins: labels.map((label) => ({
      label,
      reference: rn > 0 ? (r.get(label) ?? 0) / rn : 0,
      current: cn > 0 ? (c.get(label) ?? 0) / cn : 0,
    })),
  };
}
