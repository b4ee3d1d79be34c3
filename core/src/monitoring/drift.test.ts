import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SextantError } from '../model/errors';
import { seededRng } from '../stats';
import { columnDrift, defaultMethod, driftReport } from './drift';
import { ksTwoSample, jensenShannon, wasserstein } from './driftTests';
import { kolmogorovSf, ksPValue } from './ksDistribution';
import { columnQuality } from './quality';

const normal = (n: number, mean: number, seed: number): Float64Array => {
  const rng = seededRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal(mean, 1));
};

describe('drift tests', () => {
  it("chooses Evidently's default test by type, reference size and distinct values", () => {
    assert.equal(defaultMethod('numerical', 1000, 6), 'ks');
    assert.equal(defaultMethod('numerical', 1000, 5), 'chisquare');
    assert.equal(defaultMethod('numerical', 1000, 2), 'z');
    assert.equal(defaultMethod('categorical', 500, 3), 'chisquare');
    assert.equal(defaultMethod('categorical', 500, 2), 'z');
    assert.equal(defaultMethod('numerical', 1001, 6), 'wasserstein');
    assert.equal(defaultMethod('numerical', 1001, 5), 'jensenshannon');
    assert.equal(defaultMethod('categorical', 1001, 50), 'jensenshannon');
  });

  it('computes the KS statistic and its exact p-value on small samples', () => {
    // Fully separated samples of 3: D = 1 and P(D >= 1) = 2 / C(6, 3) = 0.1.
    const r = ksTwoSample(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6));
    assert.equal(r.statistic, 1);
    assert.ok(Math.abs(r.pValue - 0.1) < 1e-15);
    // Unequal sizes 2 and 3, separated: P = 2 / C(5, 2) = 0.2.
    const u = ksTwoSample(Float64Array.of(1, 2), Float64Array.of(3, 4, 5));
    assert.ok(Math.abs(u.pValue - 0.2) < 1e-15);
    assert.equal(ksPValue(0, 10, 20).pValue, 1);
  });

  it('switches to the asymptotic distribution beyond 10,000 values per sample', () => {
    const r = ksTwoSample(normal(20_000, 0, 1), normal(20_000, 0.05, 2));
    assert.equal(r.method, 'asymptotic');
    assert.ok(r.pValue < 1e-3);
    assert.ok(Math.abs(kolmogorovSf(1.3580986393225505) - 0.05) < 1e-9);
    // SciPy's kstwobign.sf(1) = 0.26999967167735456; both series agree where they meet (x = 0.3).
    assert.ok(Math.abs(kolmogorovSf(1) - 0.26999967167735456) < 1e-12);
    assert.ok(Math.abs(kolmogorovSf(0.3 - 1e-12) - kolmogorovSf(0.3)) < 1e-9);
  });

  it('measures Wasserstein as the mean shift for a shifted copy, and JS as 0 for equal shares', () => {
    const a = normal(1000, 0, 3).sort();
    const b = a.map((x) => x + 0.7);
    assert.ok(Math.abs(wasserstein(a, b) - 0.7) < 1e-12);
    assert.equal(jensenShannon(Float64Array.of(1, 2, 3), Float64Array.of(2, 4, 6)), 0);
    assert.ok(
      Math.abs(jensenShannon(Float64Array.of(1, 0), Float64Array.of(0, 1)) - Math.sqrt(Math.LN2)) <
        1e-15,
    );
  });

  it('decides drift per column and for the dataset by the share of drifted columns', () => {
    const reference = { a: normal(5000, 0, 4), b: normal(5000, 0, 5), c: normal(5000, 0, 6) };
    const current = { a: normal(3000, 0, 7), b: normal(3000, 0.5, 8), c: normal(3000, 1, 9) };
    const specs = ['a', 'b', 'c'].map((name) => ({ name, kind: 'numerical' as const }));
    const report = driftReport(reference, current, specs);
    assert.deepEqual(
      report.columns.map((c) => [c.column, c.method, c.drifted]),
      [
        ['a', 'wasserstein', false],
        ['b', 'wasserstein', true],
        ['c', 'wasserstein', true],
      ],
    );
    assert.equal(report.driftedColumns, 2);
    assert.equal(report.datasetDrift, true);
    assert.equal(driftReport(reference, current, specs, 0.7).datasetDrift, false);
  });

  it('takes a method and threshold per column, and categorical columns with missing values', () => {
    const reference = ['a', 'b', null, 'a', 'c', 'b', 'a'];
    const current = ['a', 'b', 'b', undefined, 'c', 'd', 'b'];
    const d = columnDrift(
      { name: 'cat', kind: 'categorical', method: 'psi', threshold: 0.2 },
      reference,
      current,
    );
    assert.equal(d.method, 'psi');
    assert.equal(d.threshold, 0.2);
    assert.equal(d.referenceN, 6);
    assert.equal(d.currentN, 6);
    assert.ok(d.score > 0);
    const chi = columnDrift({ name: 'cat', kind: 'categorical' }, reference, current);
    assert.equal(chi.method, 'chisquare');
    assert.equal(chi.score, 0, 'a category the reference never had makes chi-squared certain');
  });

  it('refuses what it cannot test, naming the column', () => {
    const fail = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof SextantError && pattern.test(e.message));
    fail(
      () => columnDrift({ name: 'x', kind: 'numerical' }, [1, 2, 'z'], [1, 2]),
      /'x' is numerical/,
    );
    fail(
      () => columnDrift({ name: 'x', kind: 'numerical' }, [null, Number.NaN], [1, 2]),
      /'x' has no values in the reference/,
    );
    fail(
      () => columnDrift({ name: 'x', kind: 'categorical', method: 'ks' }, ['a'], ['b']),
      /ks needs a numerical column/,
    );
    fail(
      () => driftReport({ x: [1] }, {}, [{ name: 'x', kind: 'numerical' }]),
      /'x' is missing from the current/,
    );
  });
});

describe('data quality', () => {
  it('counts missing values and values outside the reference range', () => {
    const q = columnQuality(
      { name: 'age', kind: 'numerical' },
      [18, 30, 65],
      [20, null, 70, Infinity, 10, Number.NaN],
    );
    assert.deepEqual([q.rows, q.missing, q.outOfRange, q.range], [6, 2, 3, [18, 65]]);
    assert.equal(q.missingShare, 2 / 6);
    const declared = columnQuality(
      { name: 'age', kind: 'numerical' },
      [18, 30],
      [20, 70],
      [0, 120],
    );
    assert.equal(declared.outOfRange, 0);
  });

  it('lists categories the reference never had', () => {
    const q = columnQuality(
      { name: 'country', kind: 'categorical' },
      ['fr', 'de'],
      ['fr', 'it', 'it', null, 'es'],
    );
    assert.deepEqual(q.newCategories, [
      { value: 'it', count: 2 },
      { value: 'es', count: 1 },
    ]);
    assert.equal(q.newCategoryShare, 3 / 5);
    assert.equal(q.missing, 1);
  });
});
