import { Cron } from 'croner';
import type {
  PipelineEvent,
  PipelineRun,
  ResolvedPipeline,
  TriggerRecord,
  TriggerSpec,
} from '../../model/pipeline';
import type { PipelineRunner } from '../api';
import { alertTrigger, type FiredAlert } from './alertCause';
import { outputsOf, watchFiles, type FileWatch } from './files';

/** Options of {@link TriggerService}. */
export interface TriggerServiceOptions {
  /** Absolute folders whose changes never trigger a run (the store, environment caches). */
  ignore?: string[];
  /**
   * Firing monitoring alerts (the engine's `monitoring.alertFeed()`), for `on: alert: <rule>`
   * triggers; without it those triggers never fire.
   */
  alerts?: AlertSource;
  /** Where problems go (a run that could not start, a watcher error); default: stderr. */
  onError?(message: string): void;
}

export type { FiredAlert } from './alertCause';

/** Where firing alerts come from (monitoring's alert feed). */
export interface AlertSource {
  subscribe(listener: (alert: FiredAlert) => void): () => void;
}

/** The triggered runs of one pipeline: the one running, and at most one waiting. */
interface Lane {
  pipeline: ResolvedPipeline;
  running: boolean;
  waiting?: TriggerRecord;
}

const keyOf = (pipeline: { file: string; name: string }): string =>
  `${pipeline.file}\n${pipeline.name}`;

/** Which outcomes of an upstream run a `pipeline` trigger fires on. */
function firesOn(on: 'success' | 'failure' | 'any', run: PipelineRun): boolean {
  if (run.status === 'done') return on !== 'failure';
  if (run.status === 'failed') return on !== 'success';
  return false;
}

/**
 * Starts pipelines when their triggers fire: file changes under given paths (debounced), cron
 * schedules, and the end of another pipeline's run. Webhooks come in through the HTTP server.
 * Each triggered run records what triggered it. A pipeline has at most one triggered run at a
 * time: a trigger that fires while one runs queues one more run, however often it fires.
 */
export class TriggerService {
  private pipelines: ResolvedPipeline[];
  private readonly lanes = new Map<string, Lane>();
  private watches: FileWatch[] = [];
  private crons: Cron[] = [];
  private alertSubscription: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private active = false;
  private readonly report: (message: string) => void;

  constructor(
    private readonly runner: PipelineRunner,
    pipelines: ResolvedPipeline[],
    private readonly options: TriggerServiceOptions = {},
  ) {
    this.pipelines = pipelines;
    this.report =
      options.onError ?? ((message) => process.stderr.write(`sextant triggers: ${message}\n`));
  }

