/**
 * What the experiment report shows, as plain functions of the `sextant/online/report` answer: the
 * figures formatted, the series of its charts (the always-valid p-value per treatment, the arm
 * probabilities over time), the guardrail verdicts, the plan's progress, and the `experiment:`
 * block offered when a deployment has none. The view draws these; tests read them without a DOM.
 */
import type {
  OnlineComparison,
  OnlineReport,
  OnlineVariantResult,
} from '@sextant/language-server/protocol';

/** A p-value for people: 4 decimals, `< 0.0001` below that. */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 1e-4 ? '< 0.0001' : p.toFixed(4);
}

/** A rate (proportion metrics, as a percent) or a mean, with 4 significant digits. */
export function formatMetric(value: number | null | undefined, kind: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return kind === 'proportion' ? `${(value * 100).toFixed(2)}%` : value.toPrecision(4);
}

/** An effect with its sign: percentage points for rates, units for means. */
export function formatEffect(value: number | null | undefined, kind: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  const size = Math.abs(value);
  return kind === 'proportion'
    ? `${sign}${(size * 100).toFixed(2)} pp`
    : `${sign}${size.toPrecision(3)}`;
}

/** `[low, high]` formatted like its values. */
export function formatInterval(
  low: number | null | undefined,
  high: number | null | undefined,
  format: (x: number | null | undefined) => string,
): string {
  if (low === null || low === undefined || high === null || high === undefined) return '–';
  return `[${format(low)}, ${format(high)}]`;
}

/** One line of the p-value chart: a treatment's always-valid p-value at each look. */
export interface PValueLine {
  variant: string;
  time: number[];
  pValue: number[];
  n: number[];
}

/** The always-valid p-value over time, one line per treatment, in the order of the looks. */
export function pValueLines(report: Pick<OnlineReport, 'sequential'>): PValueLine[] {
  const lines = new Map<string, PValueLine>();
  for (const point of report.sequential) {
    let line = lines.get(point.variant);
    if (!line) {
      line = { variant: point.variant, time: [], pValue: [], n: [] };
      lines.set(point.variant, line);
    }
    line.time.push(point.time);
    line.pValue.push(point.pValue);
    line.n.push(point.n);
  }
  return [...lines.values()];
}

/** One band of the allocation chart: an arm's probability (0 to 1) at each allocation. */
export interface AllocationBand {
  arm: string;
  time: number[];
  share: number[];
}

/**
 * The bandit's allocations over time, one band per arm: its probability of being best when the
 * allocation recorded them, else its weight as a share of the total. Arms absent from an
 * allocation (stopped) count 0 there.
 */
export function allocationBands(report: Pick<OnlineReport, 'allocations'>): AllocationBand[] {
  const arms: string[] = [];
  for (const a of report.allocations) {
    for (const arm of Object.keys(a.probabilities ?? a.weights)) {
      if (!arms.includes(arm)) arms.push(arm);
    }
  }
  return arms.map((arm) => ({
    arm,
    time: report.allocations.map((a) => a.time),
    share: report.allocations.map((a) => {
      if (a.probabilities) return a.probabilities[arm] ?? 0;
      const total = Object.values(a.weights).reduce((sum, w) => sum + w, 0);
      return total > 0 ? (a.weights[arm] ?? 0) / total : 0;
    }),
  }));
}

/** A guardrail's state for a treatment: passing, failing, or not judged yet. */
export interface GuardrailState {
  metric: string;
  /** `error rate`, `p99 latency`. */
  label: string;
  state: 'pass' | 'fail' | 'pending';
  detail: string;
}

const GUARDRAIL_LABELS: Record<string, string> = {
  error_rate: 'error rate',
  p99_latency_ms: 'p99 latency',
};

/** The guardrails of a treatment from its comparison (pending while the rules cannot judge). */
export function guardrailStates(comparison: OnlineComparison | undefined): GuardrailState[] {
  return (comparison?.guardrails ?? []).map((g) => ({
    metric: g.metric,
    label: GUARDRAIL_LABELS[g.metric] ?? g.metric.replace(/_/g, ' '),
    state: g.harmed ? 'fail' : 'pass',
    detail:
      g.limit !== undefined
        ? `${g.harmed ? 'above' : 'within'} the limit of ${g.limit.toFixed(1)} ms`
        : g.harmed
          ? 'worse than the control beyond the allowance'
          : 'within the allowance',
  }));
}

/** How far a variant is towards the planned sample: units, goal and share (0 to 1). */
export interface PlanProgress {
  variant: string;
  n: number;
  goal: number;
  share: number;
}

/** Each variant's progress towards the declared plan; empty without one. */
export function planProgress(
  report: Pick<OnlineReport, 'plan' | 'plannedPerVariant' | 'variants'>,
): PlanProgress[] {
  const plan = report.plan;
  if (!plan && report.plannedPerVariant === undefined) return [];
  return report.variants.map((v: OnlineVariantResult) => {
    const goal = plan ? (v.control ? plan.controlN : plan.treatmentN) : report.plannedPerVariant!;
    return { variant: v.name, n: v.n, goal, share: goal > 0 ? Math.min(1, v.n / goal) : 0 };
  });
}

/** The `experiment:` block to add to a deployment of sextant.yaml, for a report without one. */
export function experimentSnippet(
  deployment: string,
  variants: readonly { name: string; uri: string; shadow?: boolean }[],
): string {
  const served = variants.filter((v) => !v.shadow);
  const routes =
    served.length >= 2
      ? []
      : [
          '    routes:',
          '      variants:',
          `        - { name: champion, weight: 50 }`,
          `        - { name: challenger, model: "models:/<model>/<version>", weight: 50 }`,
        ];
  return [
    'deployments:',
    `  ${deployment}:`,
    ...routes,
    '    experiment:',
    '      type: ab                # or bandit (with bandit: { policy: thompson })',
    '      unit: x-user-id         # the request header that keeps a user on one variant',
    '      metric: { feedback: reward }',
    '      guardrails: { max_error_rate_increase: 0.02, max_p99_latency_increase: 0.5 }',
    '      plan: { minimum_effect: 0.05 }',
    '',
  ].join('\n');
}
