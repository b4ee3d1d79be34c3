import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '../stats';
import { columnDrift, driftReport } from './drift';
import { columnQuality } from './quality';
import { monitorReport, monitorWindow, referenceProfile } from './report';
import { sortFloat64 } from './sort';

describe('monitoring report', () => {
  it('gives the drift report and the quality of every column in one pass', () => {
    const rng = seededRng(11);
    const reference = {
      x: Float64Array.from({ length: 3000 }, () => rng.normal(0, 1)),
      c: Array.from({ length: 3000 }, () => (rng.uniform() < 0.5 ? 'a' : 'b')),
    };
    const current = {
      x: Float64Array.from({ length: 2000 }, (_, i) =>
        i % 100 === 0 ? Number.NaN : rng.normal(0.5, 1),
      ),
      c: Array.from({ length: 2000 }, () => (rng.uniform() < 0.1 ? 'z' : 'a')),
    };
    const specs = [
      { name: 'x', kind: 'numerical' as const },
      { name: 'c', kind: 'categorical' as const },
    ];
    const report = monitorReport(reference, current, specs, { ranges: { x: [-1, 1] } });
    assert.deepEqual(report.drift, driftReport(reference, current, specs));
    assert.deepEqual(report.quality[0], columnQuality(specs[0]!, reference.x, current.x, [-1, 1]));
    assert.deepEqual(report.quality[1], columnQuality(specs[1]!, reference.c, current.c));
    assert.equal(report.quality[0]!.missing, 20);
    assert.ok(report.quality[0]!.outOfRange! > 300);
    assert.equal(report.drift.columns[1]!.drifted, true);
    assert.deepEqual(columnDrift(specs[0]!, reference.x, current.x), report.drift.columns[0]);
    const profile = referenceProfile(reference, specs);
    assert.deepEqual(monitorWindow(profile, current, { ranges: { x: [-1, 1] } }), report);
    assert.throws(
      () => monitorWindow(profile, { x: current.x }),
      /'c' is missing from the current/,
    );
  });
});

describe('radix sort of samples', () => {
  it('orders like the built-in sort, signed zeros and infinities included', () => {
    const rng = seededRng(3);
    for (const n of [10, 5000, 70_000]) {
      const values = Float64Array.from({ length: n }, (_, i) =>
        i % 97 === 0 ? -0 : i % 101 === 0 ? 0 : (rng.uniform() - 0.5) * Math.exp(rng.normal(0, 8)),
      );
      values[0] = Infinity;
      values[1] = -Infinity;
      values[2] = 5e-324;
      values[3] = -5e-324;
      const expected = values.slice().sort();
      const backing = new Float64Array(n + 2);
      backing.set(values, 1);
      const actual = sortFloat64(backing.subarray(1, n + 1));
      for (let i = 0; i < n; i++) assert.ok(Object.is(actual[i], expected[i]), `n=${n} at ${i}`);
      assert.equal(backing[0], 0);
      assert.equal(backing[n + 1], 0);
    }
  });

  it('orders values that share their high bits: short runs, long runs, one run of everything', () => {
    const rng = seededRng(4);
    const cases = [
      // Within one part in a million of 1: every value shares its high word with many others.
      Float64Array.from({ length: 50_000 }, () => 1 + rng.uniform() * 1e-6),
      // Few distinct high words, some runs short and some long, negative values too.
      Float64Array.from(
        { length: 50_000 },
        (_, i) => (i % 3 ? 1 : -1) * (2 + rng.uniform() * 1e-9),
      ),
      Float64Array.from({ length: 20_000 }, () => Math.round(rng.uniform() * 40) / 8),
    ];
    for (const values of cases) {
      const expected = values.slice().sort();
      const actual = sortFloat64(values);
      for (let i = 0; i < values.length; i++)
        assert.ok(Object.is(actual[i], expected[i]), `at ${i}`);
    }
  });
});
