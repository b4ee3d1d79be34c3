/** The runs table panel: `media`'s runs table of some experiments, live while runs change. */
import { RunsTablePresenter } from '@sextant/media/presenters/runsTable';
import type { ISextantConnection } from '../tokens.js';
import { logToConsole, ViewPanel, type ViewPanelHost } from './mediaView.js';

/** What the runs table asks of its host besides opening a run. */
export interface RunsTablePanelHost extends ViewPanelHost {
  /** Opens the comparison of some runs. */
  compare(runIds: string[]): void;
}

/** A main-area panel with one row per run of some experiments. */
export class RunsTablePanel extends ViewPanel<RunsTablePresenter> {
  protected readonly presenter: RunsTablePresenter;

  constructor(
    connection: ISextantConnection,
    readonly experimentIds: string[],
    host: RunsTablePanelHost,
  ) {
    super(connection, 'runsTable');
    this.id = `sextant-runs-table-${experimentIds.join('-').slice(0, 200)}`;
    this.title.label = 'Runs';
    this.presenter = new RunsTablePresenter(experimentIds, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (runId) => host.openRun(runId),
      compare: (runIds) => host.compare(runIds),
      shown: (names) => {
        this.title.label = `Runs: ${names.join(', ')}`;
        this.title.caption = `Sextant runs of ${names.join(', ')}`;
      },
      failed: (error) => {
        this.title.label = 'Runs (error)';
        this.view.node.textContent = `Cannot load the runs: ${(error as Error).message}`;
      },
    });
    this.mount();
  }
}
