/**
 * Per-column drift and the dataset's drift decision, with Evidently's defaults (its
 * `DataDriftPreset`): the test for a column is chosen by its type, the reference's size and the
 * number of distinct values in both samples together:
 *
 * | reference size | numerical, > 5 values | numerical, <= 5 values      | categorical              |
 * | -------------- | --------------------- | --------------------------- | ------------------------ |
 * | <= 1000        | Kolmogorov-Smirnov    | chi-squared (z-test if <= 2) | chi-squared (z-test if <= 2) |
 * | > 1000         | Wasserstein (normed)  | Jensen-Shannon              | Jensen-Shannon           |
 *
 * Thresholds: p-value tests drift below 0.05 (KS at or below), distances at or above 0.1. The
 * dataset drifts when the share of drifting columns reaches `driftShare` (0.5).
 */
import { invalid } from '../model/errors';
import { categoryShares, fillZeroes, histogramShares, type BinnedShares } from './binning';
import {
  binaryZTest,
  chiSquared,
  jensenShannon,
  ksTwoSample,
  psi,
  wassersteinNormed,
} from './driftTests';
import {
  categorySample,
  distinctMerged,
  distinctSorted,
  numericSample,
  sortedCounts,
  type Category,
  type CategorySample,
  type ColumnValues,
  type NumericSample,
} from './samples';

/** The drift methods. */
export type DriftMethod = 'ks' | 'chisquare' | 'z' | 'jensenshannon' | 'wasserstein' | 'psi';

/** A column's type for drift. */
export type ColumnKind = 'numerical' | 'categorical';

/** Which columns to check, and optionally how. */
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** A method instead of the default choice. */
  method?: DriftMethod;
  /** A threshold instead of the method's default. */
  threshold?: number;
}

/** Default thresholds, Evidently's. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  jensenshannon: 0.1,
  wasserstein: 0.1,
  psi: 0.1,
};

/** Whether a method's score is a p-value (drift when small) or a distance (drift when large). */
export const SCORE_KIND: Readonly<Record<DriftMethod, 'p-value' | 'distance'>> = {
  ks: 'p-value',
  chisquare: 'p-value',
  z: 'p-value',
  jensenshannon: 'distance',
  wasserstein: 'distance',
  psi: 'distance',
};

/** One column's drift. */
export interface ColumnDrift {
  column: string;
  kind: ColumnKind;
  method: DriftMethod;
  /** The p-value or the distance. */
  score: number;
  threshold: number;
  drifted: boolean;
  /** The test statistic where the score is a p-value (KS D, chi-squared, z). */
  statistic?: number;
  referenceN: number;
  currentN: number;
}

/** The dataset's drift. */
export interface DriftReport {
  columns: ColumnDrift[];
  driftedColumns: number;
  /** driftedColumns / columns. */
  driftShare: number;
  /** The share at which the dataset drifts. */
  driftShareThreshold: number;
  datasetDrift: boolean;
}

/** A column's cleaned samples in the form its tests need. */
type Prepared =
  | { kind: 'numerical'; reference: Float64Array; current: Float64Array }
  | {
      kind: 'categorical';
      reference: Map<Category, number>;
      referenceN: number;
      current: Map<Category, number>;
      currentN: number;
    };

