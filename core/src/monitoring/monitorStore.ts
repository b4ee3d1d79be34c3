/**
 * What monitoring keeps in the store: reference profiles of model versions, checked windows
 * (their metrics, their report, one row per feature for the feature x window heatmap) and
 * alert events (a rule firing or resolving, with who, when and the evidence).
 */
import type Database from 'better-sqlite3';
import { limitClause } from '../store';
import type { FeatureScore, WindowCheck } from './windowCheck';
import type { Severity } from './rules';

/** A stored reference's summary. */
export interface ReferenceInfo {
  id: number;
  model: string;
  version: string;
  /** Where the data came from (a file, an evaluation). */
  source: string;
  time: number;
  user: string;
  rows: number;
  features: string[];
  prediction?: string;
}

/** One checked window. */
export interface MonitorWindow {
  id: number;
  monitor: string;
  deployment: string;
  variant?: string;
  model?: string;
  version?: string;
  /** `scheduled` (a tumbling window) or `on-demand` (the latest window when asked). */
  kind: 'scheduled' | 'on-demand';
  /** The window's span: its requests' first and last time (or the time window's bounds). */
  start: number;
  end: number;
  lastKey?: number;
  requests: number;
  rows: number;
  checkedTime: number;
  metrics: Record<string, number>;
  features: FeatureScore[];
}

/** A rule firing or resolving. */
export interface AlertEvent {
  id: number;
  rule: string;
  monitor: string;
  deployment: string;
  state: 'firing' | 'resolved';
  severity: Severity;
  time: number;
  user: string;
  window?: number;
  value?: number;
  threshold: number;
  /** The metric over the windows that decided it, the window's drifted features, the rule. */
  evidence: Record<string, unknown>;
}

type Row = Record<string, unknown>;

const windowOf = (r: Row, features: FeatureScore[]): MonitorWindow => ({
  id: r.window_pk as number,
  monitor: r.monitor as string,
  deployment: r.deployment as string,
  ...(r.variant !== null ? { variant: r.variant as string } : {}),
  ...(r.model !== null ? { model: r.model as string, version: r.version as string } : {}),
  kind: r.kind as MonitorWindow['kind'],
  start: r.start_time as number,
  end: r.end_time as number,
  ...(r.last_log_pk !== null ? { lastKey: r.last_log_pk as number } : {}),
  requests: r.requests as number,
  rows: r.rows as number,
  checkedTime: r.checked_time as number,
  metrics: JSON.parse(r.metrics as string) as Record<string, number>,
  features,
});

const featureOf = (f: Row): FeatureScore => ({
  feature: f.feature as string,
  method: f.method as string,
  score: f.score as number | null,
  threshold: f.threshold as number,
  drifted: f.drifted === 1,
  missingShare: f.missing_share as number,
});

const eventOf = (r: Row): AlertEvent => ({
  id: r.event_pk as number,
  rule: r.rule as string,
  monitor: r.monitor as string,
  deployment: r.deployment as string,
  state: r.state as AlertEvent['state'],
  severity: r.severity as Severity,
  time: r.time as number,
  user: r.user_id as string,
  ...(r.window_pk !== null ? { window: r.window_pk as number } : {}),
  ...(r.value !== null ? { value: r.value as number } : {}),
  threshold: r.threshold as number,
  evidence: JSON.parse(r.evidence as string) as Record<string, unknown>,
});

/** Monitoring's tables. */
export class MonitorStore {
  constructor(private readonly db: Database.Database) {}

  saveReference(info: Omit<ReferenceInfo, 'id'>, data: Buffer): ReferenceInfo {
    const columns = JSON.stringify({
      features: info.features,
      prediction: info.prediction ?? null,
    });
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO monitor_references (model, version, source, time, user_id, rows, columns, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(info.model, info.version, info.source, info.time, info.user, info.rows, columns, data)
        .lastInsertRowid,
    );
    return { id, ...info };
  }

  /** The newest reference of a version, with its bytes. */
  reference(model: string, version: string): { info: ReferenceInfo; data: Buffer } | undefined {
    const r = this.db
      .prepare(
        `SELECT * FROM monitor_references WHERE model = ? AND version = ? ORDER BY reference_pk DESC LIMIT 1`,
      )
      .get(model, version) as Row | undefined;
    if (!r) return undefined;
    const columns = JSON.parse(r.columns as string) as {
      features: string[];
      prediction: string | null;
    };
    return {
      info: {
        id: r.reference_pk as number,
        model: r.model as string,
        version: r.version as string,
        source: r.source as string,
        time: r.time as number,
        user: r.user_id as string,
        rows: r.rows as number,
        features: columns.features,
        ...(columns.prediction !== null ? { prediction: columns.prediction } : {}),
      },
      data: r.data as Buffer,
    };
  }

  /** The newest window of a monitor of a kind. */
  lastWindow(
    monitor: string,
    kind: MonitorWindow['kind'],
  ): { end: number; lastKey?: number } | undefined {
    const r = this.db
      .prepare(
        `SELECT end_time, last_log_pk FROM monitor_windows WHERE monitor = ? AND kind = ? ORDER BY window_pk DESC LIMIT 1`,
      )
      .get(monitor, kind) as Row | undefined;
    return r
      ? {
          end: r.end_time as number,
          ...(r.last_log_pk !== null ? { lastKey: r.last_log_pk as number } : {}),
        }
      : undefined;
  }

