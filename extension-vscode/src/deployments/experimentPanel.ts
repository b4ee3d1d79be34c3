/**
 * Webview panels of experiment reports (one per deployment, restored after a reload) and the
 * `sextant.deployments.openExperimentReport` command that opens them: from a deployment of the
 * Deployments view, the deployment dashboard's link, or a pick of the deployments with an
 * experiment.
 */
import * as vscode from 'vscode';
import { OnlineListRequest } from '@sextant/language-server/protocol';
import {
  ExperimentReportPresenter,
  restoredExperiment,
} from '@sextant/media/presenters/onlineExperiment';
import { errorMessage, type SextantApi } from '../api';
import { KeyedWebviewPanels } from '../webviews/keyedPanels';
import { notify } from './panel';
import { isDeploymentNode } from './model';

/** Webview type of experiment reports (also their serializer's). */
export const EXPERIMENT_VIEW_TYPE = 'sextant.onlineExperiment';

/** Opens, reuses and restores experiment reports. */
export class ExperimentPanels extends KeyedWebviewPanels<string, ExperimentReportPresenter> {
  constructor(context: vscode.ExtensionContext, api: SextantApi, log: (message: string) => void) {
    super(context, api, {
      viewType: EXPERIMENT_VIEW_TYPE,
      view: 'onlineExperiment',
      keyOf: (name) => name,
      title: (name) => `Experiment ${name}`,
      restore: restoredExperiment,
      presenter: (name, post) => new ExperimentReportPresenter(name, api, { post, log, notify }),
    });
  }
}

/**
 * Registers `sextant.deployments.openExperimentReport`: the deployment of a tree node or of
 * `{ name }`, else a pick among the deployments with an experiment.
 */
export function registerExperimentReportCommand(
  api: SextantApi,
  panels: ExperimentPanels,
): vscode.Disposable {
  return vscode.commands.registerCommand(
    'sextant.deployments.openExperimentReport',
    async (arg: unknown) => {
      try {
        let name: string | undefined;
        if (isDeploymentNode(arg)) name = arg.deployment.name;
        else {
          const given = (arg as { name?: unknown } | undefined)?.name;
          if (typeof given === 'string' && given !== '') name = given;
        }
        if (!name) {
          const { experiments } = await api.request(OnlineListRequest);
          if (experiments.length === 0) {
            void vscode.window.showInformationMessage(
              "Sextant: no deployment runs an online experiment. Add an 'experiment:' block to a deployment in sextant.yaml and deploy it.",
            );
            return;
          }
          name =
            experiments.length === 1
              ? experiments[0]!.deployment
              : (
                  await vscode.window.showQuickPick(
                    experiments.map((e) => ({
                      label: e.deployment,
                      description: `${e.type === 'ab' ? 'A/B' : 'bandit'} on ${e.metric}${e.concluded ? ' · ended' : ''}`,
                    })),
                    { title: 'Which experiment?' },
                  )
                )?.label;
        }
        if (name) panels.show(name);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: ${errorMessage(error)}`);
      }
    },
  );
}
