/** Per-variant summaries: what every A/B statistic is computed from. */
import { invalid } from '../model/errors';

/** A conversion-like metric of one variant: `successes` out of `n` units. */
export interface ProportionSummary {
  n: number;
  successes: number;
  /** successes / n. */
  rate: number;
}

/** A continuous metric of one variant. */
export interface MeanSummary {
  n: number;
  mean: number;
  /** The sample variance (n - 1 in the denominator). */
  variance: number;
}

/** Summarizes `successes` out of `n`; throws on counts that cannot be. */
export function proportionSummary(successes: number, n: number): ProportionSummary {
  if (!Number.isInteger(n) || n < 1) throw invalid(`n must be a positive integer; got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n)
    throw invalid(`successes must be an integer from 0 to n (${n}); got ${successes}`);
  return { n, successes, rate: successes / n };
}

/**
 * Summarizes a sample of a continuous metric in one pass (Welford's update, numerically stable).
 * Non-finite values are refused: a metric with missing values is cleaned by its caller.
 */
export function meanSummary(values: ArrayLike<number>): MeanSummary {
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (!Number.isFinite(x)) throw invalid(`value ${i} is not a finite number (${x})`);
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
  }
  const n = values.length;
  return { n, mean: n > 0 ? mean : Number.NaN, variance: n > 1 ? m2 / (n - 1) : Number.NaN };
}

/** A summary from sufficient statistics (count, sum, sum of squares), as a store aggregates them. */
export function meanSummaryFromSums(n: number, sum: number, sumOfSquares: number): MeanSummary {
  const mean = n > 0 ? sum / n : Number.NaN;
  const variance = n > 1 ? Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1)) : Number.NaN;
  return { n, mean, variance };
}
