/**
 * Multi-armed bandits as pure functions of each arm's statistics and a seeded generator:
 * Thompson sampling (Beta-Bernoulli for rewards in [0, 1], Gaussian for continuous rewards),
 * UCB1 and epsilon-greedy. Each choice comes with every arm's probability of being chosen, so
 * the routing can be recorded over time; for Thompson sampling that probability (the chance the
 * arm's posterior draw is the largest) is estimated by drawing.
 */
import { invalid } from '../model/errors';
import type { Rng } from '../stats';

/** What the router knows of an arm: its pulls and their rewards. */
export interface ArmStats {
  name: string;
  pulls: number;
  rewardSum: number;
  /** Needed by Gaussian Thompson sampling (the arm's reward variance). */
  rewardSumOfSquares?: number;
}

/** A bandit policy and its parameters. */
export type BanditPolicy =
  | { kind: 'thompson-beta'; priorAlpha?: number; priorBeta?: number; draws?: number }
  | {
      kind: 'thompson-gaussian';
      priorMean?: number;
      priorSd?: number;
      /** The reward standard deviation assumed while an arm has fewer than 2 pulls. */
      defaultRewardSd?: number;
      draws?: number;
    }
  | { kind: 'ucb1' }
  | { kind: 'epsilon-greedy'; epsilon: number };

/** The arm to play next and every arm's probability of being chosen. */
export interface BanditChoice {
  arm: string;
  probabilities: Record<string, number>;
}

function checkArms(arms: readonly ArmStats[]): void {
  if (arms.length === 0) throw invalid('a bandit needs at least one arm');
  for (const a of arms)
    if (!(Number.isInteger(a.pulls) && a.pulls >= 0) || !Number.isFinite(a.rewardSum))
      throw invalid(`arm '${a.name}' has invalid statistics`);
}

function meanOf(arm: ArmStats): number {
  return arm.pulls > 0 ? arm.rewardSum / arm.pulls : 0;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** One posterior draw per arm under a Thompson policy. */
function posteriorDraws(
  policy: Extract<BanditPolicy, { kind: 'thompson-beta' | 'thompson-gaussian' }>,
  arms: readonly ArmStats[],
  rng: Rng,
): number[] {
  if (policy.kind === 'thompson-beta') {
    const a0 = policy.priorAlpha ?? 1;
    const b0 = policy.priorBeta ?? 1;
    return arms.map((arm) => rng.beta(a0 + arm.rewardSum, b0 + arm.pulls - arm.rewardSum));
  }
  const mu0 = policy.priorMean ?? 0;
  const priorVar = (policy.priorSd ?? 1e3) ** 2;
  const defaultVar = (policy.defaultRewardSd ?? 1) ** 2;
  return arms.map((arm) => {
    const n = arm.pulls;
    let noiseVar = defaultVar;
    if (n >= 2 && arm.rewardSumOfSquares !== undefined) {
      const mean = arm.rewardSum / n;
      noiseVar = Math.max((arm.rewardSumOfSquares - n * mean * mean) / (n - 1), 1e-12);
    }
    const precision = 1 / priorVar + n / noiseVar;
    const mean = (mu0 / priorVar + arm.rewardSum / noiseVar) / precision;
    return rng.normal(mean, Math.sqrt(1 / precision));
  });
}

/** Each arm's probability of being chosen by the policy at this point. */
export function armProbabilities(
  policy: BanditPolicy,
  arms: readonly ArmStats[],
  rng: Rng,
): Record<string, number> {
  checkArms(arms);
  const probabilities = Object.fromEntries(arms.map((a) => [a.name, 0]));
  switch (policy.kind) {
    case 'thompson-beta':
    case 'thompson-gaussian': {
      const draws = policy.draws ?? 1000;
      for (let i = 0; i < draws; i++) {
        const winner = arms[argmax(posteriorDraws(policy, arms, rng))] as ArmStats;
        probabilities[winner.name] = (probabilities[winner.name] as number) + 1 / draws;
      }
      return probabilities;
    }
    case 'ucb1':
      probabilities[ucb1Arm(arms).name] = 1;
      return probabilities;
    case 'epsilon-greedy': {
      const best = arms[argmax(arms.map(meanOf))] as ArmStats;
      for (const a of arms) probabilities[a.name] = policy.epsilon / arms.length;
      probabilities[best.name] = (probabilities[best.name] as number) + 1 - policy.epsilon;
      return probabilities;
    }
  }
}

function ucb1Arm(arms: readonly ArmStats[]): ArmStats {
  const unplayed = arms.find((a) => a.pulls === 0);
  if (unplayed) return unplayed;
  const total = arms.reduce((s, a) => s + a.pulls, 0);
  const scores = arms.map((a) => meanOf(a) + Math.sqrt((2 * Math.log(total)) / a.pulls));
  return arms[argmax(scores)] as ArmStats;
}

/** Picks the arm to play next. `withProbabilities` adds every arm's chance (Thompson: by drawing). */
export function chooseArm(
  policy: BanditPolicy,
  arms: readonly ArmStats[],
  rng: Rng,
  withProbabilities = true,
): BanditChoice {
  checkArms(arms);
  let arm: ArmStats;
  switch (policy.kind) {
    case 'thompson-beta':
    case 'thompson-gaussian':
      arm = arms[argmax(posteriorDraws(policy, arms, rng))] as ArmStats;
      break;
    case 'ucb1':
      arm = ucb1Arm(arms);
      break;
    case 'epsilon-greedy':
      if (!(policy.epsilon >= 0 && policy.epsilon <= 1))
        throw invalid(`epsilon must be in [0, 1]; got ${policy.epsilon}`);
      arm =
        rng.uniform() < policy.epsilon
          ? (arms[rng.integer(arms.length)] as ArmStats)
          : (arms[argmax(arms.map(meanOf))] as ArmStats);
      break;
  }
  return {
    arm: arm.name,
    probabilities: withProbabilities ? armProbabilities(policy, arms, rng) : {},
  };
}
