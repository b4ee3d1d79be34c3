/**
 * What the run and comparison panels share: a main-area panel hosting one `media` view of some
 * runs, redrawn when one of them changes (`load`) or logs new points (their series only), and
 * after the language server restarts.
 */
import {
  MetricsAppendedNotification,
  MetricsHistoryRequest,
  RunsChangedNotification,
} from '@sextant/language-server/dist/protocol';
import {
  MessageType,
  type ViewKind,
  type ViewMessage,
} from '@sextant/media/dist/lib/entries/jupyterlab';
import { Panel } from '@lumino/widgets';
import type { ISextantConnection } from '../tokens.js';
import { Debouncer } from './debounce.js';
import { MediaView, type MediaViewHost } from './mediaView.js';

/** A panel of a `media` view that follows the runs `watched`; subclasses draw it in `load`. */
export abstract class LiveRunsPanel extends Panel {
  protected readonly view: MediaView;
  private readonly reload = new Debouncer(() => void this.load(), 300);
  private readonly seriesReload = new Debouncer(() => void this.loadSeries(), 200);

  protected constructor(
    protected readonly connection: ISextantConnection,
    private readonly watched: readonly string[],
    kind: ViewKind,
    private readonly host: MediaViewHost,
  ) {
    super();
    this.addClass('jp-SextantPanel');
    this.title.closable = true;
    this.view = new MediaView(kind, {
      openRun: (runId) => host.openRun(runId),
      receive: (message) => this.receive(message),
    });
    this.addWidget(this.view);
    const shown = new Set(watched);
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
  }

  /** Fetches what the panel shows and draws it. */
  abstract load(): Promise<void>;

  /** The view's messages other than opening a run, saving a file or an error. */
  protected receive(message: ViewMessage): void {
    if (this.host.receive) this.host.receive(message);
    else if (message.type !== MessageType.Ready) {
      console.warn('sextant: ignored a view message', message.type);
    }
  }

  private async loadSeries(): Promise<void> {
    const history = await this.connection.request(MetricsHistoryRequest, {
      runIds: [...this.watched],
    });
    if (!this.isDisposed)
      this.view.send({ type: MessageType.SeriesUpdate, series: history.series });
  }
}
