import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng, type Rng } from '../stats';
import { armProbabilities, chooseArm, type ArmStats, type BanditPolicy } from './bandits';

const RATES = [0.05, 0.08, 0.11];

/** Plays `rounds` Bernoulli pulls under a policy and returns its cumulative regret. */
function regret(policy: BanditPolicy, rounds: number, rng: Rng): number {
  const arms: ArmStats[] = RATES.map((_, i) => ({ name: `arm${i}`, pulls: 0, rewardSum: 0 }));
  const best = Math.max(...RATES);
  let total = 0;
  for (let t = 0; t < rounds; t++) {
    const { arm } = chooseArm(policy, arms, rng, false);
    const i = arms.findIndex((a) => a.name === arm);
    const reward = rng.uniform() < (RATES[i] as number) ? 1 : 0;
    arms[i] = { ...arms[i]!, pulls: arms[i]!.pulls + 1, rewardSum: arms[i]!.rewardSum + reward };
    total += best - (RATES[i] as number);
  }
  return total;
}

describe('bandits', () => {
  it("Thompson sampling's cumulative regret is below epsilon-greedy's on arms with known rates", (t) => {
    const runs = 8;
    const rounds = 10_000;
    let thompson = 0;
    let greedy = 0;
    for (let r = 0; r < runs; r++) {
      thompson += regret({ kind: 'thompson-beta' }, rounds, seededRng(100 + r));
      greedy += regret({ kind: 'epsilon-greedy', epsilon: 0.1 }, rounds, seededRng(100 + r));
    }
    t.diagnostic(
      `mean regret over ${rounds} pulls: Thompson ${thompson / runs}, epsilon-greedy ${greedy / runs}`,
    );
    assert.ok(
      thompson / runs < greedy / runs,
      `Thompson ${thompson / runs} vs epsilon-greedy ${greedy / runs}`,
    );
  });

  it('is deterministic for a seed', () => {
    const arms: ArmStats[] = [
      { name: 'a', pulls: 10, rewardSum: 3 },
      { name: 'b', pulls: 12, rewardSum: 5 },
    ];
    const one = chooseArm({ kind: 'thompson-beta', draws: 200 }, arms, seededRng(42));
    const two = chooseArm({ kind: 'thompson-beta', draws: 200 }, arms, seededRng(42));
    assert.deepEqual(one, two);
  });

  it('gives arm probabilities that sum to one, and Thompson favours the better posterior', () => {
    const arms: ArmStats[] = [
      { name: 'a', pulls: 1000, rewardSum: 100, rewardSumOfSquares: 100 },
      { name: 'b', pulls: 1000, rewardSum: 150, rewardSumOfSquares: 150 },
    ];
    for (const policy of [
      { kind: 'thompson-beta' },
      { kind: 'thompson-gaussian' },
      { kind: 'ucb1' },
      { kind: 'epsilon-greedy', epsilon: 0.2 },
    ] as BanditPolicy[]) {
      const p = armProbabilities(policy, arms, seededRng(1));
      assert.ok(Math.abs((p.a as number) + (p.b as number) - 1) < 1e-9, policy.kind);
      assert.ok((p.b as number) > (p.a as number), policy.kind);
    }
    const greedy = armProbabilities({ kind: 'epsilon-greedy', epsilon: 0.2 }, arms, seededRng(1));
    assert.ok(
      Math.abs((greedy.a as number) - 0.1) < 1e-12 && Math.abs((greedy.b as number) - 0.9) < 1e-12,
    );
  });

  it('UCB1 plays every arm once before it compares them', () => {
    const arms: ArmStats[] = [
      { name: 'a', pulls: 5, rewardSum: 5 },
      { name: 'b', pulls: 0, rewardSum: 0 },
    ];
    assert.equal(chooseArm({ kind: 'ucb1' }, arms, seededRng(1)).arm, 'b');
  });

  it('Gaussian Thompson sampling learns continuous rewards', () => {
    const rng = seededRng(9);
    const means = [1.0, 1.5];
    const arms = means.map((_, i) => ({
      name: `m${i}`,
      pulls: 0,
      rewardSum: 0,
      rewardSumOfSquares: 0,
    }));
    const pulls = [0, 0];
    for (let t = 0; t < 2000; t++) {
      const { arm } = chooseArm({ kind: 'thompson-gaussian' }, arms, rng, false);
      const i = arm === 'm0' ? 0 : 1;
      const x = rng.normal(means[i], 1);
      const a = arms[i]!;
      arms[i] = {
        ...a,
        pulls: a.pulls + 1,
        rewardSum: a.rewardSum + x,
        rewardSumOfSquares: a.rewardSumOfSquares + x * x,
      };
      pulls[i]!++;
    }
    assert.ok(pulls[1]! > 4 * pulls[0]!, `pulls ${pulls}`);
  });

  it('refuses bad arms and parameters', () => {
    assert.throws(() => chooseArm({ kind: 'ucb1' }, [], seededRng(1)), /at least one arm/);
    assert.throws(
      () =>
        chooseArm(
          { kind: 'epsilon-greedy', epsilon: 2 },
          [{ name: 'a', pulls: 0, rewardSum: 0 }],
          seededRng(1),
        ),
      /epsilon/,
    );
    assert.throws(() => seededRng(0), /seed/);
  });
});
