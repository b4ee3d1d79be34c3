/**
 * One window's check against a model version's reference: per-feature drift with Evidently's
 * default method per column, the dataset's drift share, prediction drift, data quality (missing
 * values, unseen categories, values outside the reference's or a declared range, values of the
 * wrong type), latency percentiles, the error rate and SLOs, as a flat set of metrics that
 * alert rules and Prometheus read, and a per-feature row for the feature x window heatmap.
 */
import {
  datasetDrift,
  driftOfSamples,
  type ColumnDrift,
  type ColumnSamples,
  type ColumnSpec,
} from './drift';
import type { FeatureSpec } from './features';
import { qualityOfSamples, type ColumnQuality } from './quality';
import type { ReferenceData } from './referenceData';
import { categorySample, numericSample, type CategorySample, type NumericSample } from './samples';
import { sortFloat64 } from './sort';
import type { WindowData } from './windowReader';

/** A reference with its samples cleaned and sorted once, for many windows. */
export interface PreparedReference {
  data: ReferenceData;
  samples: Map<string, NumericSample | CategorySample>;
}

/** Prepares a reference for {@link checkWindow}. */
export function prepareReference(data: ReferenceData): PreparedReference {
  const samples = new Map<string, NumericSample | CategorySample>();
  const all = data.prediction ? [...data.features, data.prediction] : data.features;
  for (const spec of all) {
    const values = data.columns[spec.name]!;
    samples.set(
      spec.name,
      spec.kind === 'numerical' ? numericSample(values, spec.name) : categorySample(values),
    );
  }
  return { data, samples };
}

/** Service levels a window is held to. */
export interface Slo {
  p99LatencyMs?: number;
  errorRate?: number;
}

/** Options of a check. */
export interface CheckOptions {
  /** Share of drifted features at which the dataset drifts (0.5). */
  driftShare?: number;
  /** Declared ranges of numerical features, overriding the reference's [min, max]. */
  ranges?: Readonly<Record<string, [number, number]>>;
  /** Methods or thresholds instead of the defaults, by feature. */
  methods?: Readonly<Record<string, Pick<ColumnSpec, 'method' | 'threshold'>>>;
  slo?: Slo;
}

/** One feature in one window: a cell of the heatmap. */
export interface FeatureScore {
  feature: string;
  method: string;
  /** The p-value or distance; null when the window had no value of the feature. */
  score: number | null;
  threshold: number;
  drifted: boolean;
  missingShare: number;
}

/** What a window's check found. */
export interface WindowCheck {
  metrics: Record<string, number>;
  features: FeatureScore[];
  drift: ColumnDrift[];
  prediction?: ColumnDrift;
  quality: (ColumnQuality & { invalidType: number })[];
}

/** The q-quantile of sorted values (linear interpolation, as numpy's default). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The samples of one column, or undefined when either side has no value to test. */
function samplesOf(
  spec: FeatureSpec,
  reference: NumericSample | CategorySample,
  values: WindowData['columns'][string],
): ColumnSamples {
  return (
    spec.kind === 'numerical'
      ? { kind: 'numerical', reference, current: numericSample(values, spec.name) }
      : { kind: 'categorical', reference, current: categorySample(values) }
  ) as ColumnSamples;
}

const tested = (samples: ColumnSamples): boolean =>
  samples.kind === 'numerical'
    ? samples.reference.sorted.length > 0 && samples.current.sorted.length > 0
    : samples.reference.n > 0 && samples.current.n > 0;

/** Checks one window against a prepared reference. */
export function checkWindow(
  reference: PreparedReference,
  window: WindowData,
  options: CheckOptions = {},
): WindowCheck {
  const metrics: Record<string, number> = { requests: window.requests, rows: window.rows };
  const drift: ColumnDrift[] = [];
  const features: FeatureScore[] = [];
  const quality: WindowCheck['quality'] = [];
  let cells = 0;
  let missing = 0;
  let outOfRange = 0;
  let numericCells = 0;
  let fresh = 0;
  let categoricalCells = 0;
  let invalid = 0;
  if (window.rows > 0) {
    for (const spec of reference.data.features) {
      const samples = samplesOf(
        spec,
        reference.samples.get(spec.name)!,
        window.columns[spec.name]!,
      );
      const columnSpec: ColumnSpec = {
        name: spec.name,
        kind: spec.kind,
        ...options.methods?.[spec.name],
      };
      const q = qualityOfSamples(columnSpec, samples, options.ranges?.[spec.name]);
      const wrongType = window.invalidType[spec.name] ?? 0;
      quality.push({ ...q, invalidType: wrongType });
      cells += q.rows;
      missing += q.missing - (window.invalidDropped[spec.name] ?? 0);
      invalid += wrongType;
      if (spec.kind === 'numerical') {
        numericCells += q.rows;
        outOfRange += q.outOfRange ?? 0;
      } else {
        categoricalCells += q.rows;
        fresh += Math.round((q.newCategoryShare ?? 0) * q.rows);
      }
      metrics[`feature_missing_share:${spec.name}`] = q.missingShare;
      if (!tested(samples)) {
        features.push({
          feature: spec.name,
          method: '',
          score: null,
          threshold: 0,
          drifted: false,
          missingShare: q.missingShare,
        });
        continue;
      }
      const d = driftOfSamples(columnSpec, samples);
      drift.push(d);
      features.push({
        feature: spec.name,
        method: d.method,
        score: d.score,
        threshold: d.threshold,
        drifted: d.drifted,
        missingShare: q.missingShare,
      });
      metrics[`feature_drift_score:${spec.name}`] = d.score;
      metrics[`feature_drifted:${spec.name}`] = d.drifted ? 1 : 0;
    }
    if (drift.length > 0) {
      const dataset = datasetDrift(drift, options.driftShare);
      metrics.drift_share = dataset.driftShare;
      metrics.drifted_features = dataset.driftedColumns;
      metrics.dataset_drift = dataset.datasetDrift ? 1 : 0;
    }
    metrics.missing_share = cells > 0 ? missing / cells : 0;
    metrics.invalid_type_share = cells > 0 ? invalid / cells : 0;
    if (numericCells > 0) metrics.out_of_range_share = outOfRange / numericCells;
    if (categoricalCells > 0) metrics.new_category_share = fresh / categoricalCells;
  }
  let prediction: ColumnDrift | undefined;
  const p = reference.data.prediction;
  if (p && window.rows > 0) {
    const samples = samplesOf(p, reference.samples.get(p.name)!, window.predictions);
    if (tested(samples)) {
      prediction = driftOfSamples({ name: p.name, kind: p.kind }, samples);
      metrics.prediction_drift_score = prediction.score;
      metrics.prediction_drifted = prediction.drifted ? 1 : 0;
    }
  }
  if (window.requests > 0) {
    const latency = sortFloat64(Float64Array.from(window.latencyMs));
    metrics.error_rate = window.errors / window.requests;
    metrics.p50_latency_ms = quantileSorted(latency, 0.5);
    metrics.p95_latency_ms = quantileSorted(latency, 0.95);
    metrics.p99_latency_ms = quantileSorted(latency, 0.99);
    const slo = options.slo;
    if (slo && (slo.p99LatencyMs !== undefined || slo.errorRate !== undefined)) {
      metrics.slo_breached =
        (slo.p99LatencyMs !== undefined && metrics.p99_latency_ms > slo.p99LatencyMs) ||
        (slo.errorRate !== undefined && metrics.error_rate > slo.errorRate)
          ? 1
          : 0;
    }
  }
  return { metrics, features, drift, ...(prediction ? { prediction } : {}), quality };
}
