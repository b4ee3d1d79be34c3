/** The comparison panel: `media`'s comparison view of some runs, live while they log. */
import { MetricsHistoryRequest, RunsCompareRequest } from '@sextant/language-server/dist/protocol';
import { MessageType } from '@sextant/media/dist/lib/entries/jupyterlab';
import type { ISextantConnection } from '../tokens.js';
import { LiveRunsPanel } from './liveRunsPanel.js';
import type { MediaViewHost } from './mediaView.js';

/** A main-area panel comparing 1 to 100 runs. */
export class ComparePanel extends LiveRunsPanel {
  constructor(
    connection: ISextantConnection,
    readonly runIds: string[],
    host: MediaViewHost,
  ) {
    super(connection, runIds, 'compare', host);
    this.id = `sextant-compare-${runIds.join('-').slice(0, 200)}`;
    this.title.label = `Compare ${runIds.length} runs`;
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
}
