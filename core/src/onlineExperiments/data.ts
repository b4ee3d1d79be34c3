import type { FeedbackOutcome, FeedbackStore, VariantTraffic } from '../feedback';
import { invalid } from '../model/errors';
import {
  meanSummary,
  proportionSummary,
  type GuardrailData,
  type PrimaryData,
  type VariantData,
} from '../online';
import type { DeploymentState, ExperimentSpec } from '../serving';

/** The data of one variant in an experiment's window. */
export interface VariantSample {
  name: string;
  model: string;
  version: string;
  /** Its current share of the traffic. */
  weight: number;
  /** Requests served (all statuses), answers with 5xx, the p99 latency in ms. */
  requests: number;
  errors: number;
  p99Ms: number;
  /** Requests with feedback (of the metric's kind). */
  judged: number;
  /** Metric values in request-time order, and the request times they belong to. */
  values: number[];
  times: number[];
  /** Times of answered requests (for `missing: zero`, each is a unit of the metric). */
  answeredTimes: Float64Array;
  latenciesMs: Float64Array;
}

/** The p-quantile of ascending values (the nearest rank, as the rollback guard takes it). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The metric's value of one outcome, or undefined when the outcome is not of the metric's kind. */
function metricValue(spec: ExperimentSpec, o: FeedbackOutcome): number | undefined {
  if (o.kind !== spec.metric.feedback || o.status >= 400) return undefined;
  if (o.kind === 'label') {
    if (spec.metric.kind === 'proportion') return o.label === spec.metric.positiveLabel ? 1 : 0;
    const x = Number(o.label);
    if (!Number.isFinite(x)) {
      throw invalid(
        `request ${o.requestId} has label '${o.label}', not a number: a mean metric needs numeric labels`,
      );
    }
    return x;
  }
  const x = o.value!;
  if (spec.metric.kind === 'proportion' && x !== 0 && x !== 1) {
    throw invalid(
      `request ${o.requestId} has ${o.kind} ${x}: a proportion metric takes 0 or 1; declare metric.kind: mean for graded rewards`,
    );
  }
  return x;
}

/** Where an experiment's data comes from. */
export interface ExperimentWindow {
  deployment: string;
  since?: number;
  until?: number;
}

/**
 * Each served variant's data in the window: only requests of the version it serves now (a
 * variant whose alias moved starts afresh), feedback of the metric's kind on answered requests.
 * Variants in the order of the state, the champion (the control) first.
 */
export function collectSamples(
  feedback: FeedbackStore,
  spec: ExperimentSpec,
  state: DeploymentState,
  window: ExperimentWindow,
): VariantSample[] {
  const query = {
    deployment: window.deployment,
    ...(window.since !== undefined ? { since: window.since } : {}),
    ...(window.until !== undefined ? { until: window.until } : {}),
  };
  const shadows = state.variants.filter((v) => v.shadow).map((v) => v.name);
  const traffic = feedback.traffic(query, shadows);
  const outcomes = feedback.join(query);
  const served = state.variants.filter((v) => !v.shadow);
  const champion = state.champion ?? served[0]!.name;
  served.sort((a, b) => Number(b.name === champion) - Number(a.name === champion));
  return served.map((v) => {
    const t: VariantTraffic | undefined = traffic.find(
      (x) => x.variant === v.name && x.version === v.version,
    );
    const values: number[] = [];
    const times: number[] = [];
    for (const o of outcomes) {
      if (o.variant !== v.name || o.version !== v.version) continue;
      const x = metricValue(spec, o);
      if (x === undefined) continue;
      values.push(x);
      times.push(o.requestTime);
    }
    const latencies = t?.latenciesMs ?? new Float64Array();
    return {
      name: v.name,
      model: v.model,
      version: v.version,
      weight: v.weight,
      requests: t?.requests ?? 0,
      errors: t?.errors ?? 0,
      p99Ms: quantile(latencies, 0.99),
      judged: values.length,
      values,
      times,
      answeredTimes: t?.answeredTimes ?? new Float64Array(),
      latenciesMs: latencies,
    };
  });
}

/**
 * A variant's primary metric from the outcomes served up to `cut` (all when undefined);
 * undefined while there is too little data (a rate needs 1 unit, a mean 2).
 */
export function primaryOf(
  spec: ExperimentSpec,
  sample: VariantSample,
  cut = Infinity,
): PrimaryData | undefined {
  let sum = 0;
  const values: number[] = [];
  for (let i = 0; i < sample.values.length && sample.times[i]! <= cut; i++) {
    values.push(sample.values[i]!);
    sum += sample.values[i]!;
  }
  let n = values.length;
  if (spec.metric.missing === 'zero') {
    n = 0;
    for (const t of sample.answeredTimes) if (t <= cut) n++;
    n = Math.max(n, values.length);
    while (values.length < n) values.push(0);
  }
  if (spec.metric.kind === 'proportion') {
    return n >= 1
      ? { kind: 'proportion', summary: proportionSummary(Math.round(sum), n) }
      : undefined;
  }
  return n >= 2 ? { kind: 'mean', summary: meanSummary(values) } : undefined;
}

/** The guardrails of a variant, as the decision rules read them. */
export function guardrailsOf(
  spec: ExperimentSpec,
  sample: VariantSample,
): Record<string, GuardrailData> {
  const g: Record<string, GuardrailData> = {};
  if (spec.guardrails.maxErrorRateIncrease !== undefined && sample.requests > 0) {
    g.error_rate = { kind: 'rate', summary: proportionSummary(sample.errors, sample.requests) };
  }
  if (spec.guardrails.maxP99LatencyIncrease !== undefined && sample.requests > 0) {
    g.p99_latency_ms = { kind: 'quantile', value: sample.p99Ms, n: sample.requests };
  }
  return g;
}

/** The variant's data for the decision rules, or undefined while its metric has too little data. */
export function variantData(spec: ExperimentSpec, sample: VariantSample): VariantData | undefined {
  const primary = primaryOf(spec, sample);
  return primary
    ? { name: sample.name, primary, guardrails: guardrailsOf(spec, sample) }
    : undefined;
}
