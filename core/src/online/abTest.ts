/**
 * Fixed-horizon A/B tests of a treatment against a control: the two-proportion z-test and Welch's
 * t-test, each with the effect (treatment - control), its confidence interval and a two-sided
 * p-value. They agree with statsmodels' `proportions_ztest` + `confint_proportions_2indep(method=
 * 'wald')` and SciPy's `ttest_ind(equal_var=False)` + statsmodels' `tconfint_diff(usevar='unequal')`.
 * Read once at the planned sample size; for a result watched as it grows use the sequential test.
 */
import { invalid } from '../model/errors';
import { normalQuantile, normalSf, studentTQuantile, studentTSf } from '../stats';
import type { MeanSummary, ProportionSummary } from './summary';

/** The outcome of a test of treatment against control. */
export interface TestResult {
  test: 'two-proportion-z' | 'welch-t';
  /** treatment - control (difference of rates or of means). */
  effect: number;
  /** effect / control's rate or mean (NaN when that is 0). */
  relativeEffect: number;
  /** The two-sided (1 - alpha) confidence interval of the effect. */
  ci: [number, number];
  /** The z or t statistic. */
  statistic: number;
  /** Welch-Satterthwaite degrees of freedom (t-test only). */
  df?: number;
  pValue: number;
  alpha: number;
  /** pValue < alpha. */
  significant: boolean;
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw invalid(`alpha must be in (0, 1); got ${alpha}`);
}

/**
 * The two-proportion z-test with the pooled variance under the null; the interval is Wald's
 * (unpooled variances).
 */
export function twoProportionZTest(
  control: ProportionSummary,
  treatment: ProportionSummary,
  alpha = 0.05,
): TestResult {
  checkAlpha(alpha);
  const p1 = treatment.rate;
  const p2 = control.rate;
  const effect = p1 - p2;
  const pooled = (treatment.successes + control.successes) / (treatment.n + control.n);
  const seNull = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n));
  const statistic =
    seNull > 0 ? effect / seNull : effect === 0 ? Number.NaN : Math.sign(effect) * Infinity;
  const pValue = Number.isNaN(statistic) ? 1 : 2 * normalSf(Math.abs(statistic));
  const se = Math.sqrt((p1 * (1 - p1)) / treatment.n + (p2 * (1 - p2)) / control.n);
  const z = normalQuantile(1 - alpha / 2);
  return {
    test: 'two-proportion-z',
    effect,
    relativeEffect: p2 !== 0 ? effect / p2 : Number.NaN,
    ci: [effect - z * se, effect + z * se],
    statistic,
    pValue,
    alpha,
    significant: pValue < alpha,
  };
}

/** Welch's unequal-variances t-test, with the Welch-Satterthwaite degrees of freedom. */
export function welchTTest(control: MeanSummary, treatment: MeanSummary, alpha = 0.05): TestResult {
  checkAlpha(alpha);
  if (control.n < 2 || treatment.n < 2)
    throw invalid("Welch's t-test needs at least 2 observations in each variant");
  const a = treatment.variance / treatment.n;
  const b = control.variance / control.n;
  const se = Math.sqrt(a + b);
  const effect = treatment.mean - control.mean;
  const df = ((a + b) * (a + b)) / ((a * a) / (treatment.n - 1) + (b * b) / (control.n - 1));
  if (se === 0) {
    // Both samples constant: the difference is known exactly.
    return {
      test: 'welch-t',
      effect,
      relativeEffect: control.mean !== 0 ? effect / control.mean : Number.NaN,
      ci: [effect, effect],
      statistic: effect === 0 ? Number.NaN : Math.sign(effect) * Infinity,
      df: Number.NaN,
      pValue: effect === 0 ? 1 : 0,
      alpha,
      significant: effect !== 0,
    };
  }
  const statistic = effect / se;
  const pValue = 2 * studentTSf(Math.abs(statistic), df);
  const t = studentTQuantile(1 - alpha / 2, df);
  return {
    test: 'welch-t',
    effect,
    relativeEffect: control.mean !== 0 ? effect / control.mean : Number.NaN,
    ci: [effect - t * se, effect + t * se],
    statistic,
    df,
    pValue,
    alpha,
    significant: pValue < alpha,
  };
}
