/**
 * Monitoring alerts in both IDEs, written once: which rules fire now (a status item: count and
 * the worst severity, hidden when none), and for each `sextant/monitoring/alert` a notice to show
 * with its actions: open the deployment's monitoring dashboard, and open the pipeline run the
 * alert triggered (`on: alert: <rule>`) when one started. Each IDE only shows what it is given.
 */
import {
  MonitoringAlertNotification,
  MonitoringListRequest,
  MonitoringTriggeredRunsRequest,
  type MonitoringAlertEvent,
} from '@sextant/language-server/protocol';
import { errorMessage, type Disposable, type SextantClient } from '../client';
import type { TriggeredRunLink } from '../contract';

/** Alert severities, least to worst. */
const SEVERITIES = ['info', 'warning', 'critical'];

/** The worse of two severities (an unknown one counts as `warning`). */
export function worseSeverity(a: string | undefined, b: string): string {
  const rank = (s: string | undefined): number =>
    s === undefined ? -1 : SEVERITIES.includes(s) ? SEVERITIES.indexOf(s) : 1;
  return rank(b) > rank(a) ? b : a!;
}

/** One rule firing now. */
export interface FiringAlert {
  rule: string;
  severity: string;
  /** The deployment its monitor watches (unknown for a rule of a monitor no longer declared). */
  deployment?: string;
}

/** What the status item shows; `count` 0: hide it. */
export interface AlertStatus {
  count: number;
  /** The worst severity firing. */
  severity?: string;
  /** Short text: `2 alerts (critical)`. */
  text: string;
  /** One line per firing rule. */
  tooltip: string;
  firing: FiringAlert[];
}

/** A notification to show for one alert event. */
export interface AlertNotice {
  event: MonitoringAlertEvent;
  /** `error` for a critical rule firing, `warning` for another firing, `info` once resolved. */
  level: 'error' | 'warning' | 'info';
  message: string;
  /** The pipeline run the alert triggered, when one started. */
  triggeredRun?: TriggeredRunLink;
}

/** What the alert watcher asks of its IDE adapter. */
export interface AlertHost {
  /** Shows (or hides, when `count` is 0) the status item. */
  status(status: AlertStatus): void;
  /** Shows a notification with "Open dashboard" and, when given, "Open the triggered pipeline run". */
  notify(notice: AlertNotice): void;
  log(message: string): void;
}

/** Options of {@link AlertWatcher}. */
export interface AlertWatcherOptions {
  /**
   * How long a firing notice waits for the pipeline run the alert triggers (the trigger service
   * starts it within a poll of the alert feed), in ms; 0: never waits.
   */
  triggerWaitMs?: number;
  /** How often it looks for that run meanwhile, in ms. */
  triggerPollMs?: number;
}

/** The status of `firing`. */
export function alertStatus(firing: readonly FiringAlert[]): AlertStatus {
  let severity: string | undefined;
  for (const f of firing) severity = worseSeverity(severity, f.severity);
  const count = firing.length;
  return {
    count,
    ...(severity !== undefined ? { severity } : {}),
    text: count === 0 ? '' : `${count} alert${count === 1 ? '' : 's'} (${severity})`,
    tooltip: firing
      .map((f) => `${f.rule} (${f.severity})${f.deployment ? ` on ${f.deployment}` : ''}`)
      .join('\n'),
    firing: [...firing],
  };
}

/** The words of an alert event's notification. */
export function alertMessage(event: MonitoringAlertEvent): string {
  const value = event.value === null ? 'n/a' : Number(event.value.toPrecision(4)).toString();
  const drifted = event.evidence['driftedFeatures'];
  const features =
    Array.isArray(drifted) && drifted.length > 0 ? ` · drifted: ${drifted.join(', ')}` : '';
  return event.state === 'firing'
    ? `Alert ${event.rule} (${event.severity}) firing on ${event.deployment}: ${value} against threshold ${event.threshold}${features}`
    : `Alert ${event.rule} resolved on ${event.deployment}`;
}

/** Follows the alerts of the workspace for a status item and notifications. */
export class AlertWatcher implements Disposable {
  private readonly firing = new Map<string, FiringAlert>();
  private readonly subscription: Disposable;
  private readonly options: Required<AlertWatcherOptions>;
  private disposed = false;

  constructor(
    private readonly client: SextantClient,
    private readonly host: AlertHost,
    options: AlertWatcherOptions = {},
  ) {
    this.options = { triggerWaitMs: 5000, triggerPollMs: 500, ...options };
    this.subscription = client.onNotification(MonitoringAlertNotification, (event) => {
      void this.receive(event);
    });
  }

  /** The rules firing now, as the status item shows them. */
  get status(): AlertStatus {
    return alertStatus([...this.firing.values()]);
  }

  /** Reads which rules fire now (at start, after the server restarted) and shows the status. */
  async refresh(): Promise<void> {
    try {
      const list = await this.client.request(MonitoringListRequest);
      const deployments = new Map(list.monitors.map((m) => [m.name, m.deployment]));
      this.firing.clear();
      for (const rule of list.rules.filter((r) => r.firing)) {
        const deployment = deployments.get(rule.monitor);
        this.firing.set(rule.name, {
          rule: rule.name,
          severity: rule.severity,
          ...(deployment !== undefined ? { deployment } : {}),
        });
      }
    } catch (error) {
      this.host.log(`Sextant: the firing alerts: ${errorMessage(error)}`);
    }
    if (!this.disposed) this.host.status(this.status);
  }

  /** Takes one alert event: the status first, then its notice (once its triggered run is known). */
  async receive(event: MonitoringAlertEvent): Promise<void> {
    if (event.state === 'firing') {
      this.firing.set(event.rule, {
        rule: event.rule,
        severity: event.severity,
        deployment: event.deployment,
      });
    } else {
      this.firing.delete(event.rule);
    }
    this.host.status(this.status);
    const triggeredRun = event.state === 'firing' ? await this.triggeredRun(event.id) : undefined;
    if (this.disposed) return;
    this.host.notify({
      event,
      level:
        event.state !== 'firing' ? 'info' : event.severity === 'critical' ? 'error' : 'warning',
      message: alertMessage(event),
      ...(triggeredRun ? { triggeredRun } : {}),
    });
  }

  /** The pipeline run the alert event triggered, waiting a little for it to start. */
  private async triggeredRun(alertId: number): Promise<TriggeredRunLink | undefined> {
    const deadline = Date.now() + this.options.triggerWaitMs;
    for (;;) {
      try {
        const [run] = (await this.client.request(MonitoringTriggeredRunsRequest, { alertId })).runs;
        if (run) {
          return {
            pipelineRunId: run.pipelineRunId,
            pipeline: run.pipeline,
            file: run.file,
            status: run.status,
          };
        }
      } catch (error) {
        this.host.log(`Sextant: the run alert ${alertId} triggered: ${errorMessage(error)}`);
        return undefined;
      }
      if (this.disposed || Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, this.options.triggerPollMs));
    }
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
  }
}
