import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '../stats';
import { welchTTest } from './abTest';
import { msprtMeans, msprtProportions, type SequentialResult } from './sequential';
import { meanSummaryFromSums, proportionSummary } from './summary';

const ALPHA = 0.05;
const EXPERIMENTS = 1000;
const LOOKS = 20;
const BATCH = 100;

/** Running sums of one arm. */
class Arm {
  n = 0;
  sum = 0;
  squares = 0;
  add(x: number): void {
    this.n++;
    this.sum += x;
    this.squares += x * x;
  }
  summary() {
    return meanSummaryFromSums(this.n, this.sum, this.squares);
  }
}

/**
 * Simulates experiments with the same distribution in both arms (or `effect` added to the
 * treatment), looking after every batch, and counts how many ever declared a difference.
 */
function simulate(effect: number, seed: number): { msprt: number; peekingT: number } {
  const rng = seededRng(seed);
  let msprtHits = 0;
  let peekingHits = 0;
  for (let e = 0; e < EXPERIMENTS; e++) {
    const control = new Arm();
    const treatment = new Arm();
    let last: SequentialResult | undefined;
    let msprtRejected = false;
    let tRejected = false;
    for (let look = 0; look < LOOKS; look++) {
      for (let i = 0; i < BATCH; i++) {
        control.add(rng.normal(0, 1));
        treatment.add(rng.normal(effect, 1));
      }
      last = msprtMeans(
        control.summary(),
        treatment.summary(),
        { alpha: ALPHA, mixingSd: 0.1 },
        last,
      );
      msprtRejected ||= last.significant;
      tRejected ||= welchTTest(control.summary(), treatment.summary(), ALPHA).significant;
    }
    if (msprtRejected) msprtHits++;
    if (tRejected) peekingHits++;
  }
  return { msprt: msprtHits / EXPERIMENTS, peekingT: peekingHits / EXPERIMENTS };
}

describe('always-valid sequential test (mSPRT)', () => {
  it('keeps the false-positive rate under alpha over 1,000 A/A experiments peeked at every batch, where repeated t-tests do not', (t) => {
    const { msprt, peekingT } = simulate(0, 20261205);
    const samplingError = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / EXPERIMENTS);
    t.diagnostic(`false-positive rate: mSPRT ${msprt}, t-test at every look ${peekingT}`);
    assert.ok(msprt <= ALPHA + samplingError, `mSPRT false-positive rate ${msprt}`);
    // The contrast: a fixed-horizon test read after each of 20 batches rejects far too often.
    assert.ok(peekingT > ALPHA + samplingError, `peeking t-test false-positive rate ${peekingT}`);
    assert.ok(peekingT > 2 * msprt + 0.05, `peeking ${peekingT} vs mSPRT ${msprt}`);
  });

  it('still finds a real effect', () => {
    const { msprt } = simulate(0.15, 7);
    assert.ok(msprt > 0.8, `power ${msprt}`);
  });

  it('only tightens: the p-value is a running minimum and the interval an intersection', () => {
    const first = msprtProportions(proportionSummary(50, 500), proportionSummary(80, 500), {
      mixingSd: 0.05,
    });
    const second = msprtProportions(
      proportionSummary(100, 1000),
      proportionSummary(100, 1000),
      { mixingSd: 0.05 },
      first,
    );
    assert.equal(second.pValue, first.pValue);
    assert.ok(second.ci[0] >= first.ci[0] && second.ci[1] <= first.ci[1]);
    assert.equal(second.looks, 2);
    assert.ok(first.ci[0] < first.effect && first.effect < first.ci[1]);
  });

  it('refuses options that make no test', () => {
    const s = proportionSummary(1, 10);
    assert.throws(() => msprtProportions(s, s, { mixingSd: 0 }), /mixingSd/);
    assert.throws(() => msprtProportions(s, s, { mixingSd: 1, alpha: 1 }), /alpha/);
  });
});
