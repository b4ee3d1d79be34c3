/**
 * Decision rules of an online experiment, as pure functions: given each variant's data at one
 * moment, say whether to promote the winner, stop a variant that harms a guardrail, roll back to
 * the control, or keep going. Every decision carries its evidence, the statistics it was made
 * from, so the event that records it explains itself. The primary metric is judged by the
 * always-valid sequential test (decisions are taken at every look), guardrails by their own
 * rules below.
 */
import { invalid } from '../model/errors';
import { twoProportionZTest, welchTTest, type TestResult } from './abTest';
import {
  msprtMeans,
  msprtProportions,
  type SequentialOptions,
  type SequentialResult,
} from './sequential';
import type { MeanSummary, ProportionSummary } from './summary';

/** A variant's primary metric: a rate or a mean. */
export type PrimaryData =
  { kind: 'proportion'; summary: ProportionSummary } | { kind: 'mean'; summary: MeanSummary };

/** A guardrail observation of a variant: an error rate, or a latency quantile over `n` requests. */
export type GuardrailData =
  { kind: 'rate'; summary: ProportionSummary } | { kind: 'quantile'; value: number; n: number };

/** One variant at the moment of the decision. */
export interface VariantData {
  name: string;
  primary: PrimaryData;
  guardrails: Record<string, GuardrailData>;
}

/**
 * A guardrail rule. A rate (error rate) is harmed when the lower end of the (1 - alpha) interval of
 * treatment - control exceeds `maxIncrease`; a quantile (p99 latency) when the treatment's value
 * exceeds the control's times (1 + maxRelativeIncrease), once both have `minSamples` requests.
 */
export type GuardrailRule =
  | { metric: string; kind: 'rate'; maxIncrease: number }
  | { metric: string; kind: 'quantile'; maxRelativeIncrease: number; minSamples?: number };

/** How the experiment is judged. */
export interface DecisionPolicy {
  /** Whether a larger primary metric is better (conversion) or worse (cost). */
  higherIsBetter: boolean;
  sequential: SequentialOptions;
  guardrails: readonly GuardrailRule[];
  /** No promotion before each variant has this many units. */
  minSamplesPerVariant?: number;
}

/** A guardrail's verdict for one treatment, with the numbers behind it. */
export interface GuardrailVerdict {
  metric: string;
  harmed: boolean;
  control: GuardrailData;
  treatment: GuardrailData;
  /** The rate test (rate guardrails). */
  test?: TestResult;
  /** The largest value allowed for the treatment (quantile guardrails). */
  limit?: number;
}

/** Everything known of one treatment at the decision. */
export interface TreatmentEvidence {
  variant: string;
  /** The always-valid test of the primary metric (what decides). */
  sequential: SequentialResult;
  /** The fixed-horizon test of the primary metric (for the report). */
  fixedHorizon: TestResult;
  guardrails: GuardrailVerdict[];
}

/** A decision and its evidence. */
export interface Decision {
  action: 'promote' | 'stop' | 'rollback' | 'continue';
  /** The variant promoted or stopped; the control for a rollback. */
  variant?: string;
  reason: string;
  evidence: { control: VariantData; treatments: TreatmentEvidence[] };
}

function primaryTests(
  control: PrimaryData,
  treatment: PrimaryData,
  options: SequentialOptions,
  previous?: SequentialResult,
): { sequential: SequentialResult; fixedHorizon: TestResult } {
  const alpha = options.alpha ?? 0.05;
  if (control.kind === 'proportion' && treatment.kind === 'proportion')
    return {
      sequential: msprtProportions(control.summary, treatment.summary, options, previous),
      fixedHorizon: twoProportionZTest(control.summary, treatment.summary, alpha),
    };
  if (control.kind === 'mean' && treatment.kind === 'mean')
    return {
      sequential: msprtMeans(control.summary, treatment.summary, options, previous),
      fixedHorizon: welchTTest(control.summary, treatment.summary, alpha),
    };
  throw invalid('control and treatment must report the primary metric of the same kind');
}

