/**
 * The monitoring report of one window: every column's drift, the dataset's drift decision and
 * every column's data quality, with each column's samples cleaned and sorted once for both.
 */
import {
  columnPair,
  columnSamples,
  datasetDrift,
  driftOfSamples,
  type ColumnSpec,
  type Columns,
  type DriftReport,
} from './drift';
import { invalid } from '../model/errors';
import { qualityOfSamples, type ColumnQuality } from './quality';

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
