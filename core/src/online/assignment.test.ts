import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignVariant, unitPoint } from './assignment';

describe('sticky assignment', () => {
  const variants = [
    { name: 'control', weight: 90 },
    { name: 'canary', weight: 10 },
  ];

  it('assigns a unit to the same variant every time', () => {
    for (let i = 0; i < 100; i++)
      assert.equal(
        assignVariant('exp-1', `user-${i}`, variants),
        assignVariant('exp-1', `user-${i}`, variants),
      );
  });

  it('splits units by the weights', () => {
    let canary = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++)
      if (assignVariant('exp-1', `user-${i}`, variants) === 'canary') canary++;
    // 10% +- 4 standard errors.
    assert.ok(Math.abs(canary / n - 0.1) < 4 * Math.sqrt(0.09 / n), `canary share ${canary / n}`);
  });

  it('assigns independently across experiments and never to a zero weight', () => {
    let same = 0;
    for (let i = 0; i < 2000; i++)
      if (unitPoint('exp-a', `u${i}`) < 0.5 === unitPoint('exp-b', `u${i}`) < 0.5) same++;
    assert.ok(Math.abs(same / 2000 - 0.5) < 0.05, `agreement ${same / 2000}`);
    for (let i = 0; i < 200; i++)
      assert.equal(
        assignVariant('e', `u${i}`, [
          { name: 'off', weight: 0 },
          { name: 'on', weight: 1 },
        ]),
        'on',
      );
  });

  it('refuses weights that split nothing', () => {
    assert.throws(() => assignVariant('e', 'u', []), /at least one variant/);
    assert.throws(() => assignVariant('e', 'u', [{ name: 'a', weight: 0 }]), /positive weight/);
    assert.throws(() => assignVariant('e', 'u', [{ name: 'a', weight: -1 }]), /weights are >= 0/);
    assert.throws(
      () =>
        assignVariant('e', 'u', [
          { name: 'a', weight: 1 },
          { name: 'a', weight: 1 },
        ]),
      /listed twice/,
    );
  });
});
