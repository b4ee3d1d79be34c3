/**
 * Online experiments on a deployment: A/B tests and bandits declared in its `experiment:` block,
 * judged on feedback joined to the logged requests; the report (per-variant results, effects
 * with intervals and p-values, power, the always-valid p-value over time), live bandit weights,
 * and decisions (promote, stop, roll back) recorded with their evidence.
 */
export { ExperimentEvents, type ExperimentEvent } from './events';
export type { ExperimentHost } from './host';
export {
  collectSamples,
  primaryOf,
  quantile,
  type ExperimentWindow,
  type VariantSample,
} from './data';
export {
  experimentReport,
  guardrailRules,
  planOf,
  policyOf,
  type Comparison,
  type ExperimentReport,
  type ReportInputs,
  type SequentialPoint,
  type VariantResult,
} from './report';
export {
  actOnExperiment,
  concluded,
  experimentStart,
  decideExperiment,
  stoppedVariants,
  SEXTANT_ACTOR,
  type DecisionOutcome,
} from './decide';
export { allocate, banditPolicy, weightsFrom, type Allocation } from './bandit';
export { restartExperiment, startExperiment, type RunningExperiment } from './runner';
