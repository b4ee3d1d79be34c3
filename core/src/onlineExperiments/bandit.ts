import { armProbabilities, type ArmStats, type BanditPolicy } from '../online';
import { weightsOf, withWeights, type ExperimentSpec } from '../serving';
import type { Rng } from '../stats';
import { collectSamples, primaryOf } from './data';
import { SEXTANT_ACTOR, stoppedVariants } from './decide';
import type { ExperimentHost } from './host';

/** The policy of a bandit experiment: Thompson sampling is Beta-Bernoulli on rates, Gaussian on means. */
export function banditPolicy(spec: ExperimentSpec): BanditPolicy {
  const b = spec.bandit!;
  if (b.policy === 'ucb1') return { kind: 'ucb1' };
  if (b.policy === 'epsilon-greedy') return { kind: 'epsilon-greedy', epsilon: b.epsilon };
  return spec.metric.kind === 'proportion'
    ? { kind: 'thompson-beta', draws: b.draws }
    : { kind: 'thompson-gaussian', draws: b.draws };
}

/** Arm probabilities to weights in percent, every arm keeping at least `minWeight`. */
export function weightsFrom(
  probabilities: Record<string, number>,
  minWeight: number,
): Record<string, number> {
  const names = Object.keys(probabilities);
  const floor = Math.min(minWeight, 100 / names.length);
  const rest = 100 - floor * names.length;
  return Object.fromEntries(
    names.map((n) => [n, Math.round((floor + rest * probabilities[n]!) * 1e4) / 1e4]),
  );
}

/** One bandit move and its inputs. */
export interface Allocation {
  policy: BanditPolicy['kind'];
  arms: { name: string; pulls: number; mean: number }[];
  probabilities: Record<string, number>;
  weights: Record<string, number>;
  /** Whether the running deployment took the weights. */
  applied: boolean;
}

/**
 * Recomputes a bandit's weights from the feedback so far and sets them on the deployment (arms a
 * decision stopped keep weight 0); records an experiment `allocation` event and, when the
 * weights were applied, a deployment `traffic` event.
 */
export async function allocate(
  host: ExperimentHost,
  name: string,
  spec: ExperimentSpec,
  rng: Rng,
  now = Date.now(),
): Promise<Allocation> {
  const record = host.deployments.get(name);
  const stopped = new Set(stoppedVariants(host, name));
  const samples = collectSamples(host.feedback, spec, record.state, { deployment: name });
  const arms: ArmStats[] = samples
    .filter((s) => !stopped.has(s.name))
    .map((s) => {
      const p = primaryOf(spec, s);
      if (!p) {
        const sum = s.values.reduce((a, b) => a + b, 0);
        return {
          name: s.name,
          pulls: s.values.length,
          rewardSum: sum,
          rewardSumOfSquares: sum * sum,
        };
      }
      if (p.kind === 'proportion') {
        return { name: s.name, pulls: p.summary.n, rewardSum: p.summary.successes };
      }
      const { n, mean, variance } = p.summary;
      return {
        name: s.name,
        pulls: n,
        rewardSum: mean * n,
        rewardSumOfSquares: variance * (n - 1) + n * mean * mean,
      };
    });
  const policy = banditPolicy(spec);
  const probabilities = armProbabilities(policy, arms, rng);
  const weights = {
    ...Object.fromEntries([...stopped].map((s) => [s, 0])),
    ...weightsFrom(probabilities, spec.bandit!.minWeight),
  };
  const before = weightsOf(record.state);
  const applied = await host.applyWeights(weights);
  if (applied) {
    host.deployments.record(
      name,
      'traffic',
      { user: SEXTANT_ACTOR, reason: `bandit (${policy.kind}) from feedback` },
      withWeights(record.state, applied),
      { before, after: applied, bandit: policy.kind },
      now,
    );
  }
  const allocation: Allocation = {
    policy: policy.kind,
    arms: arms.map((a) => ({
      name: a.name,
      pulls: a.pulls,
      mean: a.pulls > 0 ? a.rewardSum / a.pulls : Number.NaN,
    })),
    probabilities,
    weights: applied ?? weights,
    applied: applied !== undefined,
  };
  host.events.add({ deployment: name, kind: 'allocation', time: now, details: { ...allocation } });
  return allocation;
}
