import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnBatch } from './turnBatch';

describe('TurnBatch', () => {
  it('commits the items added in one turn together, results in order', async () => {
    const commits: number[][] = [];
    const batch = new TurnBatch<number, number>((items) => {
      commits.push(items);
      return items.map((n) => n * 10);
    });
    const results = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(commits, [[1, 2, 3]]);
    assert.equal(await batch.add(4), 40);
    assert.deepEqual(commits, [[1, 2, 3], [4]]);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const commits: number[][] = [];
    const batch = new TurnBatch<number, number>((items) => {
      commits.push(items);
      if (items.includes(2)) throw new Error('bad item 2');
      return items;
    });
    const results = await Promise.allSettled([batch.add(1), batch.add(2), batch.add(3)]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      [1, 'bad item 2', 3],
    );
    assert.deepEqual(commits, [[1, 2, 3], [1], [2], [3]]);
  });
});
