import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OnlineVariantResult } from '@sextant/language-server/protocol';
import {
  allocationBands,
  experimentSnippet,
  formatEffect,
  formatInterval,
  formatMetric,
  formatPValue,
  guardrailStates,
  planProgress,
  pValueLines,
} from './experimentReport';

test('figures read as rates, means, effects and p-values', () => {
  assert.equal(formatPValue(0.04321), '0.0432');
  assert.equal(formatPValue(3e-7), '< 0.0001');
  assert.equal(formatPValue(null), '–');
  assert.equal(formatMetric(0.3125, 'proportion'), '31.25%');
  assert.equal(formatMetric(10.123456, 'mean'), '10.12');
  assert.equal(formatEffect(0.021, 'proportion'), '+2.10 pp');
  assert.equal(formatEffect(-0.5, 'mean'), '−0.500');
  assert.equal(formatEffect(0, 'mean'), '±0.00');
  assert.equal(
    formatInterval(0.1, 0.2, (x) => formatMetric(x, 'proportion')),
    '[10.00%, 20.00%]',
  );
  assert.equal(formatInterval(null, 0.2, String), '–');
});

test('the p-value over time makes one line per treatment in look order', () => {
  const lines = pValueLines({
    sequential: [
      { time: 1, variant: 'b', n: 10, effect: 0, pValue: 1 },
      { time: 1, variant: 'c', n: 12, effect: 0, pValue: 0.9 },
      { time: 2, variant: 'b', n: 20, effect: 0.1, pValue: 0.2 },
    ],
  });
  assert.deepEqual(lines, [
    { variant: 'b', time: [1, 2], pValue: [1, 0.2], n: [10, 20] },
    { variant: 'c', time: [1], pValue: [0.9], n: [12] },
  ]);
});

test('allocations stack arm probabilities, or weights as shares when none were recorded', () => {
  const bands = allocationBands({
    allocations: [
      { time: 1, weights: { a: 50, b: 50 } },
      { time: 2, weights: { a: 80, b: 20 }, probabilities: { a: 0.9, b: 0.1 } },
      { time: 3, weights: { a: 98, c: 2 }, probabilities: { a: 0.97, c: 0.03 } },
    ],
  });
  assert.deepEqual(bands, [
    { arm: 'a', time: [1, 2, 3], share: [0.5, 0.9, 0.97] },
    { arm: 'b', time: [1, 2, 3], share: [0.5, 0.1, 0] },
    { arm: 'c', time: [1, 2, 3], share: [0, 0, 0.03] },
  ]);
  assert.deepEqual(allocationBands({ allocations: [] }), []);
});

test('guardrails pass, fail, with the latency limit in words', () => {
  const states = guardrailStates({
    variant: 'b',
    control: 'a',
    test: 'two-proportion-z',
    effect: 0,
    ciLow: 0,
    ciHigh: 0,
    pValue: 1,
    sequentialPValue: 1,
    sequentialCiLow: null,
    sequentialCiHigh: null,
    significant: false,
    guardrails: [
      { metric: 'error_rate', harmed: false },
      { metric: 'p99_latency_ms', harmed: true, limit: 18 },
    ],
  });
  assert.deepEqual(
    states.map((s) => [s.label, s.state, s.detail]),
    [
      ['error rate', 'pass', 'within the allowance'],
      ['p99 latency', 'fail', 'above the limit of 18.0 ms'],
    ],
  );
  assert.deepEqual(guardrailStates(undefined), []);
});

const variant = (name: string, control: boolean, n: number): OnlineVariantResult => ({
  name,
  model: 'm',
  version: control ? '1' : '2',
  weight: 50,
  control,
  requests: n,
  errors: 0,
  errorRate: 0,
  p99Ms: 1,
  n,
  mean: 0.5,
  ciLow: 0.4,
  ciHigh: 0.6,
});

test('progress towards the plan, capped at the goal; none without a plan', () => {
  const variants = [variant('a', true, 150), variant('b', false, 900)];
  assert.deepEqual(
    planProgress({
      variants,
      plannedPerVariant: 300,
      plan: { controlN: 300, treatmentN: 600, effectSize: 0.2, alpha: 0.05, power: 0.8 },
    }),
    [
      { variant: 'a', n: 150, goal: 300, share: 0.5 },
      { variant: 'b', n: 900, goal: 600, share: 1 },
    ],
  );
  assert.deepEqual(planProgress({ variants }), []);
});

test('the snippet adds routes only when the deployment lacks a second variant', () => {
  const two = experimentSnippet('api', [
    { name: 'champion', uri: 'models:/m@champion' },
    { name: 'challenger', uri: 'models:/m/2' },
  ]);
  assert.ok(!two.includes('routes:'));
  assert.match(two, /^deployments:\n {2}api:\n {4}experiment:\n {6}type: ab/);
  const shadowed = experimentSnippet('api', [
    { name: 'champion', uri: 'models:/m@champion' },
    { name: 'mirror', uri: 'models:/m/2', shadow: true },
  ]);
  assert.match(shadowed, /routes:\n {6}variants:/);
});
