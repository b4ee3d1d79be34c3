import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chiSquaredSf,
  normalCdf,
  normalQuantile,
  normalSf,
  seededRng,
  studentTQuantile,
  studentTSf,
} from './index';

const near = (a: number, b: number, tol = 1e-14) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('distributions', () => {
  it('match closed forms', () => {
    // chi-squared with 2 degrees of freedom: P(X > x) = exp(-x / 2).
    for (const x of [0.1, 1, 7.5, 40]) near(chiSquaredSf(x, 2), Math.exp(-x / 2), 1e-15);
    // Student's t with 1 degree of freedom is Cauchy: P(T > t) = 1/2 - atan(t) / pi.
    for (const t of [-3, -0.5, 0, 0.5, 3]) near(studentTSf(t, 1), 0.5 - Math.atan(t) / Math.PI);
    near(normalCdf(0), 0.5);
    near(normalSf(1.959963984540054), 0.025);
    near(normalQuantile(0.975), 1.959963984540054, 1e-12);
    near(studentTSf(studentTQuantile(0.9, 7.3), 7.3), 0.1, 1e-12);
  });

  it('keeps tiny tails instead of rounding them to zero', () => {
    assert.ok(normalSf(10) > 7e-24 && normalSf(10) < 8e-24);
    assert.ok(chiSquaredSf(500, 3) > 0);
    assert.equal(chiSquaredSf(0, 3), 1);
    assert.equal(studentTSf(Infinity, 5), 0);
  });
});

describe('seeded random numbers', () => {
  it('repeat for a seed and differ across seeds', () => {
    const draw = (seed: number) => {
      const rng = seededRng(seed);
      return [rng.uniform(), rng.normal(), rng.beta(2, 3), rng.integer(10)];
    };
    assert.deepEqual(draw(5), draw(5));
    assert.notDeepEqual(draw(5), draw(6));
    const rng = seededRng(8);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += rng.beta(2, 6);
    near(sum / 20_000, 0.25, 0.005);
  });
});
