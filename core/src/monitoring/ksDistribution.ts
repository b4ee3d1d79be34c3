/**
 * The p-value of the two-sample Kolmogorov-Smirnov statistic. Exact while both samples have at
 * most 10,000 values (SciPy's `ks_2samp` 'auto' rule): lattice paths that stay strictly inside
 * the band |x/n1 - y/n2| < d, counted as the proportion that leave it (Hodges 1958, with the
 * complement recursion of Viehmann 2021, numerically stable); for equal sizes the closed
 * alternating sum of binomial ratios. Larger samples use the Kolmogorov limiting distribution
 * at sqrt(n) D with n = n1 n2 / (n1 + n2). There SciPy evaluates the finite-n distribution of the
 * one-sample statistic at n = round(n1 n2 / (n1 + n2)) instead, and the limiting p-value is larger
 * by a few per cent of itself (1-5% at n = 1000 for p from 0.8 down to 0.001), so near the
 * threshold a decision can differ from Evidently's; in the exact regime they agree to 1e-9.
 */

/** Samples up to this size get the exact p-value. */
export const KS_EXACT_MAX_N = 10_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** P(D >= h/n) for two samples of the same size n (h an integer, 0 < h <= n). */
function equalSizesTail(n: number, h: number): number {
  // 2 * sum_k (-1)^(k+1) C(2n, n - k h) / C(2n, n), nested so no term is subtracted from a large one.
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = (ratio * (n - k * h - j)) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D >= h / lcm(m, n)) for samples of sizes m and n. Q[j] holds, for the current column x = i, the
 * share of paths from (0, 0) to (i, j) that have already left the band; points outside it hold 1.
 */
function pathsLeavingBand(m: number, n: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  // (i, j) is inside while |i ng - j mg| < h.
  const low = (i: number): number => Math.max(Math.floor((i * ng - h) / mg) + 1, 0);
  const high = (i: number): number => Math.min(Math.ceil((i * ng + h) / mg) - 1, n);
  const q = new Float64Array(n + 1).fill(1);
  for (let j = 0; j <= high(0); j++) q[j] = 0;
  let previousLow = 0;
  for (let i = 1; i <= m; i++) {
    const lo = low(i);
    const hi = high(i);
    if (hi < lo) return 1;
    for (let j = previousLow; j < lo; j++) q[j] = 1;
    let below = lo === 0 ? 0 : 1;
    for (let j = lo; j <= hi; j++) {
      below = ((q[j] as number) * i + below * j) / (i + j);
      q[j] = below;
    }
    previousLow = lo;
  }
  return q[n] as number;
}

/** The Kolmogorov distribution's survival function, P(K > x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2). */
export function kolmogorovSf(x: number): number {
  if (x <= 0) return 1;
  if (x < 0.3) {
    // The theta-function form converges fast for small x: P(K <= x) = sqrt(2 pi)/x sum exp(-(2k-1)^2 pi^2 / (8 x^2)).
    let cdf = 0;
    for (let k = 1; k < 20; k++)
      cdf += Math.exp((-((2 * k - 1) ** 2) * Math.PI * Math.PI) / (8 * x * x));
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdf;
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** The statistic as the test reports it and its two-sided p-value. */
export interface KsPValue {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/**
 * The two-sided p-value of statistic `d` for samples of sizes n1 and n2. In the exact regime the
 * statistic is rounded to the lattice (a multiple of 1 / lcm(n1, n2)) first, as SciPy does.
 */
export function ksPValue(d: number, n1: number, n2: number): KsPValue {
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const lcm = (n1 / gcd(n1, n2)) * n2;
    const h = Math.round(d * lcm);
    const statistic = h / lcm;
    if (h === 0) return { statistic, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? equalSizesTail(n1, h) : pathsLeavingBand(n1, n2, h);
    if (p >= 0 && p <= 1) return { statistic, pValue: p, method: 'exact' };
  }
  const en = (n1 * n2) / (n1 + n2);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(en) * d), method: 'asymptotic' };
}
