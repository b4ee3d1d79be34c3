import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SextantError } from '../model/errors';
import { twoProportionZTest, welchTTest } from './abTest';
import { meanSampleSize, proportionSampleSize, zTestPower } from './power';
import { meanSummary, meanSummaryFromSums, proportionSummary } from './summary';

describe('A/B tests', () => {
  it('gives the effect with an interval that holds it, and agrees between the two summaries of a sample', () => {
    const z = twoProportionZTest(proportionSummary(100, 1000), proportionSummary(130, 1000));
    assert.ok(Math.abs(z.effect - 0.03) < 1e-15);
    assert.ok(z.ci[0] < z.effect && z.effect < z.ci[1]);
    assert.ok(Math.abs(z.relativeEffect - 0.3) < 1e-12);
    const values = [1.5, 2.5, 2, 3, 4.25];
    const a = meanSummary(values);
    const b = meanSummaryFromSums(
      5,
      13.25,
      values.reduce((s, v) => s + v * v, 0),
    );
    assert.ok(Math.abs(a.mean - b.mean) < 1e-12 && Math.abs(a.variance - b.variance) < 1e-12);
  });

  it('handles samples without variance and refuses impossible counts', () => {
    const same = welchTTest(meanSummary([1, 1, 1]), meanSummary([1, 1]));
    assert.equal(same.pValue, 1);
    const apart = welchTTest(meanSummary([1, 1, 1]), meanSummary([2, 2]));
    assert.equal(apart.pValue, 0);
    const bad = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof SextantError && pattern.test(e.message));
    bad(() => proportionSummary(11, 10), /successes/);
    bad(() => proportionSummary(1, 0), /n must be/);
    bad(() => meanSummary([1, Number.NaN]), /value 1/);
    bad(() => welchTTest(meanSummary([1]), meanSummary([1, 2])), /at least 2/);
    bad(() => twoProportionZTest(proportionSummary(1, 2), proportionSummary(1, 2), 1.5), /alpha/);
  });

  it('plans a sample size at which the power is reached', () => {
    const plan = proportionSampleSize(0.1, 0.12);
    assert.ok(Math.abs(zTestPower(plan.effectSize, plan.controlN) - 0.8) < 1e-9);
    assert.ok(plan.controlN > 3700 && plan.controlN < 3900, `n = ${plan.controlN}`);
    const means = meanSampleSize(0.5, 2, 0.05, 0.9, 2);
    assert.ok(Math.abs(means.treatmentN - 2 * means.controlN) < 1e-9);
    assert.throws(() => proportionSampleSize(0.1, 0.1), /non-zero/);
    assert.throws(() => meanSampleSize(1, 0), /standard deviation/);
  });
});
