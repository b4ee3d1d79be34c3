/**
 * The drift statistics between a reference and a current sample, each as SciPy (and Evidently on
 * top of it) computes it: Kolmogorov-Smirnov (`ks_2samp`), chi-squared (`chisquare` of current
 * counts against reference shares), the two-proportion z-test Evidently uses for binary columns,
 * Jensen-Shannon distance (`scipy.spatial.distance.jensenshannon`, natural log), Wasserstein-1
 * (`wasserstein_distance`) and the Population Stability Index.
 */
import { invalid } from '../model/errors';
import { chiSquaredSf, normalCdf } from '../stats';
import { ksPValue, type KsPValue } from './ksDistribution';
import type { Category } from './samples';

/** The two-sample KS statistic (largest gap between the two empirical CDFs) of sorted samples, and its p-value. */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsPValue {
  if (a.length === 0 || b.length === 0) throw invalid('KS needs two non-empty samples');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    const gap = Math.abs(i / a.length - j / b.length);
    if (gap > d) d = gap;
  }
  return ksPValue(d, a.length, b.length);
}

/** Wasserstein-1 distance of two sorted samples: the area between their empirical CDFs. */
export function wasserstein(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) throw invalid('Wasserstein needs two non-empty samples');
  let i = 0;
  let j = 0;
  let sum = 0;
  let x = Math.min(a[0] as number, b[0] as number);
  for (;;) {
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    if (i === a.length && j === b.length) return sum;
    const next =
      i === a.length
        ? (b[j] as number)
        : j === b.length
          ? (a[i] as number)
          : Math.min(a[i]!, b[j]!);
    sum += Math.abs(i / a.length - j / b.length) * (next - x);
    x = next;
  }
}

/** Population standard deviation (n in the denominator), two passes. */
export function populationSd(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return Math.sqrt(ss / values.length);
}

/** Wasserstein distance normed by the reference's standard deviation (at least 0.001), Evidently's score. */
export function wassersteinNormed(reference: Float64Array, current: Float64Array): number {
  return wasserstein(reference, current) / Math.max(populationSd(reference), 0.001);
}

/** A chi-squared test result. */
export interface ChiSquaredResult {
  statistic: number;
  pValue: number;
  df: number;
}

/**
 * Pearson's chi-squared goodness of fit of the current counts to the reference shares scaled to
 * the current size (a category unseen in the reference makes the statistic infinite, p = 0).
 */
export function chiSquared(
  reference: Map<Category, number>,
  referenceN: number,
  current: Map<Category, number>,
  currentN: number,
): ChiSquaredResult {
  const keys = new Set([...reference.keys(), ...current.keys()]);
  const scale = currentN / referenceN;
  let statistic = 0;
  for (const key of keys) {
    const expected = (reference.get(key) ?? 0) * scale;
    const observed = current.get(key) ?? 0;
    statistic += ((observed - expected) * (observed - expected)) / expected;
  }
  const df = keys.size - 1;
  return { statistic, pValue: df > 0 ? chiSquaredSf(statistic, df) : Number.NaN, df };
}

/**
 * Evidently's z-test for a column of at most two values: the share of values other than the
 * smallest one, compared with the pooled two-proportion z-test; p = 1 when both samples hold one
 * and the same value.
 */
export function binaryZTest(
  reference: Map<Category, number>,
  referenceN: number,
  current: Map<Category, number>,
  currentN: number,
): { statistic: number; pValue: number } {
  if (
    reference.size === 1 &&
    current.size === 1 &&
    [...reference.keys()][0] === [...current.keys()][0]
  )
    return { statistic: 0, pValue: 1 };
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort((x, y) =>
    x < y ? -1 : x > y ? 1 : 0,
  );
  const first = keys[0] as Category;
  const p1 = (referenceN - (reference.get(first) ?? 0)) / referenceN;
  const p2 = (currentN - (current.get(first) ?? 0)) / currentN;
  const pooled = (p1 * referenceN + p2 * currentN) / (referenceN + currentN);
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / referenceN + 1 / currentN));
  return { statistic, pValue: 2 * (1 - normalCdf(Math.abs(statistic))) };
}

/** x log(x / y), 0 at x = 0 (SciPy's `rel_entr`). */
function relativeEntropy(x: number, y: number): number {
  if (x === 0) return 0;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  return Infinity;
}

/** Jensen-Shannon distance (the square root of the divergence, natural log) of two share vectors. */
export function jensenShannon(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i] as number;
    sq += q[i] as number;
  }
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const m = (pi + qi) / 2;
    divergence += relativeEntropy(pi, m) + relativeEntropy(qi, m);
  }
  return Math.sqrt(Math.max(divergence, 0) / 2);
}

/** Population Stability Index: sum (ref - cur) ln(ref / cur) over bins (no bin may be empty). */
export function psi(reference: Float64Array, current: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}
