/**
 * What the run and comparison presenters share: the view follows some runs, so a change of one of
 * them (`sextant/runs/changed`) brings a new snapshot, and new points (`sextant/metrics/appended`)
 * bring fresh versions of only the series that grew, each downsampled to the point budget.
 */
import {
  MetricsAppendedNotification,
  MetricsHistoryRequest,
  RunsChangedNotification,
  type MetricsAppendedParams,
} from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { SnapshotPresenter, sextantFailure, type PresenterHost } from './presenter';
import { SerialTask } from './serialTask';

/** Most points per series when the IDE has no setting for it (the server's default too). */
export const DEFAULT_POINT_BUDGET = 1000;

/** What a view of runs asks of its IDE adapter. */
export interface RunsViewHost extends PresenterHost {
  /** Opens one run in its own view. */
  openRun(runId: string): void;
  /** Saves text (a CSV export) to a file the user picks. */
  saveFile(fileName: string, content: string): void;
  /** Most points per series (a setting); {@link DEFAULT_POINT_BUDGET} when absent. */
  budget?(): number;
}

/** A presenter of a view that shows some runs live. */
export abstract class LiveRunsPresenter extends SnapshotPresenter {
  private readonly pendingKeys = new Map<string, Set<string>>();
  private readonly series: SerialTask;

  constructor(
    protected readonly client: SextantClient,
    protected override readonly host: RunsViewHost,
  ) {
    super(host);
    this.series = new SerialTask(
      () => this.pushSeries(),
      (error) => host.log(sextantFailure(error)),
    );
    this.subscriptions.push(
      client.onNotification(
        MetricsAppendedNotification,
        (event) => void this.metricsAppended(event),
      ),
      client.onNotification(RunsChangedNotification, ({ run }) => {
        if (this.ready && this.runIds.includes(run.runId)) void this.snapshot.request();
      }),
    );
  }

  /** The runs the view shows. */
  abstract get runIds(): string[];

  /** The view's own messages other than opening a run and saving a file. */
  protected abstract handleRuns(message: ViewMessage): Promise<boolean>;

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.OpenRun:
        this.host.openRun(message.runId);
        return true;
      case MessageType.SaveFile:
        this.host.saveFile(message.fileName, message.content);
        return true;
      default:
        return this.handleRuns(message);
    }
  }

  /** The point budget of every series request. */
  protected get budget(): number {
    return this.host.budget?.() ?? DEFAULT_POINT_BUDGET;
  }

  /** Asks for the series of a shown run that received points; resolves once pushed. */
  metricsAppended(event: MetricsAppendedParams): Promise<void> {
    if (!this.ready || !this.runIds.includes(event.runId)) return Promise.resolve();
    const keys = this.pendingKeys.get(event.runId) ?? new Set<string>();
    for (const key of event.keys) keys.add(key);
    this.pendingKeys.set(event.runId, keys);
    return this.series.request();
  }

  private async pushSeries(): Promise<void> {
    const pending = [...this.pendingKeys];
    this.pendingKeys.clear();
    const budget = this.budget;
    const results = await Promise.all(
      pending.map(([runId, keys]) =>
        this.client.request(MetricsHistoryRequest, { runIds: [runId], keys: [...keys], budget }),
      ),
    );
    const series = results.flatMap((r) => r.series);
    if (series.length > 0) this.post({ type: MessageType.SeriesUpdate, series });
  }
}
