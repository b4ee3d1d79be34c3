/** The deployment dashboard: `media`'s deployment view of one deployment, live, in the main area. */
import { errorMessage } from '@sextant/media/client';
import { DeploymentPresenter } from '@sextant/media/presenters/deployment';
import type { ISextantConnection } from '../tokens.js';
import { logToConsole, ViewPanel } from '../views/mediaView.js';

/** What the dashboard asks of the plugin that opens it. */
export interface DashboardHost {
  /** Puts text on the clipboard and says so. */
  copy(text: string): void;
  /** Tells the user an action ended (done or failed). */
  notify(level: 'info' | 'error', message: string): void;
  /** Opens the deployment's experiment report (the dashboard links to it). */
  openExperimentReport?(name: string): void;
}

/** A main-area panel showing one deployment's dashboard. */
export class DeploymentDashboardPanel extends ViewPanel<DeploymentPresenter> {
  protected readonly presenter: DeploymentPresenter;

  constructor(
    connection: ISextantConnection,
    readonly deployment: string,
    host: DashboardHost,
  ) {
    super(connection, 'deployment');
    this.id = `sextant-deployment-${encodeURIComponent(deployment)}`;
    this.title.label = `Deployment ${deployment}`;
    this.presenter = new DeploymentPresenter(deployment, connection, {
      post: this.post,
      log: logToConsole,
      copy: (text) => host.copy(text),
      notify: (level, message) => host.notify(level, message),
      ...(host.openExperimentReport
        ? { openExperimentReport: (name: string) => host.openExperimentReport!(name) }
        : {}),
      shown: (page) => {
        const d = page.deployment;
        this.title.label = `Deployment ${d.name}`;
        this.title.caption = `Sextant deployment ${d.name}: ${d.status}${d.url ? ` at ${d.url}` : ''}`;
      },
      failed: (error) => {
        this.title.label = `Deployment ${deployment} (error)`;
        this.view.node.textContent = `Cannot show the deployment ${deployment}: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }
}
