/**
 * Online experiments on a deployment: A/B tests and bandits declared in its `experiment:` block,
 * judged on feedback joined to the logged requests; the report (per-variant results, effects
 * with intervals and p-values, power, the always-valid p-value over time), live bandit weights,
 * and decisions (promote, stop, roll back) recorded with their evidence.
 */
export { ExperimentEvents, type ExperimentEvent } from './events';
