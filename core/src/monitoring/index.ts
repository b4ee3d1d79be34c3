/**
 * Model monitoring statistics: per-column drift between a reference and a current sample (PSI,
 * Kolmogorov-Smirnov, chi-squared, z-test, Jensen-Shannon, Wasserstein) with Evidently's default
 * choice of test and thresholds, the dataset's drift decision, and a data quality summary. Pure
 * functions, no IO: the monitoring service feeds them windows of the inference log.
 */
export {
  DEFAULT_THRESHOLDS,
  SCORE_KIND,
  columnDrift,
  columnSamples,
  datasetDrift,
  defaultMethod,
  driftOfSamples,
  driftReport,
  type ColumnSamples,
  type ColumnDrift,
  type ColumnKind,
  type ColumnSpec,
  type Columns,
  type DriftMethod,
  type DriftReport,
} from './drift';
export {
  binaryZTest,
  chiSquared,
  jensenShannon,
  ksTwoSample,
  populationSd,
  psi,
  wasserstein,
  wassersteinNormed,
  type ChiSquaredResult,
} from './driftTests';
export { KS_EXACT_MAX_N, kolmogorovSf, ksPValue, type KsPValue } from './ksDistribution';
export { categoryShares, fillZeroes, histogramShares, type BinnedShares } from './binning';
export { columnQuality, qualityOfSamples, type ColumnQuality } from './quality';
export {
  monitorReport,
  monitorWindow,
  referenceProfile,
  type MonitorOptions,
  type MonitorReport,
  type ReferenceProfile,
} from './report';
export { sortFloat64 } from './sort';
export type { Category, ColumnValues } from './samples';
