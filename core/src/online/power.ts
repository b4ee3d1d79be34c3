/**
 * Sample size and power before an experiment starts, for a two-sided two-sample z-test (normal
 * approximation), as statsmodels' `NormalIndPower` computes them: proportions through Cohen's h
 * (`proportion_effectsize`), means through Cohen's d (difference / standard deviation).
 */
import { invalid } from '../model/errors';
import { normalCdf, normalQuantile, normalSf } from '../stats';

/** Power of a two-sided z-test with standardized effect `effectSize`, `n1` control units and `ratio` * n1 treatment units. */
export function zTestPower(effectSize: number, n1: number, alpha = 0.05, ratio = 1): number {
  const n = 1 / (1 / n1 + 1 / (n1 * ratio));
  const shift = Math.abs(effectSize) * Math.sqrt(n);
  const crit = normalQuantile(1 - alpha / 2);
  return normalSf(crit - shift) + normalCdf(-crit - shift);
}

/** Cohen's h between two rates: 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)). */
export function cohensH(p1: number, p2: number): number {
  return 2 * (Math.asin(Math.sqrt(p1)) - Math.asin(Math.sqrt(p2)));
}

/** A plan: how many units each variant needs. */
export interface SamplePlan {
  /** The standardized effect the plan detects. */
  effectSize: number;
  /** Control units, fractional as solved (round up to plan). */
  controlN: number;
  treatmentN: number;
  /** Units in all, rounded up. */
  totalN: number;
  alpha: number;
  power: number;
}

/** The control sample size at which {@link zTestPower} reaches `power` (bisection to machine precision). */
export function solveSampleSize(
  effectSize: number,
  alpha = 0.05,
  power = 0.8,
  ratio = 1,
): SamplePlan {
  if (!(effectSize !== 0 && Number.isFinite(effectSize)))
    throw invalid('the effect to detect must be a non-zero finite number');
  if (!(alpha > 0 && alpha < 1) || !(power > alpha && power < 1))
    throw invalid('alpha must be in (0, 1) and power in (alpha, 1)');
  if (!(ratio > 0)) throw invalid('ratio (treatment units per control unit) must be positive');
  let lo = 1e-9;
  let hi = 2;
  while (zTestPower(effectSize, hi, alpha, ratio) < power) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (zTestPower(effectSize, mid, alpha, ratio) < power) lo = mid;
    else hi = mid;
  }
  const controlN = (lo + hi) / 2;
  return {
    effectSize,
    controlN,
    treatmentN: controlN * ratio,
    totalN: Math.ceil(controlN) + Math.ceil(controlN * ratio),
    alpha,
    power,
  };
}

/** Units needed to detect a change of a rate from `baseline` to `target`. */
export function proportionSampleSize(
  baseline: number,
  target: number,
  alpha = 0.05,
  power = 0.8,
  ratio = 1,
): SamplePlan {
  for (const p of [baseline, target])
    if (!(p >= 0 && p <= 1)) throw invalid(`rates are in [0, 1]; got ${p}`);
  return solveSampleSize(cohensH(target, baseline), alpha, power, ratio);
}

/** Units needed to detect a difference `minimumEffect` in a mean whose standard deviation is `sd`. */
export function meanSampleSize(
  minimumEffect: number,
  sd: number,
  alpha = 0.05,
  power = 0.8,
  ratio = 1,
): SamplePlan {
  if (!(sd > 0)) throw invalid(`the standard deviation must be positive; got ${sd}`);
  return solveSampleSize(minimumEffect / sd, alpha, power, ratio);
}
