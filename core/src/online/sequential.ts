/**
 * The mixture sequential probability ratio test (mSPRT) with a normal mixing distribution, as in
 * Johari, Pekelis and Walsh, "Always valid inference: continuous monitoring of A/B tests" (2017),
 * the method behind Optimizely's always-valid p-values. The effect estimate
 * theta = treatment - control has (estimated) variance v = var_t / n_t + var_c / n_c; with the
 * mixing distribution N(0, tau^2) over the true effect, the likelihood ratio is
 *
 *   Lambda = sqrt(v / (v + tau^2)) * exp(tau^2 theta^2 / (2 v (v + tau^2)))
 *
 * The always-valid p-value is the running minimum of min(1, 1 / Lambda) over every look, and the
 * confidence sequence is the set of effects not rejected at level alpha:
 *
 *   theta +- sqrt(2 v (v + tau^2) / tau^2 * (log(1 / alpha) + log((v + tau^2) / v) / 2))
 *
 * So the dashboard may be read after every batch: the chance that the p-value ever falls below
 * alpha under no effect is at most alpha.
 */
import { invalid } from '../model/errors';
import type { MeanSummary, ProportionSummary } from './summary';

/** Options of the sequential test. */
export interface SequentialOptions {
  alpha?: number;
  /**
   * The standard deviation tau of the normal mixing distribution over effects, in the metric's
   * units (for rates: a difference of rates). Set it near the effect you hope to detect; the test
   * is valid for any value, and most powerful for effects of about this size.
   */
  mixingSd: number;
}

/** The state of the sequential test after one more look. */
export interface SequentialResult {
  test: 'msprt';
  effect: number;
  /** The estimated variance of the effect at this look. */
  variance: number;
  /** The mixture likelihood ratio Lambda at this look. */
  likelihoodRatio: number;
  /** The always-valid p-value: the minimum over this and every earlier look. */
  pValue: number;
  /** The confidence sequence at this look, intersected with the earlier ones. */
  ci: [number, number];
  alpha: number;
  significant: boolean;
  /** The number of looks so far. */
  looks: number;
}

function checkOptions(options: SequentialOptions): Required<SequentialOptions> {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw invalid(`alpha must be in (0, 1); got ${alpha}`);
  if (!(options.mixingSd > 0 && Number.isFinite(options.mixingSd)))
    throw invalid(`mixingSd must be a positive number; got ${options.mixingSd}`);
  return { alpha, mixingSd: options.mixingSd };
}

/**
 * One look of the mSPRT from the effect and its variance. `previous` is the result of the last
 * look (undefined at the first): the p-value and the interval only ever tighten.
 */
export function msprtLook(
  effect: number,
  variance: number,
  options: SequentialOptions,
  previous?: SequentialResult,
): SequentialResult {
  const { alpha, mixingSd } = checkOptions(options);
  const tau2 = mixingSd * mixingSd;
  let likelihoodRatio = 1;
  let ci: [number, number] = [-Infinity, Infinity];
  if (variance > 0 && Number.isFinite(variance)) {
    const logLambda =
      0.5 * Math.log(variance / (variance + tau2)) +
      (tau2 * effect * effect) / (2 * variance * (variance + tau2));
    likelihoodRatio = Math.exp(logLambda);
    const half = Math.sqrt(
      ((2 * variance * (variance + tau2)) / tau2) *
        (Math.log(1 / alpha) + 0.5 * Math.log((variance + tau2) / variance)),
    );
    ci = [effect - half, effect + half];
  }
  const pNow = Math.min(1, 1 / likelihoodRatio);
  const pValue = previous ? Math.min(previous.pValue, pNow) : pNow;
  if (previous) ci = [Math.max(ci[0], previous.ci[0]), Math.min(ci[1], previous.ci[1])];
  return {
    test: 'msprt',
    effect,
    variance,
    likelihoodRatio,
    pValue,
    ci,
    alpha,
    significant: pValue < alpha,
    looks: (previous?.looks ?? 0) + 1,
  };
}

/** One look at a continuous metric (the variance estimated from each variant's sample). */
export function msprtMeans(
  control: MeanSummary,
  treatment: MeanSummary,
  options: SequentialOptions,
  previous?: SequentialResult,
): SequentialResult {
  const variance = treatment.variance / treatment.n + control.variance / control.n;
  return msprtLook(treatment.mean - control.mean, variance, options, previous);
}

/** One look at a conversion rate (Bernoulli variances p (1 - p) / n). */
export function msprtProportions(
  control: ProportionSummary,
  treatment: ProportionSummary,
  options: SequentialOptions,
  previous?: SequentialResult,
): SequentialResult {
  const variance =
    (treatment.rate * (1 - treatment.rate)) / treatment.n +
    (control.rate * (1 - control.rate)) / control.n;
  return msprtLook(treatment.rate - control.rate, variance, options, previous);
}