function judgeGuardrail(
  rule: GuardrailRule,
  control: VariantData,
  treatment: VariantData,
  alpha: number,
): GuardrailVerdict {
  const c = control.guardrails[rule.metric];
  const t = treatment.guardrails[rule.metric];
  if (!c || !t)
    throw invalid(
      `guardrail '${rule.metric}' is missing from variant '${c ? treatment.name : control.name}'`,
    );
  if (rule.kind === 'rate') {
    if (c.kind !== 'rate' || t.kind !== 'rate')
      throw invalid(`guardrail '${rule.metric}' is a rate: give it as one`);
    const test = twoProportionZTest(c.summary, t.summary, alpha);
    return {
      metric: rule.metric,
      harmed: test.ci[0] > rule.maxIncrease,
      control: c,
      treatment: t,
      test,
    };
  }
  if (c.kind !== 'quantile' || t.kind !== 'quantile')
    throw invalid(`guardrail '${rule.metric}' is a quantile: give it as one`);
  const limit = c.value * (1 + rule.maxRelativeIncrease);
  const enough = Math.min(c.n, t.n) >= (rule.minSamples ?? 100);
  return {
    metric: rule.metric,
    harmed: enough && t.value > limit,
    control: c,
    treatment: t,
    limit,
  };
}

/**
 * Decides an experiment of a control and one or more treatments at one look. `previous` holds the
 * last look's sequential results by variant name (always-valid p-values only tighten).
 *
 * - a treatment harming a guardrail, or significantly worse on the primary metric, is stopped;
 *   when every treatment is stopped the decision is a rollback to the control;
 * - otherwise the treatment significantly better on the primary metric (the best of them, when
 *   several) is promoted, once every variant has `minSamplesPerVariant` units;
 * - otherwise the experiment continues.
 */
export function decide(
  control: VariantData,
  treatments: readonly VariantData[],
  policy: DecisionPolicy,
  previous: Readonly<Record<string, SequentialResult>> = {},
): Decision {
  if (treatments.length === 0) throw invalid('an experiment needs at least one treatment');
  const alpha = policy.sequential.alpha ?? 0.05;
  const evidence: TreatmentEvidence[] = treatments.map((t) => ({
    variant: t.name,
    ...primaryTests(control.primary, t.primary, policy.sequential, previous[t.name]),
    guardrails: policy.guardrails.map((rule) => judgeGuardrail(rule, control, t, alpha)),
  }));
  const better = (e: TreatmentEvidence): number =>
    (policy.higherIsBetter ? 1 : -1) * e.sequential.effect;
  const stopped = evidence.filter(
    (e) => e.guardrails.some((g) => g.harmed) || (e.sequential.significant && better(e) < 0),
  );
  const all = { control, treatments: evidence };
  const why = (e: TreatmentEvidence): string => {
    const harmed = e.guardrails.filter((g) => g.harmed).map((g) => g.metric);
    return harmed.length > 0
      ? `'${e.variant}' harms guardrail ${harmed.join(', ')}`
      : `'${e.variant}' is significantly worse on the primary metric (always-valid p = ${e.sequential.pValue.toPrecision(3)})`;
  };
  if (stopped.length === evidence.length)
    return {
      action: 'rollback',
      variant: control.name,
      reason: stopped.map(why).join('; '),
      evidence: all,
    };
  if (stopped.length > 0)
    return {
      action: 'stop',
      variant: stopped[0]!.variant,
      reason: why(stopped[0]!),
      evidence: all,
    };
  const minN = policy.minSamplesPerVariant ?? 0;
  const sizes = [control, ...treatments].map((v) => v.primary.summary.n);
  const winners = evidence
    .filter((e) => e.sequential.significant && better(e) > 0)
    .sort((a, b) => better(b) - better(a));
  if (winners.length > 0 && Math.min(...sizes) >= minN) {
    const w = winners[0]!;
    return {
      action: 'promote',
      variant: w.variant,
      reason: `'${w.variant}' beats '${control.name}' by ${w.sequential.effect.toPrecision(3)} (always-valid p = ${w.sequential.pValue.toPrecision(3)} < ${alpha})`,
      evidence: all,
    };
  }
  return {
    action: 'continue',
    reason: 'no significant difference and no guardrail harmed yet',
    evidence: all,
  };
}
