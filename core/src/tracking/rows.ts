import type {
  Dataset,
  Experiment,
  KeyValue,
  LifecycleStage,
  Metric,
  RunInfo,
  RunStatus,
} from '../model';

/** Row shapes of the SQLite schema and their mapping to model entities. */

export interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface RunRow {
  run_pk: number;
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface MetricRow {
  key: string;
  value: number;
  is_nan: number;
  step: number;
  timestamp: number;
}

export interface DatasetRow {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export const toExperiment = (row: ExperimentRow, tags: KeyValue[]): Experiment => ({
  experimentId: String(row.experiment_id),
  name: row.name,
  artifactLocation: row.artifact_location,
  lifecycleStage: row.lifecycle_stage as LifecycleStage,
  creationTime: row.creation_time,
  lastUpdateTime: row.last_update_time,
  tags,
});

export const toRunInfo = (row: RunRow): RunInfo => ({
  runId: row.run_uuid,
  runName: row.name,
  experimentId: String(row.experiment_id),
  userId: row.user_id,
  status: row.status as RunStatus,
  startTime: row.start_time,
  endTime: row.end_time,
  artifactUri: row.artifact_uri,
  lifecycleStage: row.lifecycle_stage as LifecycleStage,
});

export const toMetric = (row: MetricRow): Metric => ({
  key: row.key,
  value: row.is_nan ? NaN : row.value,
  step: row.step,
  timestamp: row.timestamp,
});

export const toDataset = (row: DatasetRow): Dataset => ({
  name: row.name,
  digest: row.digest,
  sourceType: row.source_type,
  source: row.source,
  ...(row.schema !== null ? { schema: row.schema } : {}),
  ...(row.profile !== null ? { profile: row.profile } : {}),
});

/** Groups rows that carry a `run_pk` by it. */
export function groupByRun<T extends { run_pk: number }>(rows: T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const list = groups.get(row.run_pk);
    if (list) list.push(row);
    else groups.set(row.run_pk, [row]);
  }
  return groups;
}