/** Evidently's default method for a column. */
export function defaultMethod(
  kind: ColumnKind,
  referenceN: number,
  distinctValues: number,
): DriftMethod {
  if (referenceN <= 1000) {
    if (kind === 'numerical' && distinctValues > 5) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  if (kind === 'numerical' && distinctValues > 5) return 'wasserstein';
  return 'jensenshannon';
}

function asCounts(p: Prepared): Extract<Prepared, { kind: 'categorical' }> {
  if (p.kind === 'categorical') return p;
  return {
    kind: 'categorical',
    reference: sortedCounts(p.reference),
    referenceN: p.reference.length,
    current: sortedCounts(p.current),
    currentN: p.current.length,
  };
}

function binned(p: Prepared): BinnedShares {
  if (p.kind === 'numerical' && distinctSorted(p.reference, 21) > 20)
    return histogramShares(p.reference, p.current);
  const c = asCounts(p);
  return categoryShares(c.reference, c.referenceN, c.current, c.currentN);
}

function requireNumerical(
  p: Prepared,
  method: DriftMethod,
  column: string,
): Extract<Prepared, { kind: 'numerical' }> {
  if (p.kind !== 'numerical')
    throw invalid(`${method} needs a numerical column; '${column}' is categorical`);
  return p;
}

function score(
  method: DriftMethod,
  p: Prepared,
  column: string,
): { score: number; statistic?: number } {
  switch (method) {
    case 'ks': {
      const n = requireNumerical(p, method, column);
      const ks = ksTwoSample(n.reference, n.current);
      return { score: ks.pValue, statistic: ks.statistic };
    }
    case 'wasserstein': {
      const n = requireNumerical(p, method, column);
      return { score: wassersteinNormed(n.reference, n.current) };
    }
    case 'chisquare': {
      const c = asCounts(p);
      const r = chiSquared(c.reference, c.referenceN, c.current, c.currentN);
      return { score: r.pValue, statistic: r.statistic };
    }
    case 'z': {
      const c = asCounts(p);
      const r = binaryZTest(c.reference, c.referenceN, c.current, c.currentN);
      return { score: r.pValue, statistic: r.statistic };
    }
    case 'jensenshannon': {
      const b = binned(p);
      return { score: jensenShannon(b.reference, b.current) };
    }
    case 'psi': {
      const b = binned(p);
      return { score: psi(fillZeroes(b.reference), fillZeroes(b.current)) };
    }
  }
}

function isDrift(method: DriftMethod, value: number, threshold: number): boolean {
  if (method === 'ks') return value <= threshold;
  return SCORE_KIND[method] === 'p-value' ? value < threshold : value >= threshold;
}

/** A column's samples on both sides, cleaned once for its drift test and its quality summary. */
export type ColumnSamples =
  | { kind: 'numerical'; reference: NumericSample; current: NumericSample }
  | { kind: 'categorical'; reference: CategorySample; current: CategorySample };

/** Cleans (and for numbers, sorts) a column's two samples. */
export function columnSamples(
  spec: Pick<ColumnSpec, 'name' | 'kind'>,
  reference: ColumnValues,
  current: ColumnValues,
): ColumnSamples {
  return spec.kind === 'numerical'
    ? {
        kind: 'numerical',
        reference: numericSample(reference, spec.name),
        current: numericSample(current, spec.name),
      }
    : {
        kind: 'categorical',
        reference: categorySample(reference),
        current: categorySample(current),
      };
}

/** The drift of one column from its cleaned samples. */
export function driftOfSamples(spec: ColumnSpec, samples: ColumnSamples): ColumnDrift {
  let prepared: Prepared;
  let distinct: number;
  if (samples.kind === 'numerical') {
    const r = samples.reference.sorted;
    const c = samples.current.sorted;
    prepared = { kind: 'numerical', reference: r, current: c };
    // The default choice only asks whether there are more than 5 (or 2) distinct values.
    distinct = r.length > 0 && c.length > 0 ? distinctMerged(r, c, 6) : 0;
  } else {
    const r = samples.reference;
    const c = samples.current;
    prepared = {
      kind: 'categorical',
      reference: r.counts,
      referenceN: r.n,
      current: c.counts,
      currentN: c.n,
    };
    distinct = new Set([...r.counts.keys(), ...c.counts.keys()]).size;
  }
  const referenceN =
    prepared.kind === 'numerical' ? prepared.reference.length : prepared.referenceN;
  const currentN = prepared.kind === 'numerical' ? prepared.current.length : prepared.currentN;
  if (referenceN === 0 || currentN === 0)
    throw invalid(
      `column '${spec.name}' has no values in the ${referenceN === 0 ? 'reference' : 'current'} sample (all missing)`,
    );
  const method = spec.method ?? defaultMethod(spec.kind, referenceN, distinct);
  const threshold = spec.threshold ?? DEFAULT_THRESHOLDS[method];
  const result = score(method, prepared, spec.name);
  return {
    column: spec.name,
    kind: spec.kind,
    method,
    score: result.score,
    threshold,
    drifted: isDrift(method, result.score, threshold),
    ...(result.statistic !== undefined ? { statistic: result.statistic } : {}),
    referenceN,
    currentN,
  };
}

/** The drift of one column between its reference and current values. */
export function columnDrift(
  spec: ColumnSpec,
  reference: ColumnValues,
  current: ColumnValues,
): ColumnDrift {
  return driftOfSamples(spec, columnSamples(spec, reference, current));
}

/** A table as columns of values by name. */
export type Columns = Readonly<Record<string, ColumnValues>>;

/** Looks a column up on both sides, naming the side it is missing from. */
export function columnPair(
  reference: Columns,
  current: Columns,
  name: string,
): [ColumnValues, ColumnValues] {
  const r = reference[name];
  const c = current[name];
  if (!r || !c)
    throw invalid(`column '${name}' is missing from the ${r ? 'current' : 'reference'} data`);
  return [r, c];
}

/** The dataset's decision from its columns' drift: drift when the share of drifted columns reaches driftShare. */
export function datasetDrift(results: ColumnDrift[], driftShare = 0.5): DriftReport {
  const drifted = results.filter((r) => r.drifted).length;
  const share = drifted / results.length;
  return {
    columns: results,
    driftedColumns: drifted,
    driftShare: share,
    driftShareThreshold: driftShare,
    datasetDrift: share >= driftShare,
  };
}

/** The drift of every listed column and the dataset's decision (drift when the share of drifted columns reaches driftShare). */
export function driftReport(
  reference: Columns,
  current: Columns,
  columns: readonly ColumnSpec[],
  driftShare = 0.5,
): DriftReport {
  if (columns.length === 0) throw invalid('a drift report needs at least one column');
  const results = columns.map((spec) =>
    columnDrift(spec, ...columnPair(reference, current, spec.name)),
  );
  return datasetDrift(results, driftShare);
}
