/**
 * Monitoring alerts in VS Code: a status bar item with the firing alerts (count and worst
 * severity, hidden when none; a click opens the dashboard of the deployment concerned), and a
 * notification for each alert that fires or resolves, with "Open dashboard" and, when the alert
 * started a pipeline run, "Open the triggered pipeline run".
 */
import { AlertWatcher, type AlertNotice, type AlertStatus } from '@sextant/media/presenters/alerts';
import * as vscode from 'vscode';
import type { SextantApi } from '../api';
import { openPipelineRun, type MonitoringPanels } from './monitoringPanel';

/** The actions of an alert's notification. */
export const OPEN_DASHBOARD = 'Open dashboard';
export const OPEN_TRIGGERED_RUN = 'Open the triggered pipeline run';

/** The status bar text of `status`, with its severity's icon. */
export function alertStatusText(status: AlertStatus): string {
  const icon =
    status.severity === 'info'
      ? '$(info)'
      : status.severity === 'warning'
        ? '$(warning)'
        : '$(error)';
  return `${icon} ${status.text}`;
}

/** Shows alerts; the result disposes the item and stops following them. */
export function registerAlerts(
  api: SextantApi,
  panels: MonitoringPanels,
  log: (message: string) => void,
): vscode.Disposable & { watcher: AlertWatcher; item: vscode.StatusBarItem } {
  const item = vscode.window.createStatusBarItem(
    'sextant.alerts',
    vscode.StatusBarAlignment.Left,
    9,
  );
  item.name = 'Sextant alerts';
  const show = (status: AlertStatus): void => {
    if (status.count === 0) {
      item.hide();
      return;
    }
    item.text = alertStatusText(status);
    item.tooltip = `Sextant: firing alerts\n${status.tooltip}\nClick to open the monitoring dashboard.`;
    const deployment = status.firing.find((f) => f.severity === status.severity)?.deployment;
    item.command = {
      title: 'Open monitoring dashboard',
      command: 'sextant.deployments.openMonitoring',
      arguments: deployment ? [{ name: deployment }] : [],
    };
    item.backgroundColor =
      status.severity === 'critical'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : status.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    item.show();
  };
  const notify = async (notice: AlertNotice): Promise<void> => {
    const actions = [OPEN_DASHBOARD, ...(notice.triggeredRun ? [OPEN_TRIGGERED_RUN] : [])];
    const message = `Sextant: ${notice.message}`;
    const picked =
      notice.level === 'error'
        ? await vscode.window.showErrorMessage(message, ...actions)
        : notice.level === 'warning'
          ? await vscode.window.showWarningMessage(message, ...actions)
          : await vscode.window.showInformationMessage(message, ...actions);
    if (picked === OPEN_DASHBOARD) panels.show(notice.event.deployment);
    else if (picked === OPEN_TRIGGERED_RUN && notice.triggeredRun) {
      await openPipelineRun(notice.triggeredRun);
    }
  };
  const watcher = new AlertWatcher(api, {
    status: show,
    notify: (notice) => void notify(notice),
    log,
  });
  if (api.info) void watcher.refresh();
  const subscriptions = [api.onServerInfo(() => void watcher.refresh())];
  return {
    watcher,
    item,
    dispose: () => {
      watcher.dispose();
      for (const s of subscriptions) s.dispose();
      item.dispose();
    },
  };
}