  /** Records a checked window and its features; returns it. */
  saveWindow(window: Omit<MonitorWindow, 'id'>, check: WindowCheck): MonitorWindow {
    const report = JSON.stringify({
      drift: check.drift,
      prediction: check.prediction ?? null,
      quality: check.quality,
    });
    const insertFeature = this.db.prepare(
      `INSERT INTO monitor_feature_scores (window_pk, feature, method, score, threshold, drifted, missing_share) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction(() => {
        const id = Number(
          this.db
            .prepare(
              `INSERT INTO monitor_windows (monitor, deployment, variant, model, version, kind, start_time, end_time, last_log_pk, requests, rows, checked_time, metrics, report)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              window.monitor,
              window.deployment,
              window.variant ?? null,
              window.model ?? null,
              window.version ?? null,
              window.kind,
              window.start,
              window.end,
              window.lastKey ?? null,
              window.requests,
              window.rows,
              window.checkedTime,
              JSON.stringify(window.metrics),
              report,
            ).lastInsertRowid,
        );
        for (const f of window.features) {
          insertFeature.run(
            id,
            f.feature,
            f.method,
            f.score,
            f.threshold,
            f.drifted ? 1 : 0,
            f.missingShare,
          );
        }
        return { id, ...window };
      })
      .immediate();
  }

  /** The newest `limit` windows of a monitor (of one kind), oldest first, with their feature rows. */
  windows(monitor: string, limit = 100, kind?: MonitorWindow['kind']): MonitorWindow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM monitor_windows WHERE monitor = ? ${kind ? 'AND kind = ?' : ''} ORDER BY window_pk DESC ${limitClause(limit)}`,
      )
      .all(...(kind ? [monitor, kind] : [monitor])) as Row[];
    rows.reverse();
    if (rows.length === 0) return [];
    const features = this.db
      .prepare(
        `SELECT * FROM monitor_feature_scores WHERE window_pk BETWEEN ? AND ? ORDER BY window_pk, rowid`,
      )
      .all(rows[0]!.window_pk, rows[rows.length - 1]!.window_pk) as Row[];
    const byWindow = new Map<number, FeatureScore[]>();
    for (const f of features) {
      const list = byWindow.get(f.window_pk as number) ?? [];
      list.push(featureOf(f));
      byWindow.set(f.window_pk as number, list);
    }
    return rows.map((r) => windowOf(r, byWindow.get(r.window_pk as number) ?? []));
  }

  /** One window, with its feature rows. */
  window(id: number): MonitorWindow | undefined {
    const r = this.db.prepare(`SELECT * FROM monitor_windows WHERE window_pk = ?`).get(id) as
      Row | undefined;
    if (!r) return undefined;
    const features = this.db
      .prepare(`SELECT * FROM monitor_feature_scores WHERE window_pk = ? ORDER BY rowid`)
      .all(id) as Row[];
    return windowOf(r, features.map(featureOf));
  }

  /** The full report of a window (drift, prediction drift, quality). */
  report(id: number): Record<string, unknown> | undefined {
    const r = this.db.prepare(`SELECT report FROM monitor_windows WHERE window_pk = ?`).get(id) as
      Row | undefined;
    return r ? (JSON.parse(r.report as string) as Record<string, unknown>) : undefined;
  }

  /** Whether a rule is firing now (its last event fired it). */
  firing(rule: string): boolean {
    const r = this.db
      .prepare(
        `SELECT state FROM monitor_alert_events WHERE rule = ? ORDER BY event_pk DESC LIMIT 1`,
      )
      .get(rule) as Row | undefined;
    return r?.state === 'firing';
  }

  recordAlert(event: Omit<AlertEvent, 'id'>): AlertEvent {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO monitor_alert_events (rule, monitor, deployment, state, severity, time, user_id, window_pk, value, threshold, evidence)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          event.rule,
          event.monitor,
          event.deployment,
          event.state,
          event.severity,
          event.time,
          event.user,
          event.window ?? null,
          event.value ?? null,
          event.threshold,
          JSON.stringify(event.evidence),
        ).lastInsertRowid,
    );
    return { id, ...event };
  }

  /** Alert events after `afterId`, oldest first; of one rule or monitor when given. */
  alerts(
    options: { afterId?: number; rule?: string; monitor?: string; limit?: number } = {},
  ): AlertEvent[] {
    const where = ['event_pk > ?'];
    const params: (string | number)[] = [options.afterId ?? 0];
    if (options.rule !== undefined) {
      where.push('rule = ?');
      params.push(options.rule);
    }
    if (options.monitor !== undefined) {
      where.push('monitor = ?');
      params.push(options.monitor);
    }
    return (
      this.db
        .prepare(
          `SELECT * FROM monitor_alert_events WHERE ${where.join(' AND ')} ORDER BY event_pk ${limitClause(options.limit ?? 1000)}`,
        )
        .all(...params) as Row[]
    ).map(eventOf);
  }

  /** The newest alert event's id (0 when none). */
  lastAlertId(): number {
    return (
      this.db
        .prepare(`SELECT coalesce(max(event_pk), 0) AS id FROM monitor_alert_events`)
        .get() as { id: number }
    ).id;
  }
}
