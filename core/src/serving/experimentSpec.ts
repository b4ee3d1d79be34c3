import { invalid } from '../model/errors';

/** An online experiment between a deployment's variants, as its `experiment:` block declares it. */
export interface ExperimentSpec {
  type: 'ab' | 'bandit';
  /** The request header holding the unit key (the deployment's sticky header). */
  unit?: string;
  metric: {
    name: string;
    /** Which feedback the metric reads. */
    feedback: 'reward' | 'label' | 'value';
    /** Conversion-like (two-proportion z-test) or continuous (Welch's t-test). */
    kind: 'proportion' | 'mean';
    /** For label feedback read as a proportion: the label that is a success. */
    positiveLabel?: string;
    higherIsBetter: boolean;
    /** Served requests without feedback: left out, or counted as 0. */
    missing: 'exclude' | 'zero';
  };
  guardrails: {
    maxErrorRateIncrease?: number;
    maxP99LatencyIncrease?: number;
    minRequests: number;
  };
  alpha: number;
  /** The mixing standard deviation of the always-valid test (the effect it is tuned for). */
  mixingSd: number;
  /** No promotion before every variant has this many judged requests. */
  minSamples: number;
  /** The planned effect: what the sample-size estimate is for. */
  plan?: { baseline?: number; minimumEffect: number; sd?: number; power: number };
  /** Periodic decisions while the deployment runs (everyS 0: only `sextant experiment decide`). */
  decide: { everyS: number; promote: boolean; stop: boolean; rollback: boolean };
  /** How a bandit moves the weights. */
  bandit?: {
    policy: 'thompson' | 'ucb1' | 'epsilon-greedy';
    epsilon: number;
    everyS: number;
    /** The smallest weight (percent) any arm keeps, so every arm goes on being measured. */
    minWeight: number;
    seed: number;
    draws: number;
  };
}

/** The `experiment:` block as YAML gives it (already checked against the schema). */
interface RawExperiment {
  type: 'ab' | 'bandit';
  unit?: string;
  metric: {
    name?: string;
    feedback: 'reward' | 'label' | 'value';
    kind?: 'proportion' | 'mean';
    positive_label?: string;
    higher_is_better?: boolean;
    missing?: 'exclude' | 'zero';
  };
  guardrails?: {
    max_error_rate_increase?: number;
    max_p99_latency_increase?: number;
    min_requests?: number;
  };
  alpha?: number;
  mixing_sd?: number;
  min_samples?: number;
  plan?: { baseline?: number; minimum_effect: number; sd?: number; power?: number };
  decide?: { every_s?: number; promote?: boolean; stop?: boolean; rollback?: boolean };
  bandit?: {
    policy?: 'thompson' | 'ucb1' | 'epsilon-greedy';
    epsilon?: number;
    every_s?: number;
    min_weight?: number;
    seed?: number;
    draws?: number;
  };
}

/**
 * A deployment's experiment with its defaults, checked against the deployment: it needs a
 * control and a treatment taking traffic, every request logged (feedback joins logged requests
 * only), and label feedback read as a proportion names its positive label.
 * @throws SextantError INVALID_PARAMETER_VALUE naming the field.
 */
export function parseExperiment(
  raw: unknown,
  where: string,
  deployment: { servedVariants: number; sampleRate: number },
): ExperimentSpec {
  const e = raw as RawExperiment;
  const kind = e.metric.kind ?? (e.metric.feedback === 'value' ? 'mean' : 'proportion');
  if (deployment.servedVariants < 2) {
    throw invalid(
      `${where}.experiment: an experiment needs at least two variants taking traffic under routes.variants`,
    );
  }
  if (deployment.sampleRate < 1) {
    throw invalid(
      `${where}.experiment: feedback joins logged requests only; set request_logging.sample_rate to 1 (it is ${deployment.sampleRate})`,
    );
  }
  if (
    e.metric.feedback === 'label' &&
    kind === 'proportion' &&
    e.metric.positive_label === undefined
  ) {
    throw invalid(`${where}.experiment.metric: name the positive_label that counts as a success`);
  }
  if (e.type === 'ab' && e.bandit) {
    throw invalid(`${where}.experiment: bandit settings need type: bandit`);
  }
  const plan = e.plan;
  const alpha = e.alpha ?? 0.05;
  return {
    type: e.type,
    ...(e.unit ? { unit: e.unit } : {}),
    metric: {
      name: e.metric.name ?? e.metric.feedback,
      feedback: e.metric.feedback,
      kind,
      ...(e.metric.positive_label !== undefined ? { positiveLabel: e.metric.positive_label } : {}),
      higherIsBetter: e.metric.higher_is_better ?? true,
      missing: e.metric.missing ?? 'exclude',
    },
    guardrails: {
      ...(e.guardrails?.max_error_rate_increase !== undefined
        ? { maxErrorRateIncrease: e.guardrails.max_error_rate_increase }
        : {}),
      ...(e.guardrails?.max_p99_latency_increase !== undefined
        ? { maxP99LatencyIncrease: e.guardrails.max_p99_latency_increase }
        : {}),
      minRequests: e.guardrails?.min_requests ?? 100,
    },
    alpha,
    mixingSd: e.mixing_sd ?? (kind === 'proportion' ? 0.05 : 1),
    minSamples: e.min_samples ?? 100,
    ...(plan
      ? {
          plan: {
            ...(plan.baseline !== undefined ? { baseline: plan.baseline } : {}),
            minimumEffect: plan.minimum_effect,
            ...(plan.sd !== undefined ? { sd: plan.sd } : {}),
            power: plan.power ?? 0.8,
          },
        }
      : {}),
    decide: {
      everyS: e.decide?.every_s ?? 0,
      promote: e.decide?.promote ?? true,
      stop: e.decide?.stop ?? true,
      rollback: e.decide?.rollback ?? true,
    },
    ...(e.type === 'bandit'
      ? {
          bandit: {
            policy: e.bandit?.policy ?? 'thompson',
            epsilon: e.bandit?.epsilon ?? 0.1,
            everyS: e.bandit?.every_s ?? 30,
            minWeight: e.bandit?.min_weight ?? 0,
            seed: e.bandit?.seed ?? 1,
            draws: e.bandit?.draws ?? 1000,
          },
        }
      : {}),
  };
}
