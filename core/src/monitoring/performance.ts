/**
 * Model performance in a window from feedback: the outcome of each served request (a label or
 * a continuous value), joined by request id to the prediction the window read. A request that
 * carried several rows has one outcome for all of them, so only single-row requests are scored.
 * Classification: accuracy and macro F1 over the classes seen; regression: RMSE and MAE.
 */
import type { Category } from './samples';

/** One request's outcome, as the feedback store gives it. */
export interface Outcome {
  kind: 'label' | 'reward' | 'value';
  label?: string;
  value?: number;
}

/** Where outcomes come from (the engine passes the feedback store's join). */
export interface FeedbackLookup {
  /** Outcomes of a deployment's (variant's) requests served in [since, until), by request id. */
  outcomes(query: {
    deployment: string;
    variant?: string;
    since: number;
    until: number;
  }): Map<string, Outcome>;
}

/** Performance metrics of a window: `labelled`, and accuracy/f1 or rmse/mae (or mean reward). */
export function performanceMetrics(
  predictions: Float64Array | readonly (Category | null)[],
  rowRequestIds: readonly string[],
  outcomes: ReadonlyMap<string, Outcome>,
): Record<string, number> {
  const rowsOf = new Map<string, number>();
  for (const id of rowRequestIds) rowsOf.set(id, (rowsOf.get(id) ?? 0) + 1);
  const pairs: { predicted: Category; outcome: Outcome }[] = [];
  rowRequestIds.forEach((id, i) => {
    const outcome = outcomes.get(id);
    const predicted = predictions[i];
    if (!outcome || rowsOf.get(id) !== 1 || predicted === null || predicted === undefined) return;
    if (typeof predicted === 'number' && Number.isNaN(predicted)) return;
    pairs.push({ predicted, outcome });
  });
  const metrics: Record<string, number> = { labelled: pairs.length };
  const labels = pairs.filter((p) => p.outcome.kind === 'label' && p.outcome.label !== undefined);
  if (labels.length > 0) {
    const classes = new Set<string>();
    const tp = new Map<string, number>();
    const fp = new Map<string, number>();
    const fn = new Map<string, number>();
    let correct = 0;
    for (const { predicted, outcome } of labels) {
      const p = String(predicted);
      const t = outcome.label!;
      classes.add(p).add(t);
      if (p === t) {
        correct++;
        tp.set(t, (tp.get(t) ?? 0) + 1);
      } else {
        fp.set(p, (fp.get(p) ?? 0) + 1);
        fn.set(t, (fn.get(t) ?? 0) + 1);
      }
    }
    metrics.accuracy = correct / labels.length;
    let f1 = 0;
    for (const c of classes) {
      const t = tp.get(c) ?? 0;
      const denominator = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
      f1 += denominator > 0 ? (2 * t) / denominator : 0;
    }
    metrics.f1 = f1 / classes.size;
  }
  const values = pairs.filter(
    (p) =>
      p.outcome.kind === 'value' &&
      p.outcome.value !== undefined &&
      typeof p.predicted === 'number',
  );
  if (values.length > 0) {
    let squared = 0;
    let absolute = 0;
    for (const { predicted, outcome } of values) {
      const error = (predicted as number) - outcome.value!;
      squared += error * error;
      absolute += Math.abs(error);
    }
    metrics.rmse = Math.sqrt(squared / values.length);
    metrics.mae = absolute / values.length;
  }
  const rewards = pairs.filter((p) => p.outcome.kind === 'reward' && p.outcome.value !== undefined);
  if (rewards.length > 0) {
    metrics.mean_reward = rewards.reduce((s, p) => s + p.outcome.value!, 0) / rewards.length;
  }
  return metrics;
}
