/**
 * Pipelines: load and check pipeline files, plan and run their steps (cached, in parallel, on
 * the compute backends), record step executions as tracking runs and lineage, and trigger runs
 * (schedules, file changes, webhooks).
 */
export type {
  LoadedPipelineFile,
  LoadPipelineFile,
  PipelineRunner,
  PlannedStep,
  ProvisionEnvironment,
  StartOptions,
  StepState,
} from './api';
export {
  describeCollection,
  PipelineService,
  STEP_LOG_LIMIT,
  type PipelineServiceOptions,
  type StepLog,
  type ChosenPython,
} from './run';
// Loaded on demand, so each is a door of its own (eslint.config.mjs names them): the trigger
// host (file watching, cron) and the table validator (a JSON Schema compiler) cost more to load
// than the rest of pipelines together. Their types are here.
export type { PipelineHost, PipelineHostOptions, PipelineSource } from './triggers/host';
export { alertEventOf } from './triggers/alertCause';
export type { TableReport, TableSchema } from './builtins/validateTable';
export { parseDuration } from './definition/values';
