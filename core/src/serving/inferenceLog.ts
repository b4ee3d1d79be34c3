import type Database from 'better-sqlite3';
import { limitClause } from '../store';

/** One served request as the inference log keeps it. */
export interface InferenceLogRow {
  requestId: string;
  /** When the request arrived, ms since the epoch. */
  time: number;
  model: string;
  version: string;
  /** `oip` or `mlflow`. */
  protocol: string;
  status: number;
  latencyMs: number;
  /** The request's input as JSON text (cut at {@link InferenceLogOptions.maxPayloadChars}). */
  inputs?: string;
  outputs?: string;
  error?: string;
  /** The deployment that served it, when served as one. */
  deployment?: string;
  /** The variant that answered (or, for a shadow, the shadow that was mirrored). */
  variant?: string;
  /** The request's unit key (the deployment's sticky header), when it had one. */
  unit?: string;
}

export interface InferenceLogOptions {
  /** Rows written in one transaction at most. */
  batchRows?: number;
  /** How often held rows are written, in ms. */
  flushMs?: number;
  /** Inputs and outputs longer than this are cut (with a trailing `…`). */
  maxPayloadChars?: number;
  /** Rows held beyond this are dropped (counted in {@link InferenceLog.dropped}) until a flush. */
  maxHeldRows?: number;
}

const cut = (text: string | undefined, max: number): string | null =>
  text === undefined ? null : text.length > max ? `${text.slice(0, max)}…` : text;

/**
 * The inference log of served models, in the store's `inference_log` table: rows are held in
 * memory and written in batches (one IMMEDIATE transaction each), so logging costs a request
 * nothing but a push. Read with {@link recent} or plain SQL.
 */
export class InferenceLog {
  private held: InferenceLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly insert: Database.Statement;
  private readonly options: Required<InferenceLogOptions>;
  /** Rows dropped because too many were held. */
  dropped = 0;

  constructor(
    private readonly db: Database.Database,
    options: InferenceLogOptions = {},
  ) {
    this.options = {
      batchRows: 5_000,
      flushMs: 250,
      maxPayloadChars: 65_536,
      maxHeldRows: 200_000,
      ...options,
    };
    this.insert = db.prepare(
      `INSERT INTO inference_log (request_id, time, model, version, protocol, status, latency_ms, inputs, outputs, error, deployment, variant, unit)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Holds a row to be written with the next batch. */
  add(row: InferenceLogRow): void {
    if (this.held.length >= this.options.maxHeldRows) {
      this.dropped++;
      return;
    }
    this.held.push(row);
    if (this.held.length >= this.options.batchRows) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs).unref();
  }

  /** Writes every held row now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const max = this.options.maxPayloadChars;
    while (this.held.length > 0) {
      const batch = this.held.splice(0, this.options.batchRows);
      this.db
        .transaction(() => {
          for (const r of batch) {
            this.insert.run(
              r.requestId,
              r.time,
              r.model,
              r.version,
              r.protocol,
              r.status,
              r.latencyMs,
              cut(r.inputs, max),
              cut(r.outputs, max),
              r.error ?? null,
              r.deployment ?? null,
              r.variant ?? null,
              r.unit ?? null,
            );
          }
        })
        .immediate();
    }
  }

  /** The latest rows of a model, newest first. */
  recent(model: string, limit = 100): InferenceLogRow[] {
    this.flush();
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM inference_log WHERE model = ? ORDER BY time DESC, log_pk DESC ${limitClause(limit)}`,
      )
      .all(model) as Record<string, unknown>[];
    return rows.map(toRow);
  }

  /** The latest rows a deployment served (its variants and shadows), newest first. */
  recentOf(deployment: string, limit = 100): InferenceLogRow[] {
    this.flush();
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM inference_log WHERE deployment = ? ORDER BY time DESC, log_pk DESC ${limitClause(limit)}`,
      )
      .all(deployment) as Record<string, unknown>[];
    return rows.map(toRow);
  }
}

const COLUMNS =
  'request_id, time, model, version, protocol, status, latency_ms, inputs, outputs, error, deployment, variant, unit';

function toRow(r: Record<string, unknown>): InferenceLogRow {
  return {
    requestId: r.request_id as string,
    time: r.time as number,
    model: r.model as string,
    version: r.version as string,
    protocol: r.protocol as string,
    status: r.status as number,
    latencyMs: r.latency_ms as number,
    ...(r.inputs !== null ? { inputs: r.inputs as string } : {}),
    ...(r.outputs !== null ? { outputs: r.outputs as string } : {}),
    ...(r.error !== null ? { error: r.error as string } : {}),
    ...(r.deployment !== null ? { deployment: r.deployment as string } : {}),
    ...(r.variant !== null ? { variant: r.variant as string } : {}),
    ...(r.unit !== null && r.unit !== undefined ? { unit: r.unit as string } : {}),
  };
}
