/**
 * The host side of a deployment's monitoring dashboard, in both IDEs: answers `ready` with the
 * deployment's monitors, the shown monitor's checked windows (the drift heatmap, performance and
 * SLO figures per window), the alert timeline with the pipeline runs the alerts triggered, and the
 * reference vs current histogram of one feature; follows `sextant/monitoring/alert` and checks for
 * new windows while open; carries out the view's picks.
 */
import {
  MonitoringAlertNotification,
  MonitoringAlertsRequest,
  MonitoringHistogramRequest,
  MonitoringListRequest,
  MonitoringTriggeredRunsRequest,
  MonitoringWindowsRequest,
  type MonitoringAlertEvent,
  type MonitoringWindow,
} from '@sextant/language-server/protocol';
import { errorMessage, type SextantClient } from '../client';
import {
  MessageType,
  type MonitoringHistogramShown,
  type MonitoringSnapshot,
  type TriggeredRunLink,
  type ViewMessage,
} from '../contract';
import { featureToShow } from '../monitoring';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** What the monitoring dashboard asks of its IDE adapter. */
export interface MonitoringViewHost extends PresenterHost {
  /** Opens a pipeline run (its page) that an alert triggered. */
  openPipelineRun(run: TriggeredRunLink): void;
}

/** Options of {@link MonitoringPresenter}. */
export interface MonitoringPresenterOptions {
  /** How often the dashboard looks for newly checked windows while open, in ms; 0: never. */
  pollIntervalMs?: number;
  /** Windows shown (the newest). */
  windowLimit?: number;
  /** Alert events shown per monitor (the oldest first). */
  alertLimit?: number;
  /** The newest firing events whose triggered pipeline runs are looked up. */
  triggeredLookups?: number;
  /** Bins of a numerical feature's histogram. */
  bins?: number;
}

/** The deployment a dashboard restored after a reload shows, from the state the view saved. */
export function restoredMonitoring(state: unknown): string | undefined {
  const saved = (state ?? {}) as { deployment?: unknown };
  return typeof saved.deployment === 'string' && saved.deployment !== ''
    ? saved.deployment
    : undefined;
}

/** The newest firing alerts whose triggered pipeline run the dashboard keeps looking for. */
const AWAITED_RUNS = 3;

/** Drives one monitoring dashboard. */
export class MonitoringPresenter extends SnapshotPresenter {
  private monitor: string | undefined;
  /** The newest firing alerts that had started no pipeline run at the last snapshot. */
  private awaitingRuns: number[] = [];
  /** The names of the deployment's monitors at the last snapshot. */
  private monitors: string[] = [];
  private feature: string | undefined;
  /** The window of the histogram shown; absent: the newest. */
  private histogramWindow: number | undefined;
  /** The newest window and alert the view has, to push a snapshot only when they changed. */
  private seen = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly options: Required<MonitoringPresenterOptions>;

  constructor(
    private shownDeployment: string,
    private readonly client: SextantClient,
    protected override readonly host: MonitoringViewHost,
    options: MonitoringPresenterOptions = {},
  ) {
    super(host);
    this.options = {
      pollIntervalMs: 5000,
      windowLimit: 50,
      alertLimit: 1000,
      triggeredLookups: 20,
      bins: 20,
      ...options,
    };
    this.subscriptions.push(
      client.onNotification(MonitoringAlertNotification, (event) => {
        if (event.deployment === this.shownDeployment) void this.refresh();
      }),
    );
  }

  get deployment(): string {
    return this.shownDeployment;
  }

  /** Shows another deployment; pushes its snapshot once the view is ready. */
  show(deployment: string): Promise<void> {
    if (deployment !== this.shownDeployment) {
      this.shownDeployment = deployment;
      this.monitor = undefined;
      this.feature = undefined;
      this.histogramWindow = undefined;
    }
    return this.refresh();
  }

  protected async pushSnapshot(): Promise<void> {
    const deployment = this.shownDeployment;
    const list = await this.client.request(MonitoringListRequest);
    const monitors = list.monitors.filter((m) => m.deployment === deployment);
    const names = new Set(monitors.map((m) => m.name));
    this.monitors = [...names];
    if (!this.monitor || !names.has(this.monitor)) this.monitor = monitors[0]?.name;
    const monitor = this.monitor;
    const [heatmap, alerts] = await Promise.all([
      monitor
        ? this.client.request(MonitoringWindowsRequest, {
            monitor,
            limit: this.options.windowLimit,
          })
        : Promise.resolve({ monitor: '', features: [], windows: [] }),
      this.alertsOf([...names]),
    ]);
    const triggered = await this.triggeredRuns(alerts.filter((e) => e.state === 'firing'));
    if (!this.feature || !heatmap.features.includes(this.feature)) {
      this.feature = featureToShow(heatmap.windows);
      this.histogramWindow = undefined;
    }
    const histogram = await this.histogram(heatmap.windows);
    const snapshot: MonitoringSnapshot = {
      type: MessageType.MonitoringSnapshot,
      deployment,
      monitors,
      rules: list.rules.filter((r) => names.has(r.monitor)),
      ...(monitor ? { monitor } : {}),
      features: heatmap.features,
      windows: heatmap.windows,
      alerts,
      triggered,
      ...(histogram ? { histogram } : {}),
    };
    this.seen = this.stamp(heatmap.windows, alerts);
    this.awaitingRuns = alerts
      .filter((e) => e.state === 'firing' && !triggered[e.id])
      .slice(-AWAITED_RUNS)
      .map((e) => e.id);
    this.post(snapshot);
    this.schedule();
  }

