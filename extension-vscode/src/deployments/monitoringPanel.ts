/** Webview panels of monitoring dashboards: one per deployment, restored after a reload. */
import * as vscode from 'vscode';
import type { TriggeredRunLink } from '@sextant/media/contract';
import { MonitoringPresenter, restoredMonitoring } from '@sextant/media/presenters/monitoring';
import type { SextantApi } from '../api';
import { KeyedWebviewPanels } from '../webviews/keyedPanels';

/** Webview type of monitoring dashboards (also their serializer's). */
export const MONITORING_VIEW_TYPE = 'sextant.monitoring';

/** Opens the page of a pipeline run (its graph coloured by that run). */
export function openPipelineRun(run: TriggeredRunLink): Thenable<unknown> {
  return vscode.commands.executeCommand('sextant.showPipelineGraph', {
    file: run.file,
    pipeline: run.pipeline,
    pipelineRunId: run.pipelineRunId,
  });
}

/** Opens, reuses and restores monitoring dashboards. */
export class MonitoringPanels extends KeyedWebviewPanels<string, MonitoringPresenter> {
  constructor(context: vscode.ExtensionContext, api: SextantApi, log: (message: string) => void) {
    super(context, api, {
      viewType: MONITORING_VIEW_TYPE,
      view: 'monitoring',
      keyOf: (deployment) => deployment,
      title: (deployment) => `Monitoring ${deployment}`,
      restore: restoredMonitoring,
      presenter: (deployment, post) =>
        new MonitoringPresenter(deployment, api, {
          post,
          log,
          openPipelineRun: (run) => void openPipelineRun(run),
        }),
    });
  }
}
