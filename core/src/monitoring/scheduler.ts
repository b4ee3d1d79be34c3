/**
 * Scheduled monitoring, hosted by `sextant deploy up`: the process that serves a deployment is
 * the one that runs as long as its traffic flows, writes its inference log and answers its
 * `/metrics`, so it checks the deployment's monitors every `every` and sets their gauges there.
 * (The language server's engine comes and goes with an editor window, so it only reads the
 * windows and alerts this writes.) Checks are in the store, so a restart carries on from the
 * last window checked.
 */
import type { Registry } from 'prom-client';
import type { AlertEvent } from './monitorStore';
import type { MonitorSpec } from './monitorSpec';
import { MonitorGauges } from './prometheus';
import type { AlertRule } from './rules';
import type { CheckResult, MonitoringService } from './service';

/** Options of {@link MonitorScheduler}. */
export interface SchedulerOptions {
  /** Where the gauges go (the deployment's metrics registry). */
  registry?: Registry;
  /** Told of every checked window. */
  onWindow?(result: CheckResult): void;
  /** Told of every alert that fires or resolves. */
  onAlert?(event: AlertEvent): void;
  onError?(monitor: string, error: Error): void;
}

/** Checks monitors on their schedules until stopped. */
export class MonitorScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly gauges: MonitorGauges | undefined;

  constructor(
    private readonly service: MonitoringService,
    private readonly monitors: readonly MonitorSpec[],
    private readonly rules: readonly AlertRule[],
    private readonly options: SchedulerOptions = {},
  ) {
    this.gauges = options.registry ? new MonitorGauges(options.registry) : undefined;
  }

  /** Starts a timer per monitor. */
  start(): void {
    for (const spec of this.monitors) {
      const timer = setInterval(() => this.tick(spec), spec.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Checks the windows of a monitor that are due now. */
  tick(spec: MonitorSpec, now = Date.now()): CheckResult[] {
    try {
      const results = this.service.checkDue(spec, this.rules, now);
      for (const result of results) {
        this.gauges?.observe(result.window);
        this.options.onWindow?.(result);
        for (const event of result.alerts) this.options.onAlert?.(event);
      }
      return results;
    } catch (error) {
      this.options.onError?.(spec.name, error as Error);
      return [];
    }
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }
}
