import type Database from 'better-sqlite3';
import type {
  FeedbackItem,
  FeedbackOutcome,
  FeedbackQuery,
  FeedbackResult,
  VariantTraffic,
} from './model';

/** Where a batch of feedback comes from and which requests it may judge. */
export interface RecordContext {
  /** Only requests served by this deployment match (none: any logged request). */
  deployment?: string;
  /**
   * The deployment's shadow variants: a shadow's log row shares the request id of the answer
   * that was returned, and feedback judges the answer, not the mirror.
   */
  shadows?: readonly string[];
  /** `http`, or `file:<name>` for an import. */
  source: string;
  /** When the batch was received (default now). */
  now?: number;
}

interface LoggedRow {
  deployment: string | null;
  variant: string | null;
  model: string;
  version: string;
  time: number;
}

/** The window clause of a query over inference_log aliased `l`. */
function window(query: FeedbackQuery): { sql: string; args: (string | number)[] } {
  const parts = ['l.deployment = ?'];
  const args: (string | number)[] = [query.deployment];
  if (query.variant !== undefined) {
    parts.push('l.variant = ?');
    args.push(query.variant);
  }
  if (query.since !== undefined) {
    parts.push('l.time >= ?');
    args.push(query.since);
  }
  if (query.until !== undefined) {
    parts.push('l.time < ?');
    args.push(query.until);
  }
  return { sql: parts.join(' AND '), args };
}

/**
 * The outcomes of served predictions, in the store's `inference_feedback` table, each joined to
 * its logged request by request id: the answer of the variant that served it (never a shadow's
 * mirror), whenever the outcome arrives. One outcome per request: a later one replaces it.
 * Only logged requests can be judged, so a deployment under an experiment logs every request
 * (`request_logging.sample_rate: 1`, the default).
 */
export class FeedbackStore {
  constructor(private readonly db: Database.Database) {}

  /** Stores feedback for the logged requests among `items`; reports the ids with none. */
  record(items: readonly FeedbackItem[], context: RecordContext): FeedbackResult {
    const now = context.now ?? Date.now();
    const shadows = new Set(context.shadows ?? []);
    const find = this.db.prepare(
      `SELECT deployment, variant, model, version, time FROM inference_log
       WHERE request_id = ?${context.deployment !== undefined ? ' AND deployment = ?' : ''}
       ORDER BY time, log_pk`,
    );
    const upsert = this.db.prepare(
      `INSERT INTO inference_feedback (request_id, deployment, variant, model, version, request_time, kind, label, value, time, received_time, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(request_id) DO UPDATE SET kind = excluded.kind, label = excluded.label,
         value = excluded.value, time = excluded.time, received_time = excluded.received_time,
         source = excluded.source`,
    );
    const unknown: string[] = [];
    let recorded = 0;
    this.db
      .transaction(() => {
        for (const item of items) {
          const args =
            context.deployment !== undefined
              ? [item.requestId, context.deployment]
              : [item.requestId];
          const rows = find.all(...args) as LoggedRow[];
          const row = rows.find((r) => r.variant === null || !shadows.has(r.variant));
          if (!row) {
            unknown.push(item.requestId);
            continue;
          }
          upsert.run(
            item.requestId,
            row.deployment,
            row.variant,
            row.model,
            row.version,
            row.time,
            item.kind,
            item.label ?? null,
            item.value ?? null,
            item.time ?? now,
            now,
            context.source,
          );
          recorded++;
        }
      })
      .immediate();
    return { recorded, unknownRequestIds: unknown };
  }

  /**
   * Feedback joined with its requests in a window (request time order); with `payloads`, each
   * request's input and output too (what monitoring scores labels against).
   */
  join(query: FeedbackQuery, options: { payloads?: boolean } = {}): FeedbackOutcome[] {
    const w = window(query);
    const rows = this.db
      .prepare(
        `SELECT f.request_id, f.deployment, f.variant, f.model, f.version, f.request_time, f.kind,
                f.label, f.value, f.time, l.status, l.latency_ms, l.unit${options.payloads ? ', l.inputs, l.outputs' : ''}
         FROM inference_feedback f
         JOIN inference_log l ON l.request_id = f.request_id AND l.deployment IS f.deployment
           AND l.variant IS f.variant AND l.time = f.request_time
         WHERE ${w.sql.replaceAll('l.deployment', 'f.deployment')}
         ORDER BY f.request_time, f.feedback_pk`,
      )
      .all(...w.args) as Record<string, unknown>[];
    return rows.map((r) => ({
      requestId: r.request_id as string,
      ...(r.deployment !== null ? { deployment: r.deployment as string } : {}),
      ...(r.variant !== null ? { variant: r.variant as string } : {}),
      model: r.model as string,
      version: r.version as string,
      requestTime: r.request_time as number,
      ...(typeof r.unit === 'string' ? { unit: r.unit } : {}),
      status: r.status as number,
      latencyMs: r.latency_ms as number,
      kind: r.kind as FeedbackOutcome['kind'],
      ...(r.label !== null ? { label: r.label as string } : {}),
      ...(r.value !== null && r.value !== undefined ? { value: r.value as number } : {}),
      time: r.time as number,
      ...(typeof r.inputs === 'string' ? { inputs: r.inputs } : {}),
      ...(typeof r.outputs === 'string' ? { outputs: r.outputs } : {}),
    }));
  }

  /**
   * Each variant's served requests in a window, whether judged or not, per model version (a
   * variant that served two versions appears twice): counts, 5xx answers, latencies, the times
   * of the answered requests and how many have feedback. `shadows` are left out (they answer no
   * one).
   */
  traffic(query: FeedbackQuery, shadows: readonly string[] = []): VariantTraffic[] {
    const w = window(query);
    const rows = this.db
      .prepare(
        `SELECT l.variant, l.model, l.version, l.status, l.latency_ms, l.time,
                coalesce(l.unit, l.request_id),
                EXISTS (SELECT 1 FROM inference_feedback f WHERE f.request_id = l.request_id
                        AND f.variant IS l.variant) AS judged
         FROM inference_log l WHERE ${w.sql} AND l.variant IS NOT NULL
         ORDER BY l.variant, l.version, l.time, l.log_pk`,
      )
      .raw()
      .all(...w.args) as [string, string, string, number, number, number, string, number][];
    const skip = new Set(shadows);
    const groups = new Map<
      string,
      {
        variant: string;
        model: string;
        version: string;
        statuses: number[];
        ms: number[];
        answered: number[];
        units: string[];
        judged: number;
      }
    >();
    for (const [variant, model, version, status, ms, time, unit, judged] of rows) {
      if (skip.has(variant)) continue;
      const key = `${variant}\u0000${version}`;
      let g = groups.get(key);
      if (!g) {
        g = { variant, model, version, statuses: [], ms: [], answered: [], units: [], judged: 0 };
        groups.set(key, g);
      }
      g.statuses.push(status);
      g.ms.push(ms);
      if (status < 400) {
        g.answered.push(time);
        g.units.push(unit);
      }
      g.judged += judged;
    }
    return [...groups.values()].map((g) => ({
      variant: g.variant,
      model: g.model,
      version: g.version,
      requests: g.statuses.length,
      errors: g.statuses.filter((s) => s >= 500).length,
      latenciesMs: Float64Array.from(g.ms).sort(),
      answeredTimes: Float64Array.from(g.answered),
      answeredUnits: g.units,
      withFeedback: g.judged,
    }));
  }
}
