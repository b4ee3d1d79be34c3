/**
 * Sextant for VS Code: starts the language server, and shows experiments and runs in the
 * Sextant activity-bar container, run views and comparisons in webviews, and the tracking server
 * in the status bar and the terminals' environment.
 */
import * as vscode from 'vscode';
import { errorMessage } from './api';
import { SextantLanguageClient } from './client';
import { registerCommands } from './commands';
import { ExperimentsTree } from './experiments/tree';
import { registerDeployments, type DeploymentsFeature } from './deployments';
import { registerModels, type ModelsFeature } from './models';
import { CellStatusProvider, JUPYTER_NOTEBOOK } from './notebooks/cellStatus';
import { registerPipelines } from './pipelines';
import { RunDetailsTree } from './runDetails/tree';
import { showRuntimeMissing } from './runtime/notify';
import { ServerRuntimeMissing } from './runtime/resolve';
import { createStatusBar } from './statusBar';
import { registerTimeline } from './timeline';
import type { TimelinePanels } from './timeline/panel';
import { registerWalkthrough } from './walkthrough';
import { Panels } from './webviews/panels';
import { registerRunsTable } from './experiments/runsTable';

let client: SextantLanguageClient | undefined;

/** What `activate` returns, for tests and other extensions. */
export interface SextantExtensionApi {
  client: SextantLanguageClient;
  /** The Experiments tree's data, as the view shows it. */
  experiments: ExperimentsTree;
  /** The Run Details tree's data (the selected run, its sections and artifacts). */
  details: RunDetailsTree;
  /** The notebook cell status items (what the `%sextant` cell tracker recorded per cell). */
  cellStatus: CellStatusProvider;
  /** The Models tree and the model views. */
  models: ModelsFeature;
  /** The Deployments tree and the deployment dashboards. */
  deployments: DeploymentsFeature;
  /** The loop timelines. */
  timeline: TimelinePanels;
  /** Resolves once the server has started (or rejects with why it could not). */
  ready: Promise<void>;
}

/** Activated by a workspace with a `.sextant` store, or by Sextant's views and commands. */
export function activate(context: vscode.ExtensionContext): SextantExtensionApi {
  const output = vscode.window.createOutputChannel('Sextant', { log: true });
  const sextant = new SextantLanguageClient(context, output);
  client = sextant;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('sextant');

  const experiments = new ExperimentsTree(
    sextant,
    () => config().get<string>('keyMetric') || undefined,
  );
  experiments.activeExperimentId = context.workspaceState.get<string>('sextant.activeExperiment');
  const experimentsView = vscode.window.createTreeView('sextant.experiments', {
    treeDataProvider: experiments,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const details = new RunDetailsTree(sextant);
  const detailsView = vscode.window.createTreeView('sextant.runDetails', {
    treeDataProvider: details,
  });
  const panels = new Panels(context, sextant, output);
  const cellStatus = new CellStatusProvider(sextant, (message) => output.warn(message));

  const env = context.environmentVariableCollection;
  env.description = "Points MLflow clients at Sextant's tracking server.";
  const setActiveExperiment = (id: string, name: string): void => {
    void context.workspaceState.update('sextant.activeExperiment', id);
    env.replace('MLFLOW_EXPERIMENT_NAME', name);
  };

  context.subscriptions.push(
    output,
    sextant,
    experiments,
    experimentsView,
    details,
    detailsView,
    panels,
    cellStatus,
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(JUPYTER_NOTEBOOK, cellStatus),
    experimentsView.onDidChangeSelection(({ selection }) => {
      const last = selection.at(-1);
      if (last?.kind === 'run') details.show(last.run.runId);
    }),
    sextant.onServerInfo((info) => env.replace('MLFLOW_TRACKING_URI', info.trackingUri)),
    sextant.onServerStopped(() => env.delete('MLFLOW_TRACKING_URI')),
    createStatusBar(sextant, (message) => output.warn(message)),
    ...registerCommands({
      api: sextant,
      experiments,
      experimentsView,
      details,
      panels,
      setActiveExperiment,
      server: sextant,
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('sextant.keyMetric')) experiments.refresh();
    }),
    ...registerWalkthrough(sextant),
  );

  context.subscriptions.push(...registerRunsTable(context, sextant, panels, output));
  registerPipelines(context, sextant, (runId) => panels.showRun(runId));
  const models = registerModels(context, sextant, {
    openRun: (runId) => panels.showRun(runId),
    saveFile: (fileName, content) => void panels.save(fileName, content),
    log: (message) => output.warn(message),
  });
  const deployments = registerDeployments(context, sextant, {
    versions: (model) => models.tree.versions(model),
    log: (message) => output.warn(message),
  });
  const timeline = registerTimeline(context, sextant, {
    openRun: (runId) => panels.showRun(runId),
    openVersion: (ref) => models.panels.showVersion(ref),
    openDeployment: (name) => deployments.panels.show(name),
    log: (message) => output.warn(message),
  });

  const ready = sextant.start().then(
    (info) => {
      output.info(`Tracking server at ${info.trackingUri}, store ${info.storeDir}`);
    },
    (error: unknown) => {
      if (error instanceof ServerRuntimeMissing) {
        void showRuntimeMissing(error, output);
        throw error;
      }
      const message = `Sextant: the language server did not start: ${errorMessage(error)}`;
      output.error(message);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice) output.show();
      });
      throw error;
    },
  );
  ready.catch(() => undefined);
  return {
    client: sextant,
    experiments,
    details,
    cellStatus,
    models,
    deployments,
    timeline,
    ready,
  };
}

/** Stops the language server. */
export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
