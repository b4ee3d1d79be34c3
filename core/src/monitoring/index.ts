/**
 * Model monitoring statistics: per-column drift between a reference and a current sample (PSI,
 * Kolmogorov-Smirnov, chi-squared, z-test, Jensen-Shannon, Wasserstein) with Evidently's default
 * choice of test and thresholds, the dataset's drift decision, and a data quality summary. Pure
 * functions, no IO: the monitoring service feeds them windows of the inference log.
 *
 * The monitoring service: reference profiles of model versions, windows of the inference log
 * checked against them (scheduled and on demand), stored per window and feature, alert rules
 * firing and resolving as events, Prometheus gauges and rule files, and a feed of firing alerts
 * for pipeline triggers.
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
export {
  MonitoringService,
  parseModelUri,
  type AlertFeed,
  type CheckResult,
  type MonitoredVersion,
  type SetReferenceOptions,
  type VersionLookup,
} from './service';
export type { AlertEvent, MonitorWindow, ReferenceInfo } from './monitorStore';
export {
  parseMonitoring,
  readMonitoring,
  type MonitorSpec,
  type MonitoringSpec,
} from './monitorSpec';
export {
  FEATURE_METRICS,
  WINDOW_METRICS,
  holds,
  ruleTransition,
  type AlertRule,
  type Comparison,
  type RuleTransition,
  type Severity,
  type WindowMetrics,
} from './rules';
export {
  dueCountWindows,
  dueTimeWindows,
  formatWindow,
  parseWindow,
  type WindowSize,
} from './windows';
export { MonitorGauges, gaugeName, prometheusRules, ruleExpression } from './prometheus';
export { MonitorScheduler, type SchedulerOptions } from './scheduler';
export {
  checkWindow,
  prepareReference,
  quantileSorted,
  type FeatureScore,
  type WindowCheck,
} from './windowCheck';
export { readWindow, type WindowData, type WindowQuery } from './windowReader';
export { signatureFeatures, type FeatureSpec } from './features';
export { parseCsv, readReferenceFile, type ReferenceData } from './referenceData';
export { performanceMetrics, type FeedbackLookup, type Outcome } from './performance';
export {
  categoryHistogram,
  numericHistogram,
  type FeatureHistogram,
  type HistogramBin,
} from './histogram';
