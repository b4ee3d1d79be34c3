/**
 * The host side of the runs table, in both IDEs: one row per run of some experiments, filtered
 * with MLflow's syntax and sorted by any column (by the server through `order_by` where MLflow
 * can, here otherwise). A refused filter keeps the last good rows and says why in one line. The
 * keys and values the column chooser and the search box's completion offer come from every run
 * of the experiments, unfiltered. A change of a run of the experiments brings a new snapshot.
 */
import {
  ExperimentsListRequest,
  RunsChangedNotification,
  RunsSearchRequest,
  type RunSummary,
} from '@sextant/language-server/protocol';
import { errorMessage, type SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import {
  DEFAULT_SORT,
  defaultColumns,
  keysOf,
  orderByOf,
  sortRows,
  valuesOf,
  type ColumnId,
  type ColumnKeys,
  type TableSort,
} from '../runsTable/columns';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** Most runs the table loads. */
export const MAX_TABLE_RUNS = 50_000;
const PAGE_SIZE = 10_000;

/** What the runs table asks of its IDE adapter. */
export interface RunsTableHost extends PresenterHost {
  /** Opens one run in its own view. */
  openRun(runId: string): void;
  /** Opens the comparison of some runs. */
  compare(runIds: string[]): void;
  /** A snapshot went to the view (the adapter may name its panel after the experiments). */
  shown?(experiments: string[]): void;
}

/** The experiments of a runs table restored after a reload, from the state the view saved. */
export function restoredRunsTable(state: unknown): string[] | undefined {
  const saved = (state ?? {}) as { experimentIds?: unknown };
  return Array.isArray(saved.experimentIds) && saved.experimentIds.length > 0
    ? saved.experimentIds.map(String)
    : undefined;
}

/** MLflow's message on one line, without the repeats some errors carry. */
export function oneLine(message: string): string {
  const lines = [...new Set(message.split(/\r?\n/).map((l) => l.trim()))].filter(Boolean);
  return lines.join(' ').replace(/\s+/g, ' ');
}

/** Drives one runs table. */
export class RunsTablePresenter extends SnapshotPresenter {
  private filter = '';
  private sort: TableSort = DEFAULT_SORT;
  private catalogue:
    { keys: ColumnKeys; values: Record<ColumnId, string[]>; defaults: ColumnId[] } | undefined;
  private lastRuns: RunSummary[] = [];
  private lastTruncated = false;

  constructor(
    private shownExperiments: string[],
    private readonly client: SextantClient,
    protected override readonly host: RunsTableHost,
  ) {
    super(host);
    this.subscriptions.push(
      client.onNotification(RunsChangedNotification, ({ run }) => {
        if (!this.shownExperiments.includes(run.experimentId)) return;
        this.catalogue = undefined;
        if (this.ready) void this.snapshot.request();
      }),
    );
  }

  /** The experiments whose runs the table shows. */
  get experimentIds(): string[] {
    return this.shownExperiments;
  }

  /** Shows the runs of other experiments; pushes their snapshot once the view is ready. */
  show(experimentIds: string[]): Promise<void> {
    this.shownExperiments = experimentIds;
    this.catalogue = undefined;
    return this.refresh();
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.QueryRuns:
        this.filter = message.filter.trim();
        this.sort = message.sort;
        await this.snapshot.request();
        return true;
      case MessageType.CompareRuns:
        this.host.compare(message.runIds);
        return true;
      case MessageType.OpenRun:
        this.host.openRun(message.runId);
        return true;
      default:
        return false;
    }
  }

  /** Every run of the experiments matching `filter`, in MLflow's `orderBy`, up to the cap. */
  private async load(
    filter: string,
    orderBy: string | undefined,
  ): Promise<{ runs: RunSummary[]; truncated: boolean }> {
    const runs: RunSummary[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.request(RunsSearchRequest, {
        experimentIds: this.shownExperiments,
        ...(filter ? { filter } : {}),
        ...(orderBy ? { orderBy: [orderBy] } : {}),
        maxResults: Math.min(PAGE_SIZE, MAX_TABLE_RUNS - runs.length),
        withData: true,
        ...(pageToken ? { pageToken } : {}),
      });
      runs.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken && runs.length < MAX_TABLE_RUNS);
    return { runs, truncated: pageToken !== undefined };
  }

  protected async pushSnapshot(): Promise<void> {
    const experimentIds = this.shownExperiments;
    const { experiments } = await this.client.request(ExperimentsListRequest, {});
    const names = experimentIds.map(
      (id) => experiments.find((e) => e.experimentId === id)?.name ?? id,
    );
    if (!this.catalogue) {
      const all = await this.load('', undefined);
      const keys = keysOf(all.runs);
      this.catalogue = {
        keys,
        values: valuesOf(all.runs),
        defaults: defaultColumns(all.runs, keys),
      };
    }
    const { filter, sort } = this;
    const orderBy = orderByOf(sort);
    let error: string | undefined;
    try {
      const loaded = await this.load(filter, orderBy);
      this.lastRuns = orderBy ? loaded.runs : sortRows(loaded.runs, sort, Date.now());
      this.lastTruncated = loaded.truncated;
    } catch (failure) {
      error = oneLine(errorMessage(failure));
    }
    this.post({
      type: MessageType.RunsTableSnapshot,
      experimentIds,
      experiments: names,
      runs: this.lastRuns,
      truncated: this.lastTruncated,
      keys: this.catalogue.keys,
      values: this.catalogue.values,
      defaultColumns: this.catalogue.defaults,
      filter,
      sort,
      ...(error ? { error } : {}),
    });
    this.host.shown?.(names);
  }
}
