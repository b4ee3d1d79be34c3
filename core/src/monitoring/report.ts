/**
 * The monitoring report of one window: every column's drift, the dataset's drift decision and
 * every column's data quality, with each column's samples cleaned and sorted once for both. A
 * reference used for many windows can be prepared once as a profile (its samples cleaned and
 * sorted), so each window only prepares its own.
 */
import {
  columnPair,
  columnSamples,
  datasetDrift,
  driftOfSamples,
  type ColumnSamples,
  type ColumnSpec,
  type Columns,
  type DriftReport,
} from './drift';
import { invalid } from '../model/errors';
import { qualityOfSamples, type ColumnQuality } from './quality';
import { categorySample, numericSample, type CategorySample, type NumericSample } from './samples';

/** Options of a monitoring report. */
export interface MonitorOptions {
  /** The share of drifted columns at which the dataset drifts (0.5). */
  driftShare?: number;
  /** Declared ranges of numerical columns (e.g. from the model's signature), by column. */
  ranges?: Readonly<Record<string, [number, number]>>;
}

/** Drift and quality of a window. */
export interface MonitorReport {
  drift: DriftReport;
  quality: ColumnQuality[];
}

/** Drift and data quality of the current window against the reference, in one pass per column. */
export function monitorReport(
  reference: Columns,
  current: Columns,
  columns: readonly ColumnSpec[],
  options: MonitorOptions = {},
): MonitorReport {
  if (columns.length === 0) throw invalid('a monitoring report needs at least one column');
  const drift = [];
  const quality = [];
  for (const spec of columns) {
    const samples = columnSamples(spec, ...columnPair(reference, current, spec.name));
    drift.push(driftOfSamples(spec, samples));
    quality.push(qualityOfSamples(spec, samples, options.ranges?.[spec.name]));
  }
  return { drift: datasetDrift(drift, options.driftShare), quality };
}

/** A reference prepared once: each column's cleaned (numbers sorted) sample. */
export interface ReferenceProfile {
  columns: readonly ColumnSpec[];
  samples: ReadonlyMap<string, NumericSample | CategorySample>;
}

/** Prepares a reference for {@link monitorWindow}. */
export function referenceProfile(
  reference: Columns,
  columns: readonly ColumnSpec[],
): ReferenceProfile {
  if (columns.length === 0) throw invalid('a reference profile needs at least one column');
  const samples = new Map<string, NumericSample | CategorySample>();
  for (const spec of columns) {
    const values = reference[spec.name];
    if (!values) throw invalid(`column '${spec.name}' is missing from the reference data`);
    samples.set(
      spec.name,
      spec.kind === 'numerical' ? numericSample(values, spec.name) : categorySample(values),
    );
  }
  return { columns, samples };
}

/** Drift and data quality of a window against a prepared reference: the same report as {@link monitorReport}. */
export function monitorWindow(
  profile: ReferenceProfile,
  current: Columns,
  options: MonitorOptions = {},
): MonitorReport {
  const drift = [];
  const quality = [];
  for (const spec of profile.columns) {
    const values = current[spec.name];
    if (!values) throw invalid(`column '${spec.name}' is missing from the current data`);
    const reference = profile.samples.get(spec.name)!;
    const samples = (
      spec.kind === 'numerical'
        ? { kind: 'numerical', reference, current: numericSample(values, spec.name) }
        : { kind: 'categorical', reference, current: categorySample(values) }
    ) as ColumnSamples;
    drift.push(driftOfSamples(spec, samples));
    quality.push(qualityOfSamples(spec, samples, options.ranges?.[spec.name]));
  }
  return { drift: datasetDrift(drift, options.driftShare), quality };
}
