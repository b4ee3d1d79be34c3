/** The comparison panel: `media`'s comparison view of some runs, live while they log. */
import {
  MetricsAppendedNotification,
  MetricsHistoryRequest,
  RunsChangedNotification,
  RunsCompareRequest,
} from '@sextant/language-server/dist/protocol';
import { MessageType } from '@sextant/media/dist/lib/entries/jupyterlab';
import { Panel } from '@lumino/widgets';
import type { ISextantConnection } from '../tokens.js';
import { Debouncer } from './debounce.js';
import { MediaView, type MediaViewHost } from './mediaView.js';

/** A main-area panel comparing 1 to 100 runs. */
export class ComparePanel extends Panel {
  private readonly view: MediaView;
  private readonly reload = new Debouncer(() => void this.load(), 300);
  private readonly seriesReload = new Debouncer(() => void this.loadSeries(), 200);

  constructor(
    private readonly connection: ISextantConnection,
    readonly runIds: string[],
    host: MediaViewHost,
  ) {
    super();
    this.id = `sextant-compare-${runIds.join('-').slice(0, 200)}`;
    this.addClass('jp-SextantPanel');
    this.title.label = `Compare ${runIds.length} runs`;
    this.title.closable = true;
    this.view = new MediaView('compare', host);
    this.addWidget(this.view);
    const shown = new Set(runIds);
    const subscriptions = [
      connection.onNotification(RunsChangedNotification, ({ run }) => {
        if (shown.has(run.runId)) this.reload.schedule();
      }),
      connection.onNotification(MetricsAppendedNotification, (params) => {
        if (shown.has(params.runId)) this.seriesReload.schedule();
      }),
    ];
    const onRestart = (): void => this.reload.schedule();
    connection.restarted.connect(onRestart);
    this.disposed.connect(() => {
      for (const s of subscriptions) s.dispose();
      connection.restarted.disconnect(onRestart);
      this.reload.cancel();
      this.seriesReload.cancel();
    });
    void this.load();
  }

  /** Fetches the comparison and every series, and draws them. */
  async load(): Promise<void> {
    try {
      const [compare, history] = await Promise.all([
        this.connection.request(RunsCompareRequest, { runIds: this.runIds }),
        this.connection.request(MetricsHistoryRequest, { runIds: this.runIds }),
      ]);
      if (this.isDisposed) return;
      this.title.caption = compare.runs.map((r) => r.runName).join(', ');
      this.view.send({ type: MessageType.CompareSnapshot, compare, series: history.series });
    } catch (error) {
      this.title.label = 'Compare (error)';
      this.view.node.textContent = `Cannot compare the runs: ${(error as Error).message}`;
    }
  }

  private async loadSeries(): Promise<void> {
    const history = await this.connection.request(MetricsHistoryRequest, { runIds: this.runIds });
    if (!this.isDisposed)
      this.view.send({ type: MessageType.SeriesUpdate, series: history.series });
  }
}
