import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type DecisionPolicy, type VariantData } from './decisions';
import { proportionSummary } from './summary';

const policy: DecisionPolicy = {
  higherIsBetter: true,
  sequential: { alpha: 0.05, mixingSd: 0.02 },
  guardrails: [
    { metric: 'error_rate', kind: 'rate', maxIncrease: 0.005 },
    { metric: 'latency_p99', kind: 'quantile', maxRelativeIncrease: 0.2, minSamples: 100 },
  ],
  minSamplesPerVariant: 1000,
};

function variant(
  name: string,
  conversions: number,
  n: number,
  errors: number,
  p99: number,
): VariantData {
  return {
    name,
    primary: { kind: 'proportion', summary: proportionSummary(conversions, n) },
    guardrails: {
      error_rate: { kind: 'rate', summary: proportionSummary(errors, n) },
      latency_p99: { kind: 'quantile', value: p99, n },
    },
  };
}

describe('experiment decisions', () => {
  it('promotes a significantly better challenger, with the statistics as evidence', () => {
    const d = decide(
      variant('champion', 1000, 10_000, 10, 120),
      [variant('challenger', 1250, 10_000, 11, 125)],
      policy,
    );
    assert.equal(d.action, 'promote');
    assert.equal(d.variant, 'challenger');
    const e = d.evidence.treatments[0]!;
    assert.ok(e.sequential.pValue < 0.05 && e.fixedHorizon.pValue < 0.05);
    assert.ok(Math.abs(e.sequential.effect - 0.025) < 1e-12);
    assert.equal(e.guardrails.length, 2);
    assert.match(d.reason, /challenger/);
  });

  it('keeps going while the difference is within noise or samples are few', () => {
    assert.equal(
      decide(variant('c', 1000, 10_000, 10, 120), [variant('t', 1010, 10_000, 10, 120)], policy)
        .action,
      'continue',
    );
    assert.equal(
      decide(variant('c', 10, 100, 0, 120), [variant('t', 40, 100, 0, 120)], policy).action,
      'continue',
    );
  });

  it('rolls back a lone challenger that raises the error rate, even when it converts better', () => {
    const d = decide(
      variant('champion', 1000, 10_000, 10, 120),
      [variant('challenger', 1300, 10_000, 200, 120)],
      policy,
    );
    assert.equal(d.action, 'rollback');
    assert.equal(d.variant, 'champion');
    assert.match(d.reason, /error_rate/);
    assert.equal(d.evidence.treatments[0]!.guardrails[0]!.harmed, true);
  });

  it('stops one of several variants whose p99 latency breaks its guardrail', () => {
    const d = decide(
      variant('control', 1000, 10_000, 10, 100),
      [variant('fast', 1010, 10_000, 10, 105), variant('slow', 1010, 10_000, 10, 150)],
      policy,
    );
    assert.equal(d.action, 'stop');
    assert.equal(d.variant, 'slow');
    const slow = d.evidence.treatments[1]!.guardrails[1]!;
    assert.equal(slow.limit, 120);
    assert.equal(slow.harmed, true);
  });

  it('rolls back a challenger significantly worse on the primary metric', () => {
    const d = decide(
      variant('c', 1300, 10_000, 10, 120),
      [variant('t', 1000, 10_000, 10, 120)],
      policy,
    );
    assert.equal(d.action, 'rollback');
    assert.match(d.reason, /significantly worse/);
  });

  it('refuses a guardrail missing from a variant', () => {
    const incomplete = { ...variant('t', 1, 10, 0, 1), guardrails: {} };
    assert.throws(() => decide(variant('c', 1, 10, 0, 1), [incomplete], policy), /error_rate/);
  });
});
