import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  InputDialog,
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker,
} from '@jupyterlab/apputils';
import { IStatusBar } from '@jupyterlab/statusbar';
import { MonitoringListRequest, ServingListRequest } from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import type { TriggeredRunLink } from '@sextant/media/contract';
import { AlertWatcher } from '@sextant/media/presenters/alerts';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { showInMain } from '../views/mainArea.js';
import { AlertIndicator, notifyAlert, type AlertActions } from './alerts.js';
import { MonitoringDashboardPanel } from './monitoringPanel.js';
import { DEPLOYMENT_ROW } from './plugin.js';

/**
 * Monitoring in JupyterLab: the monitoring dashboard of a deployment (the shared media view) in
 * the main area, opened from a deployment's context menu in the Deployments section or the
 * palette; the firing alerts in the status bar; a notification for each alert with "Open
 * dashboard" and "Open the triggered pipeline run".
 */
export const monitoringPlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:monitoring',
  description:
    'Sextant monitoring: the drift, performance, SLO and alert dashboard of a deployment; firing alerts in the status bar and as notifications.',
  autoStart: true,
  requires: [ISextantConnection],
  optional: [ICommandPalette, ILayoutRestorer, IThemeManager, IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    themes: IThemeManager | null,
    statusBar: IStatusBar | null,
  ): void => {
    const dashboards = new WidgetTracker<MainAreaWidget<MonitoringDashboardPanel>>({
      namespace: 'sextant-monitoring',
    });
    const actions: AlertActions = {
      openDashboard: (deployment) => void showDashboard(deployment),
      openPipelineRun: (run: TriggeredRunLink) =>
        void app.commands.execute(CommandIds.openPipeline, {
          file: run.file,
          pipeline: run.pipeline,
          pipelineRunId: run.pipelineRunId,
        }),
    };
    const showDashboard = (deployment: string): MainAreaWidget<MonitoringDashboardPanel> =>
      showInMain(
        app,
        dashboards,
        (panel) => panel.deployment === deployment,
        () => new MonitoringDashboardPanel(connection, deployment, actions.openPipelineRun),
      );

    /**
     * The deployment asked for: the args (a deployment, or a monitor of one), the row
     * right-clicked, else a pick among the monitored.
     */
    const chooseDeployment = async (
      deployment: unknown,
      monitor: unknown,
    ): Promise<string | undefined> => {
      if (typeof deployment === 'string' && deployment !== '') return deployment;
      if (typeof monitor === 'string' && monitor !== '') {
        const { monitors } = await connection.request(MonitoringListRequest);
        const found = monitors.find((m) => m.name === monitor);
        if (!found) throw new Error(`No monitor ${monitor} in this workspace's sextant.yaml.`);
        return found.deployment;
      }
      const row = app.contextMenuHitTest((node) => node.matches(DEPLOYMENT_ROW));
      if (row?.dataset['deployment']) return row.dataset['deployment'];
      const [{ monitors }, { deployments }] = await Promise.all([
        connection.request(MonitoringListRequest),
        connection.request(ServingListRequest),
      ]);
      const names = [
        ...new Set([...monitors.map((m) => m.deployment), ...deployments.map((d) => d.name)]),
      ];
      if (names.length === 0) throw new Error('No deployment in this workspace.');
      if (names.length === 1) return names[0];
      const asked = await InputDialog.getItem({ title: 'Which deployment?', items: names });
      return asked.button.accept && asked.value ? asked.value : undefined;
    };

    app.commands.addCommand(CommandIds.openMonitoring, {
      label: 'Open Monitoring Dashboard',
      caption:
        "Open the deployment's monitoring: drift heatmap, histograms, performance, SLOs, alerts",
      describedBy: {
        args: {
          type: 'object',
          properties: { deployment: { type: 'string' }, monitor: { type: 'string' } },
        },
      },
      execute: async (args) => {
        try {
          const deployment = await chooseDeployment(args['deployment'], args['monitor']);
          return deployment ? showDashboard(deployment) : undefined;
        } catch (error) {
          void showErrorMessage('Sextant', `Cannot open the monitoring: ${errorMessage(error)}`);
          return undefined;
        }
      },
    });
    app.contextMenu.addItem({
      command: CommandIds.openMonitoring,
      selector: DEPLOYMENT_ROW,
      rank: 0.5,
    });
    palette?.addItem({ command: CommandIds.openMonitoring, category: 'Sextant' });

    const indicator = new AlertIndicator(actions);
    statusBar?.registerStatusItem('@sextant/jupyterlab:alerts', {
      item: indicator,
      align: 'left',
      rank: 50,
    });
    const watcher = new AlertWatcher(connection, {
      status: (status) => indicator.render(status),
      notify: (notice) => void notifyAlert(notice, actions),
      log: (message) => console.warn(message),
    });
    void connection.ready().then(() => watcher.refresh());
    connection.restarted.connect(() => void watcher.refresh());

    if (restorer) {
      void restorer.restore(dashboards, {
        command: CommandIds.openMonitoring,
        args: (widget) => ({ deployment: widget.content.deployment }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
    }
    themes?.themeChanged.connect(() => {
      dashboards.forEach((widget) => void widget.content.load());
    });
  },
};
