import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { order, upstreamOf, type GraphStep } from './graph';
import { isWithin } from './values';

/** The definition, step by step against every other step: what the indexed version must match. */
function naiveUpstream(steps: readonly GraphStep[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const step of steps) {
    const upstream = new Set<string>(step.after);
    for (const other of steps) {
      if (other === step) continue;
      const reads = step.deps.some((dep) =>
        other.outputs.some((out) => isWithin(dep, out) || isWithin(out, dep)),
      );
      if (reads) upstream.add(other.name);
    }
    upstream.delete(step.name);
    result.set(step.name, [...upstream].sort());
  }
  return result;
}

/** A small deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PATHS = [
  '.',
  'data',
  'data/raw',
  'data/raw/a.csv',
  'data/clean',
  'model',
  'model/w.bin',
  'm',
  'data-x',
  'data.csv',
];

describe('pipeline graph', () => {
  it('finds the same upstream steps as comparing every pair, over random pipelines', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const pick = (): string => PATHS[Math.floor(next() * PATHS.length)] as string;
      const count = 1 + Math.floor(next() * 8);
      const steps: GraphStep[] = Array.from({ length: count }, (_, i) => ({
        name: `s${i}`,
        deps: Array.from({ length: Math.floor(next() * 3) }, pick),
        outputs: Array.from({ length: Math.floor(next() * 3) }, pick),
        after: next() < 0.2 ? [`s${Math.floor(next() * count)}`] : [],
      }));
      assert.deepEqual(upstreamOf(steps), naiveUpstream(steps), `seed ${seed}`);
    }
  });

  it('orders by data, ties in declaration order, and names cycles', () => {
    const upstream = new Map([
      ['c', ['a']],
      ['b', []],
      ['a', []],
      ['d', ['c', 'b']],
    ]);
    assert.deepEqual(order(['c', 'b', 'a', 'd'], upstream), {
      ordered: ['b', 'a', 'c', 'd'],
      cycles: [],
    });
    const cyclic = new Map([
      ['x', ['y']],
      ['y', ['x']],
      ['z', ['z']],
      ['w', ['x']],
      ['v', []],
    ]);
    const { ordered, cycles } = order(['x', 'y', 'z', 'w', 'v'], cyclic);
    assert.deepEqual(ordered, ['v']);
    assert.deepEqual(
      cycles.map((c) => [...c].sort()),
      [['x', 'y'], ['z']],
    );
  });

  it('orders a chain of 5,000 steps declared in reverse', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    const upstream = new Map(names.map((n, i) => [n, i > 0 ? [`s${i - 1}`] : []]));
    const { ordered } = order([...names].reverse(), upstream);
    assert.deepEqual(ordered, names);
  });
});
