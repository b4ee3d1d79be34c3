import type { FeedbackStore } from '../feedback';
import { invalid } from '../model/errors';
import {
  decide,
  meanSampleSize,
  msprtMeans,
  msprtProportions,
  proportionSampleSize,
  twoProportionZTest,
  welchTTest,
  type Decision,
  type DecisionPolicy,
  type GuardrailRule,
  type PrimaryData,
  type SamplePlan,
  type SequentialResult,
  type TestResult,
  type VariantData,
} from '../online';
import type { DeploymentState, ExperimentSpec } from '../serving';
import { normalQuantile } from '../stats';
import {
  collectSamples,
  primaryOf,
  variantData,
  type ExperimentWindow,
  type VariantSample,
} from './data';
import type { ExperimentEvent, ExperimentEvents } from './events';

/** One variant's row of the report. */
export interface VariantResult {
  name: string;
  model: string;
  version: string;
  weight: number;
  control: boolean;
  requests: number;
  errors: number;
  errorRate: number;
  p99Ms: number;
  /** Units of the metric (requests with feedback, or every answered one with `missing: zero`). */
  n: number;
  /** The rate or the mean of the metric, and its sample variance (means). */
  mean: number;
  variance?: number;
  successes?: number;
  /** The (1 - alpha) Wald interval of the variant's own rate or mean. */
  ci?: [number, number];
}

/** A treatment against the control. */
export interface Comparison {
  variant: string;
  control: string;
  /** The fixed-horizon test: two-proportion z-test or Welch's t-test. */
  test: TestResult;
  /** The always-valid test at this moment. */
  sequential: SequentialResult;
}

/** The always-valid p-value of a treatment at one look. */
export interface SequentialPoint {
  time: number;
  variant: string;
  n: number;
  effect: number;
  pValue: number;
  ci: [number, number];
}

/** What an online experiment shows: results, tests, the plan, its history and a decision. */
export interface ExperimentReport {
  deployment: string;
  type: ExperimentSpec['type'];
  metric: ExperimentSpec['metric'];
  /** The header whose value is the unit each counts once (a variant's `n` is units), else
   * undefined: `n` is requests. */
  unit?: string;
  alpha: number;
  window: { since?: number; until?: number };
  /** When the report was made. */
  time: number;
  variants: VariantResult[];
  comparisons: Comparison[];
  /** The planned sample per variant (when `plan` is declared) and how far each variant is. */
  plan?: SamplePlan & { progress: Record<string, number> };
  /** The always-valid p-value of each treatment over time (cumulative looks). */
  sequentialOverTime: SequentialPoint[];
  /** A bandit's weights over time. */
  allocations: ExperimentEvent[];
  /** Decisions taken, newest last. */
  decisions: ExperimentEvent[];
  /** What the decision rules say now (not applied). */
  decision: Decision | { action: 'wait'; reason: string };
}

/** The guardrail rules of a spec, as the decision rules take them. */
export function guardrailRules(spec: ExperimentSpec): GuardrailRule[] {
  const rules: GuardrailRule[] = [];
  if (spec.guardrails.maxErrorRateIncrease !== undefined) {
    rules.push({
      metric: 'error_rate',
      kind: 'rate',
      maxIncrease: spec.guardrails.maxErrorRateIncrease,
    });
  }
  if (spec.guardrails.maxP99LatencyIncrease !== undefined) {
    rules.push({
      metric: 'p99_latency_ms',
      kind: 'quantile',
      maxRelativeIncrease: spec.guardrails.maxP99LatencyIncrease,
      minSamples: spec.guardrails.minRequests,
    });
  }
  return rules;
}

/** The decision policy of a spec. */
export function policyOf(spec: ExperimentSpec): DecisionPolicy {
  return {
    higherIsBetter: spec.metric.higherIsBetter,
    sequential: { alpha: spec.alpha, mixingSd: spec.mixingSd },
    guardrails: guardrailRules(spec),
    minSamplesPerVariant: spec.minSamples,
  };
}

function tests(
  spec: ExperimentSpec,
  control: PrimaryData,
  treatment: PrimaryData,
  previous?: SequentialResult,
): { test: TestResult; sequential: SequentialResult } {
  const options = { alpha: spec.alpha, mixingSd: spec.mixingSd };
  if (control.kind === 'proportion' && treatment.kind === 'proportion') {
    return {
      test: twoProportionZTest(control.summary, treatment.summary, spec.alpha),
      sequential: msprtProportions(control.summary, treatment.summary, options, previous),
    };
  }
  if (control.kind === 'mean' && treatment.kind === 'mean') {
    return {
      test: welchTTest(control.summary, treatment.summary, spec.alpha),
      sequential: msprtMeans(control.summary, treatment.summary, options, previous),
    };
  }
  throw invalid('the control and the treatment must read the metric the same way');
}

function variantResult(
  spec: ExperimentSpec,
  s: VariantSample,
  control: boolean,
  zCrit: number,
): VariantResult {
  const primary = primaryOf(spec, s);
  const base = {
    name: s.name,
    model: s.model,
    version: s.version,
    weight: s.weight,
    control,
    requests: s.requests,
    errors: s.errors,
    errorRate: s.requests > 0 ? s.errors / s.requests : Number.NaN,
    p99Ms: s.p99Ms,
  };
  if (!primary) return { ...base, n: s.judged, mean: Number.NaN };
  if (primary.kind === 'proportion') {
    const { n, successes, rate } = primary.summary;
    const half = zCrit * Math.sqrt((rate * (1 - rate)) / n);
    return { ...base, n, mean: rate, successes, ci: [rate - half, rate + half] };
  }
  const { n, mean, variance } = primary.summary;
  const half = zCrit * Math.sqrt(variance / n);
  return { ...base, n, mean, variance, ci: [mean - half, mean + half] };
}