  /** Starts watching files, the schedules and upstream runs; resolves once watchers are ready. */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.unsubscribe = this.runner.onEvent((event) => this.onRunnerEvent(event));
    await this.arm();
  }

  /** Stops every trigger; runs already started go on, queued ones are dropped. */
  async stop(): Promise<void> {
    this.active = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.disarm();
    for (const lane of this.lanes.values()) delete lane.waiting;
  }

  /** Replaces the pipelines (a pipeline file changed); runs in progress are kept track of. */
  async reload(pipelines: ResolvedPipeline[]): Promise<void> {
    this.pipelines = pipelines;
    const keys = new Set(pipelines.map(keyOf));
    for (const [key, lane] of this.lanes) {
      if (!keys.has(key)) delete lane.waiting;
      if (!keys.has(key) && !lane.running) this.lanes.delete(key);
    }
    if (!this.active) return;
    await this.disarm();
    await this.arm();
  }

  /**
   * Starts a triggered run of `pipeline`, or queues one if a triggered run of it is in progress.
   * Returns whether a run was started now (false: queued).
   */
  fire(pipeline: ResolvedPipeline, trigger: TriggerRecord): boolean {
    const key = keyOf(pipeline);
    const lane = this.lanes.get(key) ?? { pipeline, running: false };
    lane.pipeline = pipeline;
    this.lanes.set(key, lane);
    if (lane.running) {
      lane.waiting = trigger;
      return false;
    }
    lane.running = true;
    void this.runner
      .start(pipeline.file, pipeline.name, { trigger })
      .then(({ finished }) => finished)
      .catch((error: Error) =>
        this.report(`pipeline '${pipeline.name}' (${trigger.kind} trigger): ${error.message}`),
      )
      .finally(() => {
        lane.running = false;
        const next = lane.waiting;
        delete lane.waiting;
        if (next && this.active) this.fire(lane.pipeline, next);
      });
    return true;
  }

  private async arm(): Promise<void> {
    const ignore = [...(this.options.ignore ?? []), ...outputsOf(this.pipelines)];
    for (const pipeline of this.pipelines) {
      for (const trigger of pipeline.triggers) await this.armOne(pipeline, trigger, ignore);
    }
    const onAlert = this.pipelines.some((p) => p.triggers.some((t) => t.kind === 'alert'));
    if (onAlert && this.options.alerts) {
      this.alertSubscription = this.options.alerts.subscribe((alert) => this.onAlert(alert));
    }
  }

  /** Starts the pipelines whose `alert` trigger names the rule that fired. */
  private onAlert(alert: FiredAlert): void {
    if (!this.active) return;
    for (const pipeline of this.pipelines) {
      if (pipeline.triggers.some((t) => t.kind === 'alert' && t.rule === alert.rule)) {
        this.fire(pipeline, alertTrigger(alert));
      }
    }
  }

  private async armOne(
    pipeline: ResolvedPipeline,
    trigger: TriggerSpec,
    ignore: string[],
  ): Promise<void> {
    const problem = (error: unknown): void =>
      this.report(
        `pipeline '${pipeline.name}': ${trigger.kind} trigger: ${(error as Error).message}`,
      );
    try {
      if (trigger.kind === 'files') {
        this.watches.push(
          await watchFiles({
            root: pipeline.root,
            paths: trigger.paths,
            ignore,
            debounceMs: trigger.debounceMs,
            onChange: (changed) =>
              this.fire(pipeline, {
                kind: 'files',
                detail:
                  changed.length > 1
                    ? `${changed[0]} and ${changed.length - 1} more`
                    : (changed[0] ?? ''),
              }),
            onError: problem,
          }),
        );
      } else if (trigger.kind === 'cron') {
        const detail = trigger.timezone
          ? `${trigger.schedule} (${trigger.timezone})`
          : trigger.schedule;
        this.crons.push(
          new Cron(
            trigger.schedule,
            { ...(trigger.timezone ? { timezone: trigger.timezone } : {}) },
            () => {
              this.fire(pipeline, { kind: 'cron', detail });
            },
          ),
        );
      }
    } catch (error) {
      problem(error);
    }
  }

  private async disarm(): Promise<void> {
    for (const cron of this.crons) cron.stop();
    this.crons = [];
    this.alertSubscription?.();
    this.alertSubscription = undefined;
    const watches = this.watches;
    this.watches = [];
    await Promise.all(watches.map((watch) => watch.close()));
  }

  private onRunnerEvent(event: PipelineEvent): void {
    if (event.type !== 'run-finished' || !this.active) return;
    const upstream = event.run;
    for (const pipeline of this.pipelines) {
      if (pipeline.name === upstream.pipeline && pipeline.file === upstream.file) continue;
      for (const trigger of pipeline.triggers) {
        if (
          trigger.kind === 'pipeline' &&
          trigger.pipeline === upstream.pipeline &&
          this.sameFileOrOnly(pipeline, upstream) &&
          firesOn(trigger.on, upstream)
        ) {
          this.fire(pipeline, {
            kind: 'pipeline',
            detail: `${upstream.pipeline} ${upstream.status} (${upstream.pipelineRunId})`,
          });
        }
      }
    }
  }

  /**
   * Whether `upstream` is the pipeline a trigger of `pipeline` names: one of the same file when
   * that file has a pipeline of that name, else one of that name in any file.
   */
  private sameFileOrOnly(pipeline: ResolvedPipeline, upstream: PipelineRun): boolean {
    if (upstream.file === pipeline.file) return true;
    return !this.pipelines.some((p) => p.file === pipeline.file && p.name === upstream.pipeline);
  }
}
