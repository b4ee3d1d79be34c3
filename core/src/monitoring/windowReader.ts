/**
 * Reads one window of the inference log into typed columns in one pass: each logged request's
 * input and answer are parsed once and their rows appended to a Float64Array (or category list)
 * per feature; latencies and statuses go to typed arrays per request. SQLite rows are read as
 * arrays (`raw`), never as one object per row.
 */
import type Database from 'better-sqlite3';
import { limitClause } from '../store';
import { ColumnBuilder, isIntegerType, type FeatureSpec } from './features';
import { forEachInputRow, outputValues, type RowSink } from './payloads';
import type { ColumnKind } from './drift';
import type { Category } from './samples';

/** Which rows of the log a window holds. */
export interface WindowQuery {
  deployment: string;
  /** Only the requests this variant answered (all when absent). */
  variant?: string;
  /** Time window: requests with start <= time < end. */
  start?: number;
  end?: number;
  /** Read each row's request id too (to join feedback). */
  requestIds?: boolean;
  /** Count window: requests with a log key in (afterKey, untilKey]. */
  afterKey?: number;
  untilKey?: number;
  /** The latest requests only, at most this many. */
  latest?: number;
}

/** One window's requests as columns. */
export interface WindowData {
  requests: number;
  /** Rows (one request may carry several). */
  rows: number;
  /** Feature values by feature, one per row. */
  columns: Record<string, Float64Array | (Category | null)[]>;
  /** Values of the wrong type, by feature. */
  invalidType: Record<string, number>;
  /** Of those, the ones that were no number in a numerical feature (read as missing). */
  invalidDropped: Record<string, number>;
  /** The model's prediction for each row (missing when the request failed). */
  predictions: Float64Array | (Category | null)[];
  /** Per request. */
  latencyMs: Float64Array;
  /** Requests answered with a status >= 400. */
  errors: number;
  /** The request id of each row, for joining feedback (when asked for). */
  rowRequestIds: string[];
  firstTime: number;
  lastTime: number;
  lastKey: number;
  /** The model and version of the newest request. */
  model?: string;
  version?: string;
}

const COLUMNS = 'log_pk, time, status, latency_ms, inputs, outputs';
const WITH_IDS = `${COLUMNS}, request_id`;

/** The SQL and parameters of a window. */
function windowSql(q: WindowQuery): { sql: string; params: (string | number)[] } {
  const where = ['deployment = ?'];
  const params: (string | number)[] = [q.deployment];
  if (q.variant !== undefined) {
    where.push('variant = ?');
    params.push(q.variant);
  }
  if (q.start !== undefined) {
    where.push('time >= ?');
    params.push(q.start);
  }
  if (q.end !== undefined) {
    where.push('time < ?');
    params.push(q.end);
  }
  if (q.afterKey !== undefined) {
    where.push('log_pk > ?');
    params.push(q.afterKey);
  }
  if (q.untilKey !== undefined) {
    where.push('log_pk <= ?');
    params.push(q.untilKey);
  }
  const base = `SELECT ${q.requestIds ? WITH_IDS : COLUMNS} FROM inference_log WHERE ${where.join(' AND ')}`;
  if (q.latest !== undefined) {
    return {
      sql: `SELECT * FROM (${base} ORDER BY log_pk DESC ${limitClause(q.latest)}) ORDER BY log_pk`,
      params,
    };
  }
  return { sql: `${base} ORDER BY log_pk`, params };
}

/** Reads a window of the log: the features' values, the predictions, latencies and errors. */
export function readWindow(
  db: Database.Database,
  query: WindowQuery,
  features: readonly FeatureSpec[],
  predictionKind: ColumnKind = 'numerical',
): WindowData {
  const names = features.map((f) => f.name);
  const builders = features.map((f) => new ColumnBuilder(f.kind, isIntegerType(f.type)));
  const predictions = new ColumnBuilder(predictionKind);
  let latency = new Float64Array(1024);
  const rowRequestIds: string[] = [];
  let requests = 0;
  let errors = 0;
  let firstTime = 0;
  let lastTime = 0;
  let lastKey = 0;
  let rows = 0;
  const { sql, params } = windowSql(query);
  const statement = db.prepare(sql).raw(true);
  const width = builders.length;
  const emit: RowSink = (row, byName) => {
    if (byName) {
      const r = row as Readonly<Record<string, unknown>>;
      for (let j = 0; j < width; j++) builders[j]!.push(r[names[j]!]);
    } else {
      const r = row as readonly unknown[];
      for (let j = 0; j < width; j++) builders[j]!.push(r[j]);
    }
  };
  for (const row of statement.iterate(...params) as IterableIterator<unknown[]>) {
    const [key, time, status, ms, inputs, outputs, requestId] = row as [
      number,
      number,
      number,
      number,
      string | null,
      string | null,
      string,
    ];
    if (requests === latency.length) {
      const grown = new Float64Array(latency.length * 2);
      grown.set(latency);
      latency = grown;
    }
    latency[requests++] = ms;
    if (requests === 1) firstTime = time;
    lastTime = time;
    lastKey = key;
    if (status >= 400) errors++;
    let body: unknown;
    try {
      body = inputs === null ? undefined : JSON.parse(inputs);
    } catch {
      body = undefined;
    }
    const n = body === undefined ? 0 : forEachInputRow(body, names, emit);
    let answer: unknown[] = [];
    if (n > 0 && status < 400 && outputs !== null) {
      try {
        answer = outputValues(JSON.parse(outputs));
      } catch {
        answer = [];
      }
    }
    for (let i = 0; i < n; i++) predictions.push(answer.length === n ? answer[i] : undefined);
    if (requestId !== undefined) for (let i = 0; i < n; i++) rowRequestIds.push(requestId);
    rows += n;
  }
  const columns: WindowData['columns'] = {};
  const invalidType: Record<string, number> = {};
  const invalidDropped: Record<string, number> = {};
  features.forEach((f, j) => {
    columns[f.name] = builders[j]!.values();
    invalidType[f.name] = builders[j]!.invalidType;
    invalidDropped[f.name] = builders[j]!.invalidDropped;
  });
  return {
    requests,
    rows,
    columns,
    invalidType,
    invalidDropped,
    predictions: predictions.values(),
    latencyMs: latency.subarray(0, requests),
    errors,
    rowRequestIds,
    firstTime,
    lastTime,
    lastKey,
    ...(requests > 0 ? lastModel(db, lastKey) : {}),
  };
}

/** The model and version of a logged request. */
function lastModel(db: Database.Database, key: number): { model: string; version: string } {
  return db.prepare(`SELECT model, version FROM inference_log WHERE log_pk = ?`).get(key) as {
    model: string;
    version: string;
  };
}

/** The log keys of a deployment's requests after `afterKey`, ascending (for count windows). */
export function keysAfter(
  db: Database.Database,
  deployment: string,
  variant: string | undefined,
  afterKey: number,
  limit: number,
): Float64Array {
  const rows = db
    .prepare(
      `SELECT log_pk FROM inference_log WHERE deployment = ? ${variant !== undefined ? 'AND variant = ?' : ''} AND log_pk > ? ORDER BY log_pk ${limitClause(limit)}`,
    )
    .pluck()
    .all(...(variant !== undefined ? [deployment, variant] : [deployment]), afterKey) as number[];
  return Float64Array.from(rows);
}
