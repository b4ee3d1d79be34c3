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
  /** The unit of each value: its request's unit key, else the request id. */
  units: string[];
  /** Times of answered requests (for `missing: zero`, each is a unit of the metric). */
  answeredTimes: Float64Array;
  /** The unit of each answered request, as {@link answeredTimes}. */
  answeredUnits: string[];
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
    const units: string[] = [];
    for (const o of outcomes) {
      if (o.variant !== v.name || o.version !== v.version) continue;
      const x = metricValue(spec, o);
      if (x === undefined) continue;
      values.push(x);
      times.push(o.requestTime);
      units.push(o.unit ?? o.requestId);
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
      units,
      answeredTimes: t?.answeredTimes ?? new Float64Array(),
      answeredUnits: t?.answeredUnits ?? [],
      latenciesMs: latencies,
    };
  });
}

/** The metric per request served up to `cut`: each judged request, and with `missing: zero`
 * each answered one without feedback as 0. */
function requestValues(spec: ExperimentSpec, sample: VariantSample, cut: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < sample.values.length && sample.times[i]! <= cut; i++) {
    values.push(sample.values[i]!);
  }
  if (spec.metric.missing === 'zero') {
    let answered = 0;
    for (const t of sample.answeredTimes) if (t <= cut) answered++;
    while (values.length < answered) values.push(0);
  }
  return values;
}

/**
 * The metric per unit served up to `cut`, the level at which sticky traffic was assigned (a
 * unit's requests are not independent, so they count once): a proportion is whether the unit
 * converted at all, a mean is the unit's mean outcome. With `missing: zero` a unit's answered
 * requests without feedback count as 0, and a unit with none judged is a 0.
 */
function unitValues(spec: ExperimentSpec, sample: VariantSample, cut: number): number[] {
  const units = new Map<string, { sum: number; judged: number; answered: number; hit: boolean }>();
  const of = (unit: string): { sum: number; judged: number; answered: number; hit: boolean } => {
    let u = units.get(unit);
    if (!u) {
      u = { sum: 0, judged: 0, answered: 0, hit: false };
      units.set(unit, u);
    }
    return u;
  };
  for (let i = 0; i < sample.values.length && sample.times[i]! <= cut; i++) {
    const u = of(sample.units[i]!);
    u.sum += sample.values[i]!;
    u.judged++;
    if (sample.values[i]! > 0) u.hit = true;
  }
  if (spec.metric.missing === 'zero') {
    for (let i = 0; i < sample.answeredTimes.length; i++) {
      if (sample.answeredTimes[i]! <= cut) of(sample.answeredUnits[i]!).answered++;
    }
  }
  const values: number[] = [];
  for (const u of units.values()) {
    if (spec.metric.kind === 'proportion') values.push(u.hit ? 1 : 0);
    else values.push(u.sum / Math.max(u.judged, u.answered));
  }
  return values;
}

/**
 * A variant's primary metric from the outcomes served up to `cut` (all when undefined);
 * undefined while there is too little data (a rate needs 1 unit, a mean 2). With a unit key
 * (`experiment.unit`) the metric is analysed per unit, else per request.
 */
export function primaryOf(
  spec: ExperimentSpec,
  sample: VariantSample,
  cut = Infinity,
): PrimaryData | undefined {
  const values =
    spec.unit !== undefined ? unitValues(spec, sample, cut) : requestValues(spec, sample, cut);
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
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
