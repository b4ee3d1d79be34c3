/**
 * Monitoring alerts in JupyterLab: a status bar indicator with the firing alerts (count and worst
 * severity, hidden when none; a click opens the dashboard of the deployment concerned), and a
 * JupyterLab notification for each alert that fires or resolves, with "Open dashboard" and, when
 * the alert started a pipeline run, "Open the triggered pipeline run".
 */
import { Notification } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import type { TriggeredRunLink } from '@sextant/media/contract';
import type { AlertNotice, AlertStatus } from '@sextant/media/presenters/alerts';

/** The actions of an alert's notification. */
export const OPEN_DASHBOARD = 'Open dashboard';
export const OPEN_TRIGGERED_RUN = 'Open the triggered pipeline run';

/** What alerts open. */
export interface AlertActions {
  openDashboard(deployment: string): void;
  openPipelineRun(run: TriggeredRunLink): void;
}

/** The status bar indicator of firing alerts; hidden while none fires. */
export class AlertIndicator extends Widget {
  private deployment: string | undefined;

  constructor(private readonly actions: AlertActions) {
    super({ node: document.createElement('button') });
    this.addClass('jp-SextantAlerts');
    this.node.setAttribute('type', 'button');
    this.node.addEventListener('click', () => {
      if (this.deployment) this.actions.openDashboard(this.deployment);
    });
    this.render(undefined);
  }

  /** Shows `status` (hides the indicator when nothing fires). */
  render(status: AlertStatus | undefined): void {
    if (!status || status.count === 0) {
      this.node.hidden = true;
      this.node.textContent = '';
      this.deployment = undefined;
      return;
    }
    this.node.hidden = false;
    this.node.dataset['severity'] = status.severity ?? '';
    this.node.textContent = `⚠ ${status.text}`;
    this.node.title = `Sextant: firing alerts\n${status.tooltip}\nClick to open the monitoring dashboard.`;
    this.node.setAttribute('aria-label', `Sextant: ${status.text}`);
    this.deployment = status.firing.find((f) => f.severity === status.severity)?.deployment;
  }
}

/** Shows an alert's notification with its actions. */
export function notifyAlert(notice: AlertNotice, actions: AlertActions): string {
  const buttons: Notification.IAction[] = [
    {
      label: OPEN_DASHBOARD,
      callback: () => actions.openDashboard(notice.event.deployment),
    },
  ];
  const run = notice.triggeredRun;
  if (run) {
    buttons.push({
      label: OPEN_TRIGGERED_RUN,
      callback: () => actions.openPipelineRun(run),
    });
  }
  const type = notice.level === 'error' ? 'error' : notice.level === 'warning' ? 'warning' : 'info';
  return Notification.emit(notice.message, type, {
    autoClose: notice.level === 'info' ? 8000 : false,
    actions: buttons,
  });
}
