import type { Engine, TrackingEvents } from '@sextant/core';
import type { Connection } from 'vscode-languageserver/node';
import { KeyedThrottle } from './throttle';
import {
  ExperimentsChangedNotification,
  MetricsAppendedNotification,
  RunsChangedNotification,
} from './protocol';
import { runSummary } from './summaries';

/** Default least time between two notifications about the same run or experiment. */
export const NOTIFY_INTERVAL_MS = 100;

type Listener<E extends keyof TrackingEvents> = (...args: TrackingEvents[E]) => void;

/**
 * Turns one engine's tracking events into `sextant/runs/changed`, `sextant/metrics/appended` and
 * `sextant/experiments/changed` notifications on one connection, coalesced per run and per
 * experiment so a fast training loop cannot flood the client.
 */
export class LiveUpdates {
  private disposed = false;
  private readonly runs: KeyedThrottle;
  private readonly metrics: KeyedThrottle;
  private readonly experiments: KeyedThrottle;
  private readonly onRun: Listener<'runChanged'> = (e) => this.runs.add(e.runId);
  private readonly onMetrics: Listener<'metricsAppended'> = (e) =>
    this.metrics.add(e.runId, e.keys);
  private readonly onExperiment: Listener<'experimentChanged'> = (e) =>
    this.experiments.add(e.experimentId);

  constructor(
    private readonly connection: Connection,
    private readonly engine: Engine,
    intervalMs = NOTIFY_INTERVAL_MS,
  ) {
    this.runs = new KeyedThrottle(intervalMs, (runId) => this.send(() => this.runChanged(runId)));
    this.metrics = new KeyedThrottle(intervalMs, (runId, keys) =>
      this.send(() => this.metricsAppended(runId, keys)),
    );
    this.experiments = new KeyedThrottle(intervalMs, (experimentId) =>
      this.send(() =>
        this.connection.sendNotification(ExperimentsChangedNotification, { experimentId }),
      ),
    );
    const events = engine.tracking.events;
    events.on('runChanged', this.onRun);
    events.on('metricsAppended', this.onMetrics);
    events.on('experimentChanged', this.onExperiment);
  }

  /** Stops listening; pending notifications are dropped. */
  dispose(): void {
    this.disposed = true;
    const events = this.engine.tracking.events;
    events.off('runChanged', this.onRun);
    events.off('metricsAppended', this.onMetrics);
    events.off('experimentChanged', this.onExperiment);
    this.runs.dispose();
    this.metrics.dispose();
    this.experiments.dispose();
  }

  private async runChanged(runId: string): Promise<void> {
    const run = await this.engine.tracking.getRun(runId);
    if (this.disposed) return;
    await this.connection.sendNotification(RunsChangedNotification, { run: runSummary(run) });
  }

  private async metricsAppended(runId: string, keys: Set<string>): Promise<void> {
    const run = await this.engine.tracking.getRun(runId);
    if (this.disposed) return;
    await this.connection.sendNotification(MetricsAppendedNotification, {
      runId,
      experimentId: run.info.experimentId,
      keys: [...keys].sort(),
      latest: run.data.metrics.filter((m) => keys.has(m.key)),
    });
  }

  private send(notify: () => Promise<void>): void {
    if (this.disposed) return;
    notify().catch((error: unknown) => {
      if (!this.disposed) {
        this.connection.console.warn(`sextant: a live update was lost: ${String(error)}`);
      }
    });
  }
}
