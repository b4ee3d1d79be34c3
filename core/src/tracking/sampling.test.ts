import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { m4Blocks, m4Columns, type Block } from './sampling';

function series(n: number, f: (i: number) => number) {
  const steps = Array.from({ length: n }, (_, i) => i);
  return { steps, timestamps: steps.map((s) => 1000 + s), values: steps.map(f) };
}

describe('m4Columns', () => {
  it('returns a series within the budget unchanged', () => {
    const s = series(10, (i) => i * 2);
    assert.deepEqual(m4Columns(s, 10), s);
  });

  it('keeps at most the budget and every extreme', () => {
    const s = series(10_000, (i) => Math.sin(i / 50) * (i === 7777 ? 100 : 1));
    const out = m4Columns(s, 400);
    assert.ok(out.steps.length <= 400, `got ${out.steps.length}`);
    assert.equal(Math.max(...out.values), Math.max(...s.values));
    assert.equal(Math.min(...out.values), Math.min(...s.values));
    assert.ok(out.steps.includes(7777));
    assert.equal(out.steps[0], 0);
    assert.equal(out.steps.at(-1), 9999);
    for (let i = 1; i < out.steps.length; i++)
      assert.ok((out.steps[i] as number) > (out.steps[i - 1] as number));
  });

  it('skips NaN when looking for extremes but keeps bucket edges', () => {
    const s = series(100, (i) => (i % 2 ? NaN : i));
    const out = m4Columns(s, 8);
    assert.ok(out.values.some((v) => v === 98));
  });
});

describe('m4Blocks', () => {
  it('merges blocks into buckets keeping first, last, min and max', () => {
    const blocks: Block[] = Array.from({ length: 100 }, (_, b) => ({
      points: 64,
      first: [b * 64, b, b],
      last: [b * 64 + 63, b, b + 0.5],
      min: [b * 64 + 10, b, b === 42 ? -5 : b - 1],
      max: [b * 64 + 20, b, b === 13 ? 500 : b + 1],
    }));
    const out = m4Blocks(blocks, 40);
    assert.ok(out.steps.length <= 40);
    assert.ok(out.values.includes(-5));
    assert.ok(out.values.includes(500));
    assert.equal(out.steps[0], 0);
    assert.equal(out.steps.at(-1), 99 * 64 + 63);
  });
});
