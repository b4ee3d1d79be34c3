/**
 * Online experiments: the statistics of A/B tests (fixed-horizon and always-valid sequential),
 * sample-size planning, sticky assignment, multi-armed bandits and the decision rules that promote,
 * stop or roll back. Pure functions, no IO: serving routes with them, the experiment service
 * records what they return.
 */
export {
  meanSummary,
  meanSummaryFromSums,
  proportionSummary,
  type MeanSummary,
  type ProportionSummary,
} from './summary';
export { twoProportionZTest, welchTTest, type TestResult } from './abTest';
export {
  cohensH,
  meanSampleSize,
  proportionSampleSize,
  solveSampleSize,
  zTestPower,
  type SamplePlan,
} from './power';
export {
  msprtLook,
  msprtMeans,
  msprtProportions,
  type SequentialOptions,
  type SequentialResult,
} from './sequential';
export { assignVariant, unitPoint, type WeightedVariant } from './assignment';
export {
  armProbabilities,
  chooseArm,
  type ArmStats,
  type BanditChoice,
  type BanditPolicy,
} from './bandits';
export {
  decide,
  type Decision,
  type DecisionPolicy,
  type GuardrailData,
  type GuardrailRule,
  type GuardrailVerdict,
  type PrimaryData,
  type TreatmentEvidence,
  type VariantData,
} from './decisions';
