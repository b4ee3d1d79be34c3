/** The comparison panel: `media`'s comparison view of some runs, live while they log. */
import { ComparePresenter } from '@sextant/media/presenters/compare';
import type { ISextantConnection } from '../tokens.js';
import { download, logToConsole, ViewPanel, type ViewPanelHost } from './mediaView.js';

/** A main-area panel comparing 1 to 100 runs. */
export class ComparePanel extends ViewPanel<ComparePresenter> {
  protected readonly presenter: ComparePresenter;

  constructor(
    connection: ISextantConnection,
    readonly runIds: string[],
    host: ViewPanelHost,
  ) {
    super(connection, 'compare');
    this.id = `sextant-compare-${runIds.join('-').slice(0, 200)}`;
    this.title.label = `Compare ${runIds.length} runs`;
    this.presenter = new ComparePresenter(runIds, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (runId) => host.openRun(runId),
      saveFile: download,
      compared: (compare) => {
        this.title.caption = compare.runs.map((r) => r.runName).join(', ');
      },
      failed: (error) => {
        this.title.label = 'Compare (error)';
        this.view.node.textContent = `Cannot compare the runs: ${(error as Error).message}`;
      },
    });
    this.mount();
  }
}
