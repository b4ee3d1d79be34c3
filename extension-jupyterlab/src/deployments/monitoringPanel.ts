/** The monitoring dashboard: `media`'s monitoring view of one deployment, in the main area. */
import { errorMessage } from '@sextant/media/client';
import type { TriggeredRunLink } from '@sextant/media/contract';
import { MonitoringPresenter } from '@sextant/media/presenters/monitoring';
import type { ISextantConnection } from '../tokens.js';
import { logToConsole, ViewPanel } from '../views/mediaView.js';

/** A main-area panel showing one deployment's monitoring dashboard. */
export class MonitoringDashboardPanel extends ViewPanel<MonitoringPresenter> {
  protected readonly presenter: MonitoringPresenter;

  constructor(
    connection: ISextantConnection,
    readonly deployment: string,
    openPipelineRun: (run: TriggeredRunLink) => void,
  ) {
    super(connection, 'monitoring');
    this.id = `sextant-monitoring-${encodeURIComponent(deployment)}`;
    this.title.label = `Monitoring ${deployment}`;
    this.title.caption = `Sextant monitoring of ${deployment}: drift, performance, SLOs, alerts`;
    this.presenter = new MonitoringPresenter(deployment, connection, {
      post: this.post,
      log: logToConsole,
      openPipelineRun,
      failed: (error) => {
        this.title.label = `Monitoring ${deployment} (error)`;
        this.view.node.textContent = `Cannot show the monitoring of ${deployment}: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }
}