/** Cumulative looks at `looks` evenly spaced times over the window's judged requests. */
function sequentialOverTime(
  spec: ExperimentSpec,
  samples: readonly VariantSample[],
  looks: number,
): SequentialPoint[] {
  const all = samples.flatMap((s) => s.times);
  if (all.length === 0) return [];
  const first = Math.min(...all);
  const last = Math.max(...all);
  const cuts =
    last > first
      ? Array.from({ length: looks }, (_, i) => first + ((last - first) * (i + 1)) / looks)
      : [last];
  const control = samples[0]!;
  const points: SequentialPoint[] = [];
  for (const treatment of samples.slice(1)) {
    let previous: SequentialResult | undefined;
    for (const cut of cuts) {
      const c = primaryOf(spec, control, cut);
      const t = primaryOf(spec, treatment, cut);
      if (!c || !t) continue;
      previous = tests(spec, c, t, previous).sequential;
      points.push({
        time: cut,
        variant: treatment.name,
        n: c.summary.n + t.summary.n,
        effect: previous.effect,
        pValue: previous.pValue,
        ci: previous.ci,
      });
    }
  }
  return points;
}

/** The sample each variant needs for the declared plan (the control's observed rate or SD when the plan leaves them out). */
export function planOf(spec: ExperimentSpec, control?: VariantResult): SamplePlan | undefined {
  const plan = spec.plan;
  if (!plan) return undefined;
  if (spec.metric.kind === 'proportion') {
    const baseline = plan.baseline ?? control?.mean;
    if (baseline === undefined || !Number.isFinite(baseline)) return undefined;
    return proportionSampleSize(baseline, baseline + plan.minimumEffect, spec.alpha, plan.power);
  }
  const sd = plan.sd ?? (control?.variance !== undefined ? Math.sqrt(control.variance) : undefined);
  if (sd === undefined || !(sd > 0)) return undefined;
  return meanSampleSize(plan.minimumEffect, sd, spec.alpha, plan.power);
}

/** What a report is made from. */
export interface ReportInputs {
  feedback: FeedbackStore;
  events: ExperimentEvents;
  spec: ExperimentSpec;
  state: DeploymentState;
  window: ExperimentWindow;
  /** The previous look of each treatment's always-valid test (from the last decision). */
  previous?: Record<string, SequentialResult>;
  /** Looks of the p-value over time (default 20). */
  looks?: number;
  now?: number;
}

/**
 * The report of a deployment's experiment: per-variant counts, rates or means with intervals,
 * guardrail figures, each treatment against the control (fixed-horizon and always-valid tests),
 * the planned sample and progress, the always-valid p-value over time, the bandit's allocations,
 * the decisions taken and what the rules say now.
 */
export function experimentReport(inputs: ReportInputs): ExperimentReport {
  const { spec, window } = inputs;
  const samples = collectSamples(inputs.feedback, spec, inputs.state, window);
  const zCrit = normalQuantile(1 - spec.alpha / 2);
  const variants = samples.map((s, i) => variantResult(spec, s, i === 0, zCrit));
  const control = samples[0]!;
  const comparisons: Comparison[] = [];
  const controlPrimary = primaryOf(spec, control);
  for (const t of samples.slice(1)) {
    const treatmentPrimary = primaryOf(spec, t);
    if (!controlPrimary || !treatmentPrimary) continue;
    comparisons.push({
      variant: t.name,
      control: control.name,
      ...tests(spec, controlPrimary, treatmentPrimary, inputs.previous?.[t.name]),
    });
  }
  const plan = planOf(spec, variants[0]);
  const since = window.since ?? 0;
  const data = samples.map((s) => variantData(spec, s));
  const ready = data.filter((d): d is VariantData => d !== undefined);
  const decision: ExperimentReport['decision'] =
    ready.length === data.length
      ? decide(ready[0]!, ready.slice(1), policyOf(spec), inputs.previous ?? {})
      : {
          action: 'wait',
          reason: `waiting for feedback: ${samples
            .filter((_, i) => data[i] === undefined)
            .map((s) => `'${s.name}'`)
            .join(
              ', ',
            )} need at least ${spec.metric.kind === 'mean' ? 2 : 1} judged request(s) each`,
        };
  return {
    deployment: window.deployment,
    type: spec.type,
    metric: spec.metric,
    ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
    alpha: spec.alpha,
    window: {
      ...(window.since !== undefined ? { since: window.since } : {}),
      ...(window.until !== undefined ? { until: window.until } : {}),
    },
    time: inputs.now ?? Date.now(),
    variants,
    comparisons,
    ...(plan
      ? {
          plan: {
            ...plan,
            progress: Object.fromEntries(
              variants.map((v) => [
                v.name,
                Math.min(1, v.n / Math.ceil(v.control ? plan.controlN : plan.treatmentN)),
              ]),
            ),
          },
        }
      : {}),
    sequentialOverTime: sequentialOverTime(spec, samples, inputs.looks ?? 20),
    allocations: inputs.events.list(window.deployment, ['allocation'], since),
    decisions: inputs.events.list(window.deployment, ['decision'], since),
    decision,
  };
}
