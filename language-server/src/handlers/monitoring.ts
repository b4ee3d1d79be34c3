import {
  alertEventOf,
  formatWindow,
  invalid,
  readMonitoring,
  SCORE_KIND,
  type AlertEvent,
  type Engine,
  type MonitorWindow,
} from '@sextant/core';
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { toResponseError } from '../errors';
import { optionalInteger, optionalString, requiredString } from '../params';
import {
  MonitoringAlertNotification,
  MonitoringAlertsRequest,
  MonitoringHistogramRequest,
  MonitoringListRequest,
  MonitoringTriggeredRunsRequest,
  MonitoringWindowsRequest,
  type MonitoringAlertEvent,
  type MonitoringListResult,
  type MonitoringWindow,
} from '../protocol';
import { handle, type HandlerContext } from './context';

/** How often the store is read for alerts that another process recorded. */
export const ALERT_POLL_MS = 1000;

const finite = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? x : null;

/** A window of the store on the wire (numbers that are not finite as null). */
export function wireWindow(w: MonitorWindow): MonitoringWindow {
  return {
    id: w.id,
    monitor: w.monitor,
    deployment: w.deployment,
    ...(w.variant !== undefined ? { variant: w.variant } : {}),
    ...(w.model !== undefined ? { model: w.model, version: w.version! } : {}),
    kind: w.kind,
    start: w.start,
    end: w.end,
    requests: w.requests,
    rows: w.rows,
    checkedTime: w.checkedTime,
    metrics: Object.fromEntries(Object.entries(w.metrics).map(([k, v]) => [k, finite(v)])),
    cells: w.features.map((f) => ({
      feature: f.feature,
      method: f.method,
      ...(f.method in SCORE_KIND
        ? { scoreKind: SCORE_KIND[f.method as keyof typeof SCORE_KIND] }
        : {}),
      score: f.score === null ? null : finite(f.score),
      threshold: f.threshold,
      drifted: f.drifted,
      missingShare: f.missingShare,
    })),
  };
}

/** An alert event on the wire. */
export function wireAlert(e: AlertEvent): MonitoringAlertEvent {
  return {
    id: e.id,
    rule: e.rule,
    monitor: e.monitor,
    deployment: e.deployment,
    state: e.state,
    severity: e.severity,
    time: e.time,
    user: e.user,
    ...(e.window !== undefined ? { window: e.window } : {}),
    value: finite(e.value),
    threshold: e.threshold,
    evidence: e.evidence,
  };
}

/** The monitors of the workspace's sextant.yaml (none without one). */
function monitoringOf(folder: string | undefined): ReturnType<typeof readMonitoring> {
  const file = folder ? path.join(folder, 'sextant.yaml') : undefined;
  return file && fs.existsSync(file) ? readMonitoring(file) : { monitors: [], alerts: [] };
}

/** The monitors and rules of the workspace, with their latest window and firing state. */
function listOf(context: HandlerContext): MonitoringListResult {
  const { engine } = context.workspace();
  const spec = monitoringOf(context.folder?.());
  const firing = new Set(
    spec.alerts.filter((a) => engine.monitoring.store.firing(a.name)).map((a) => a.name),
  );
  return {
    monitors: spec.monitors.map((m) => {
      const [latest] = engine.monitoring.windows(m.name, 1);
      return {
        name: m.name,
        deployment: m.deployment,
        variant: m.variant,
        window: formatWindow(m.window),
        ...(latest ? { latest: wireWindow(latest) } : {}),
        firing: spec.alerts
          .filter((a) => a.monitor === m.name && firing.has(a.name))
          .map((a) => a.name),
        ...(m.slo.p99LatencyMs !== undefined || m.slo.errorRate !== undefined
          ? { slo: { ...m.slo } }
          : {}),
      };
    }),
    rules: spec.alerts.map((a) => ({
      name: a.name,
      monitor: a.monitor,
      metric: a.metric,
      op: a.op,
      threshold: a.threshold,
      for: a.for,
      severity: a.severity,
      firing: firing.has(a.name),
    })),
  };
}

/** Registers the `sextant/monitoring/*` requests. */
export function registerMonitoringHandlers(connection: Connection, context: HandlerContext): void {
  connection.onRequest(MonitoringListRequest, async (): Promise<MonitoringListResult> => {
    try {
      return listOf(context);
    } catch (error) {
      throw toResponseError(error);
    }
  });

  handle(connection, MonitoringWindowsRequest, async (params) => {
    const monitor = requiredString(params, 'monitor');
    const limit = optionalInteger(params, 'limit', 1, 1000) ?? 50;
    const windows = context.workspace().engine.monitoring.windows(monitor, limit).map(wireWindow);
    const features = [...new Set(windows.flatMap((w) => w.cells.map((c) => c.feature)))];
    return { monitor, features, windows };
  });

  handle(connection, MonitoringHistogramRequest, async (params) => {
    const window = optionalInteger(params, 'window', 1, Number.MAX_SAFE_INTEGER);
    if (window === undefined) throw invalid("Missing 'window': the id of a checked window.");
    const feature = requiredString(params, 'feature');
    const bins = optionalInteger(params, 'bins', 1, 200) ?? 20;
    const h = context.workspace().engine.monitoring.histogram(window, feature, bins);
    return h;
  });

  handle(connection, MonitoringAlertsRequest, async (params) => {
    const rule = optionalString(params, 'rule');
    const monitor = optionalString(params, 'monitor');
    const afterId = optionalInteger(params, 'afterId', 0, Number.MAX_SAFE_INTEGER);
    const limit = optionalInteger(params, 'limit', 1, 10_000) ?? 200;
    const events = context.workspace().engine.monitoring.alerts({
      ...(rule !== undefined ? { rule } : {}),
      ...(monitor !== undefined ? { monitor } : {}),
      ...(afterId !== undefined ? { afterId } : {}),
      limit,
    });
    return { events: events.map(wireAlert) };
  });

  handle(connection, MonitoringTriggeredRunsRequest, async (params) => {
    const alertId = optionalInteger(params, 'alertId', 1, Number.MAX_SAFE_INTEGER);
    if (alertId === undefined) throw invalid("Missing 'alertId': the id of an alert event.");
    const runs = context
      .workspace()
      .engine.pipelines.listRuns({ limit: TRIGGERED_RUNS_SCANNED })
      .filter((run) => alertEventOf(run.trigger) === alertId);
    return { runs };
  });
}

/** The newest pipeline runs looked through for those an alert event started. */
const TRIGGERED_RUNS_SCANNED = 500;

/**
 * Pushes `sextant/monitoring/alert` for every alert that fires or resolves while the workspace is
 * open, whichever process checked the window (the deployment's scheduled monitor, the CLI).
 */
export class MonitoringUpdates {
  private readonly unsubscribe: () => void;

  constructor(connection: Connection, engine: Engine, pollMs = ALERT_POLL_MS) {
    this.unsubscribe = engine.monitoring
      .alertFeed(pollMs, ['firing', 'resolved'])
      .subscribe(
        (event) => void connection.sendNotification(MonitoringAlertNotification, wireAlert(event)),
      );
  }

  dispose(): void {
    this.unsubscribe();
  }
}
