import type {
  Dataset,
  Experiment,
  KeyValue,
  LoggedModel,
  Metric,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
} from '../model';

/**
 * Model entities to MLflow's JSON wire format (snake_case; int64 as JSON numbers; non-finite
 * metric values as the strings "NaN", "Infinity", "-Infinity" as protobuf JSON has them).
 */

const numberOrString = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

export const encodeTags = (tags: KeyValue[]): KeyValue[] =>
  tags.map((t) => ({ key: t.key, value: t.value }));

export const encodeMetric = (m: Metric): Record<string, unknown> => ({
  key: m.key,
  value: numberOrString(m.value),
  timestamp: m.timestamp,
  step: m.step,
});

export const encodeExperiment = (e: Experiment): Record<string, unknown> => ({
  experiment_id: e.experimentId,
  name: e.name,
  artifact_location: e.artifactLocation,
  lifecycle_stage: e.lifecycleStage,
  last_update_time: e.lastUpdateTime,
  creation_time: e.creationTime,
  ...(e.tags.length > 0 ? { tags: encodeTags(e.tags) } : {}),
});

export const encodeRunInfo = (info: RunInfo): Record<string, unknown> => ({
  run_uuid: info.runId,
  run_id: info.runId,
  run_name: info.runName,
  experiment_id: info.experimentId,
  user_id: info.userId,
  status: info.status,
  start_time: info.startTime,
  ...(info.endTime !== null ? { end_time: info.endTime } : {}),
  artifact_uri: info.artifactUri,
  lifecycle_stage: info.lifecycleStage,
});

const encodeDataset = (d: Dataset): Record<string, unknown> => ({
  name: d.name,
  digest: d.digest,
  source_type: d.sourceType,
  source: d.source,
  ...(d.schema !== undefined ? { schema: d.schema } : {}),
  ...(d.profile !== undefined ? { profile: d.profile } : {}),
});

export const encodeRun = (run: Run): Record<string, unknown> => ({
  info: encodeRunInfo(run.info),
  data: {
    ...(run.data.metrics.length > 0 ? { metrics: run.data.metrics.map(encodeMetric) } : {}),
    ...(run.data.params.length > 0 ? { params: encodeTags(run.data.params) } : {}),
    ...(run.data.tags.length > 0 ? { tags: encodeTags(run.data.tags) } : {}),
  },
  inputs: {
    ...(run.inputs.datasetInputs.length > 0
      ? {
          dataset_inputs: run.inputs.datasetInputs.map((i) => ({
            ...(i.tags.length > 0 ? { tags: encodeTags(i.tags) } : {}),
            dataset: encodeDataset(i.dataset),
          })),
        }
      : {}),
    ...(run.inputs.modelInputs.length > 0
      ? { model_inputs: run.inputs.modelInputs.map((m) => ({ model_id: m.modelId })) }
      : {}),
  },
  outputs: {
    ...(run.outputs.modelOutputs.length > 0
      ? {
          model_outputs: run.outputs.modelOutputs.map((m) => ({
            model_id: m.modelId,
            step: m.step ?? 0,
          })),
        }
      : {}),
  },
});

export const encodeLoggedModel = (m: LoggedModel): Record<string, unknown> => ({
  info: {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    artifact_uri: m.artifactUri,
    creation_timestamp_ms: m.creationTimestampMs,
    last_updated_timestamp_ms: m.lastUpdatedTimestampMs,
    status: m.status,
    ...(m.statusMessage ? { status_message: m.statusMessage } : {}),
    ...(m.modelType ? { model_type: m.modelType } : {}),
    ...(m.sourceRunId ? { source_run_id: m.sourceRunId } : {}),
    ...(m.tags.length > 0 ? { tags: encodeTags(m.tags) } : {}),
  },
  data: {
    ...(m.params.length > 0 ? { params: encodeTags(m.params) } : {}),
    ...(m.metrics.length > 0
      ? {
          metrics: m.metrics.map((metric) => ({
            ...encodeMetric(metric),
            model_id: m.modelId,
            ...(metric.runId ? { run_id: metric.runId } : {}),
            ...(metric.datasetName ? { dataset_name: metric.datasetName } : {}),
            ...(metric.datasetDigest ? { dataset_digest: metric.datasetDigest } : {}),
          })),
        }
      : {}),
  },
});

export const encodeModelVersion = (v: ModelVersion): Record<string, unknown> => ({
  name: v.name,
  version: v.version,
  creation_timestamp: v.creationTimestamp,
  last_updated_timestamp: v.lastUpdatedTimestamp,
  ...(v.userId ? { user_id: v.userId } : {}),
  current_stage: v.currentStage,
  description: v.description,
  source: v.source,
  ...(v.runId ? { run_id: v.runId } : {}),
  status: v.status,
  ...(v.statusMessage ? { status_message: v.statusMessage } : {}),
  ...(v.tags.length > 0 ? { tags: encodeTags(v.tags) } : {}),
  ...(v.runLink ? { run_link: v.runLink } : {}),
  ...(v.aliases.length > 0 ? { aliases: v.aliases } : {}),
  ...(v.modelId ? { model_id: v.modelId } : {}),
});

export const encodeRegisteredModel = (m: RegisteredModel): Record<string, unknown> => ({
  name: m.name,
  creation_timestamp: m.creationTimestamp,
  last_updated_timestamp: m.lastUpdatedTimestamp,
  ...(m.userId ? { user_id: m.userId } : {}),
  description: m.description,
  ...(m.latestVersions.length > 0
    ? { latest_versions: m.latestVersions.map(encodeModelVersion) }
    : {}),
  ...(m.tags.length > 0 ? { tags: encodeTags(m.tags) } : {}),
  ...(m.aliases.length > 0
    ? { aliases: m.aliases.map((a) => ({ alias: a.alias, version: a.version })) }
    : {}),
});