  /** The alert events of the deployment's monitors, oldest first. */
  private async alertsOf(monitors: readonly string[]): Promise<MonitoringAlertEvent[]> {
    const lists = await Promise.all(
      monitors.map((monitor) =>
        this.client
          .request(MonitoringAlertsRequest, { monitor, limit: this.options.alertLimit })
          .then((r) => r.events),
      ),
    );
    return lists.flat().sort((a, b) => a.id - b.id);
  }

  /** The pipeline runs the newest firing events triggered, by event id. */
  private async triggeredRuns(
    firing: readonly { id: number }[],
  ): Promise<Record<number, TriggeredRunLink>> {
    const newest = firing.slice(-this.options.triggeredLookups);
    const found = await Promise.all(
      newest.map((event) =>
        this.client
          .request(MonitoringTriggeredRunsRequest, { alertId: event.id })
          .then((r) => [event.id, r.runs[0]] as const),
      ),
    );
    const links: Record<number, TriggeredRunLink> = {};
    for (const [id, run] of found) {
      if (run) {
        links[id] = {
          pipelineRunId: run.pipelineRunId,
          pipeline: run.pipeline,
          file: run.file,
          status: run.status,
        };
      }
    }
    return links;
  }

  /** The histogram of the feature shown in its window (the newest unless one was picked). */
  private async histogram(
    windows: readonly MonitoringWindow[],
  ): Promise<MonitoringHistogramShown | undefined> {
    const feature = this.feature;
    const ids = new Set(windows.map((w) => w.id));
    if (this.histogramWindow !== undefined && !ids.has(this.histogramWindow)) {
      this.histogramWindow = undefined;
    }
    const window = this.histogramWindow ?? windows[windows.length - 1]?.id;
    if (feature === undefined || window === undefined) return undefined;
    try {
      const histogram = await this.client.request(MonitoringHistogramRequest, {
        window,
        feature,
        bins: this.options.bins,
      });
      return { type: MessageType.MonitoringHistogramShown, feature, window, histogram };
    } catch (error) {
      return {
        type: MessageType.MonitoringHistogramShown,
        feature,
        window,
        error: errorMessage(error),
      };
    }
  }

  private stamp(windows: readonly MonitoringWindow[], alerts: readonly { id: number }[]): string {
    return `${this.monitor ?? ''}:${windows[windows.length - 1]?.id ?? 0}:${alerts[alerts.length - 1]?.id ?? 0}`;
  }

  /** Looks for newly checked windows while the view is open. */
  private schedule(): void {
    const every = this.options.pollIntervalMs;
    if (every > 0 && !this.timer) this.timer = setInterval(() => void this.poll(), every);
  }

  /** Pushes a fresh snapshot when a window was checked or an alert recorded since the last one. */
  async poll(): Promise<void> {
    if (!this.ready) return;
    try {
      const monitor = this.monitor;
      const [heatmap, alerts] = await Promise.all([
        monitor
          ? this.client.request(MonitoringWindowsRequest, { monitor, limit: 1 })
          : Promise.resolve({ windows: [] }),
        this.alertsOf(this.monitors),
      ]);
      if (this.stamp(heatmap.windows, alerts) !== this.seen) {
        await this.snapshot.request();
        return;
      }
      // A pipeline run an alert triggers starts a moment after the alert: look for it again.
      const started = await Promise.all(
        this.awaitingRuns.map((alertId) =>
          this.client
            .request(MonitoringTriggeredRunsRequest, { alertId })
            .then((r) => r.runs.length > 0),
        ),
      );
      if (started.some(Boolean)) await this.snapshot.request();
    } catch (error) {
      this.host.log(`Sextant: monitoring of ${this.shownDeployment}: ${errorMessage(error)}`);
    }
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.SelectMonitor:
        this.monitor = message.monitor;
        this.feature = undefined;
        this.histogramWindow = undefined;
        await this.snapshot.request();
        return true;
      case MessageType.SelectMonitoringFeature: {
        this.feature = message.feature;
        this.histogramWindow = message.window;
        const monitor = this.monitor;
        if (!monitor) return true;
        const { windows } = await this.client.request(MonitoringWindowsRequest, {
          monitor,
          limit: this.options.windowLimit,
        });
        const histogram = await this.histogram(windows);
        if (histogram) this.post(histogram);
        return true;
      }
      case MessageType.OpenTriggeredRun:
        this.host.openPipelineRun(message.run);
        return true;
      default:
        return false;
    }
  }

  override dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    super.dispose();
  }
}
