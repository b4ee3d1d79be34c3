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
  Notification,
  showErrorMessage,
  WidgetTracker,
} from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import {
  OnlineListRequest,
  ServingChangedNotification,
  type OnlineExperimentSummary,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { showInMain } from '../views/mainArea.js';
import { ExperimentReportPanel } from './experimentPanel.js';

const DEPLOYMENT_ROW = '.jp-SextantDeployments [data-deployment]';

/**
 * The experiment report of a deployment's online experiment (the shared media view) in the main
 * area: from the context menu of a deployment with an experiment in the Deployments section, the
 * deployment dashboard's link, or the palette (a pick of the deployments with an experiment).
 */
export const experimentReportPlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:experiment-report',
  description:
    "Sextant experiment report: a deployment's A/B test or bandit with intervals, the always-valid p-value over time, allocations, the decision log, and Promote / Stop / Roll back.",
  autoStart: true,
  requires: [ISextantConnection],
  optional: [ICommandPalette, ILayoutRestorer, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    themes: IThemeManager | null,
  ): void => {
    const reports = new WidgetTracker<MainAreaWidget<ExperimentReportPanel>>({
      namespace: 'sextant-experiment',
    });
    let experiments: OnlineExperimentSummary[] = [];
    const reload = async (): Promise<OnlineExperimentSummary[]> => {
      experiments = (await connection.request(OnlineListRequest)).experiments;
      return experiments;
    };
    const quietReload = (): void => {
      reload().catch(() => undefined);
    };
    connection.onNotification(ServingChangedNotification, quietReload);
    connection.restarted.connect(quietReload);
    void connection.ready().then(quietReload);

    const notify = (level: 'info' | 'error', message: string): void => {
      if (level === 'error') Notification.error(message, { autoClose: 8000 });
      else Notification.success(message, { autoClose: 4000 });
    };
    const clicked = (): string | undefined =>
      app.contextMenuHitTest((node) => node.matches(DEPLOYMENT_ROW))?.dataset['deployment'];

    app.commands.addCommand(CommandIds.openExperimentReport, {
      label: 'Open Experiment Report',
      caption:
        "Open the deployment's online experiment: results with intervals, p-value over time, decisions",
      describedBy: { args: { type: 'object', properties: { deployment: { type: 'string' } } } },
      isVisible: () => {
        const name = clicked();
        return name === undefined || experiments.some((e) => e.deployment === name);
      },
      execute: async (args: ReadonlyPartialJSONObject) => {
        try {
          let name = typeof args['deployment'] === 'string' ? args['deployment'] : clicked();
          if (!name) {
            const all = await reload();
            if (all.length === 0) {
              throw new Error(
                "No deployment runs an online experiment. Add an 'experiment:' block to a deployment in sextant.yaml and deploy it.",
              );
            }
            if (all.length === 1) name = all[0]!.deployment;
            else {
              const asked = await InputDialog.getItem({
                title: 'Which experiment?',
                items: all.map((e) => e.deployment),
              });
              if (!asked.button.accept || !asked.value) return undefined;
              name = asked.value;
            }
          }
          const deployment = name;
          return showInMain(
            app,
            reports,
            (panel) => panel.deployment === deployment,
            () => new ExperimentReportPanel(connection, deployment, { notify }),
          );
        } catch (error) {
          void showErrorMessage(
            'Sextant',
            `Cannot open the experiment report: ${errorMessage(error)}`,
          );
          return undefined;
        }
      },
    });
    app.contextMenu.addItem({
      command: CommandIds.openExperimentReport,
      selector: DEPLOYMENT_ROW,
      rank: 0.5,
    });
    palette?.addItem({ command: CommandIds.openExperimentReport, category: 'Sextant' });
    if (restorer) {
      void restorer.restore(reports, {
        command: CommandIds.openExperimentReport,
        args: (widget) => ({ deployment: widget.content.deployment }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
    }
    themes?.themeChanged.connect(() => {
      reports.forEach((widget) => void widget.content.load());
    });
  },
};
