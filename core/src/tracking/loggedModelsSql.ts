import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { KeyValue, LoggedModel, LoggedModelStatus, ModelIo, Page } from '../model';
import { notFound } from '../model/errors';
import { limitClause } from '../store';
import { decodePageToken, toPage } from './pageToken';
import { compileLoggedModelSearch } from './search/loggedModelSearch';
import type { CreateLoggedModelInput, MetricInput, SearchLoggedModelsInput } from './store';

interface LoggedModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_uri: string;
  creation_time: number;
  last_update_time: number;
  status: string;
  status_message: string | null;
  model_type: string | null;
  source_run_id: string | null;
}

interface LoggedModelMetricRow {
  key: string;
  value: number;
  is_nan: number;
  step: number;
  timestamp: number;
  run_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

/** Row of `run_models`: which logged models a run used or produced. */
export interface RunModelLink {
  run_pk: number;
  model_id: string;
  direction: 'input' | 'output';
  step: number;
}

/** SQL of MLflow 3 logged models. Methods expect to run inside the store's transactions. */
export class LoggedModelsSql {
  constructor(
    db: Database.Database,
    private readonly sql: (text: string) => Database.Statement = (text) => db.prepare(text),
  ) {}

  create(
    experimentId: number,
    experimentLocation: string,
    input: CreateLoggedModelInput,
  ): LoggedModel {
    const modelId = `m-${randomUUID().replace(/-/g, '')}`;
    const now = Date.now();
    this.sql(
      `INSERT INTO logged_models (model_id, experiment_id, name, artifact_uri, creation_time, last_update_time,
           status, model_type, source_run_id) VALUES (?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', ?, ?)`,
    ).run(
      modelId,
      experimentId,
      input.name,
      `${experimentLocation}/models/${modelId}/artifacts`,
      now,
      now,
      input.modelType ?? null,
      input.sourceRunId ?? null,
    );
    this.setTags(modelId, input.tags);
    this.logParams(modelId, input.params);
    return this.get(modelId);
  }

  /** An active model; a deleted one is not found, as in MLflow. */
  get(modelId: string): LoggedModel {
    const row = this.sql(
      "SELECT * FROM logged_models WHERE model_id = ? AND lifecycle_stage = 'active'",
    ).get(modelId) as LoggedModelRow | undefined;
    if (!row) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return this.toModel(row);
  }

  finalize(modelId: string, status: LoggedModelStatus): LoggedModel {
    this.get(modelId);
    this.sql('UPDATE logged_models SET status = ?, last_update_time = ? WHERE model_id = ?').run(
      status,
      Date.now(),
      modelId,
    );
    return this.get(modelId);
  }

  /** Active models of the experiments that pass the filter, in the order asked, one page. */
  search(input: SearchLoggedModelsInput): Page<LoggedModel> {
    const compiled = compileLoggedModelSearch(input.filter, input.datasets, input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const rows = this.sql(
      `SELECT m.* FROM logged_models m WHERE m.lifecycle_stage = 'active'
         AND m.experiment_id IN (SELECT value FROM json_each(?)) AND (${compiled.where})
         ORDER BY ${compiled.orderBy} ${limitClause(input.maxResults + 1, offset)}`,
    ).all(JSON.stringify(input.experimentIds.map(Number)), ...compiled.params) as LoggedModelRow[];
    const page = toPage(rows, offset, input.maxResults);
    return { ...page, items: page.items.map((row) => this.toModel(row)) };
  }

  setTags(modelId: string, tags: KeyValue[]): void {
    this.get(modelId);
    const upsert = this.sql(
      'INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value',
    );
    for (const tag of tags) upsert.run(modelId, tag.key, tag.value);
  }

  deleteTag(modelId: string, key: string): void {
    this.get(modelId);
    const result = this.sql('DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?').run(
      modelId,
      key,
    );
    if (result.changes === 0)
      throw notFound(`No tag with key '${key}' on logged model '${modelId}'.`);
  }

  logParams(modelId: string, params: KeyValue[]): void {
    const upsert = this.sql(
      'INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value',
    );
    for (const param of params) upsert.run(modelId, param.key, param.value);
  }

  delete(modelId: string): void {
    this.get(modelId);
    this.sql(
      "UPDATE logged_models SET lifecycle_stage = 'deleted', last_update_time = ? WHERE model_id = ?",
    ).run(Date.now(), modelId);
  }

  /** Copies metric points that name a model (MLflow 3 `model_id`) onto that model. */
  recordMetrics(runId: string, metrics: readonly MetricInput[]): void {
    const insert = this.sql(
      `INSERT OR IGNORE INTO logged_model_metrics
         (model_id, key, value, is_nan, step, timestamp, run_id, dataset_name, dataset_digest)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM logged_models WHERE model_id = ?)`,
    );
    for (const m of metrics) {
      if (!m.modelId) continue;
      const isNan = Number.isNaN(m.value);
      insert.run(
        m.modelId,
        m.key,
        isNan ? 0 : m.value,
        isNan ? 1 : 0,
        m.step,
        m.timestamp,
        runId,
        m.datasetName ?? null,
        m.datasetDigest ?? null,
        m.modelId,
      );
    }
  }

  linkRun(runPk: number, models: readonly ModelIo[], direction: 'input' | 'output'): void {
    const link = this.sql(
      'INSERT OR REPLACE INTO run_models (run_pk, model_id, direction, step) VALUES (?, ?, ?, ?)',
    );
    for (const model of models) link.run(runPk, model.modelId, direction, model.step ?? 0);
  }

  /** Links of the runs whose pks are in the JSON array `runPksJson`. */
  runLinks(runPksJson: string): RunModelLink[] {
    return this.sql(
      'SELECT run_pk, model_id, direction, step FROM run_models WHERE run_pk IN (SELECT value FROM json_each(?))',
    ).all(runPksJson) as RunModelLink[];
  }

  private toModel(row: LoggedModelRow): LoggedModel {
    const kv = (table: string): KeyValue[] =>
      this.sql(`SELECT key, value FROM ${table} WHERE model_id = ?`).all(
        row.model_id,
      ) as KeyValue[];
    const metrics = this.sql(
      `SELECT key, value, is_nan, step, timestamp, run_id, dataset_name, dataset_digest
         FROM logged_model_metrics WHERE model_id = ?`,
    ).all(row.model_id) as LoggedModelMetricRow[];
    return {
      modelId: row.model_id,
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactUri: row.artifact_uri,
      creationTimestampMs: row.creation_time,
      lastUpdatedTimestampMs: row.last_update_time,
      status: row.status as LoggedModelStatus,
      ...(row.status_message ? { statusMessage: row.status_message } : {}),
      ...(row.model_type ? { modelType: row.model_type } : {}),
      ...(row.source_run_id ? { sourceRunId: row.source_run_id } : {}),
      tags: kv('logged_model_tags'),
      params: kv('logged_model_params'),
      metrics: metrics.map((m) => ({
        key: m.key,
        value: m.is_nan ? NaN : m.value,
        step: m.step,
        timestamp: m.timestamp,
        ...(m.run_id ? { runId: m.run_id } : {}),
        ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
        ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
      })),
    };
  }
}
