/** The experiment report: `media`'s online experiment view of one deployment, in the main area. */
import { errorMessage } from '@sextant/media/client';
import { ExperimentReportPresenter } from '@sextant/media/presenters/onlineExperiment';
import type { ISextantConnection } from '../tokens.js';
import { logToConsole, ViewPanel } from '../views/mediaView.js';

/** What the report asks of the plugin that opens it. */
export interface ExperimentReportHost {
  /** Tells the user an action ended (done or failed). */
  notify(level: 'info' | 'error', message: string): void;
}

/** A main-area panel showing one deployment's experiment report. */
export class ExperimentReportPanel extends ViewPanel<ExperimentReportPresenter> {
  protected readonly presenter: ExperimentReportPresenter;

  constructor(
    connection: ISextantConnection,
    readonly deployment: string,
    host: ExperimentReportHost,
  ) {
    super(connection, 'onlineExperiment');
    this.id = `sextant-experiment-${encodeURIComponent(deployment)}`;
    this.title.label = `Experiment ${deployment}`;
    this.presenter = new ExperimentReportPresenter(deployment, connection, {
      post: this.post,
      log: logToConsole,
      notify: (level, message) => host.notify(level, message),
      shown: (name, report) => {
        this.title.caption = report
          ? `Sextant experiment of ${name}: ${report.type === 'ab' ? 'A/B test' : 'bandit'} on ${report.metric}`
          : `Sextant: ${name} has no online experiment`;
      },
      failed: (error) => {
        this.title.label = `Experiment ${deployment} (error)`;
        this.view.node.textContent = `Cannot show the experiment of ${deployment}: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }
}
