/** The commands of the palette, the view titles and the context menus. */
import {
  ExperimentsListRequest,
  RunsDeleteRequest,
  RunsRenameRequest,
  RunsRestoreRequest,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import type { RunSummary } from '@sextant/language-server/protocol';
import { errorMessage, type SextantApi } from './api';
import { registerArtifactCommands } from './artifacts/commands';
import { registerExperimentCommands } from './experiments/commands';
import type { ExperimentsTree } from './experiments/tree';
import {
  isRunNode,
  metricOrders,
  RUN_ORDERS,
  targetRuns,
  type ExperimentsNode,
} from './experiments/model';
import { metricKeysOf } from '@sextant/media/runs/orders';
import type { DetailNode } from './runDetails/model';
import type { RunDetailsTree } from './runDetails/tree';
import type { Panels } from './webviews/panels';

/** What the commands act on. */
export interface CommandContext {
  api: SextantApi;
  experiments: ExperimentsTree;
  experimentsView: vscode.TreeView<ExperimentsNode>;
  details: RunDetailsTree;
  panels: Panels;
  /** Sets the experiment new runs of the terminals go to. */
  setActiveExperiment(id: string, name: string): void;
  /** Starts and stops the language server, and with it the tracking server. */
  server: { start(): Promise<unknown>; stop(): Promise<void> };
}

/** Registers every command. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { api, experiments, experimentsView, details, panels } = ctx;
  const runsOf = (node: unknown, selected: unknown): RunSummary[] => {
    const runs = targetRuns(node, selected, experimentsView.selection);
    if (runs.length === 0) {
      void vscode.window.showWarningMessage('Sextant: select a run in the Experiments view first.');
    }
    return runs;
  };
  const guarded =
    (fn: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]): Promise<void> => {
      try {
        await fn(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: ${errorMessage(error)}`);
      }
    };
  const register = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, guarded(fn));

  return [
    ...registerArtifactCommands(api, panels, register),
    ...registerExperimentCommands(api, experiments, register),
    register('sextant.startServer', async () => {
      if (api.state === 'running') {
        vscode.window.setStatusBarMessage(
          `Sextant: the tracking server is already running at ${api.info?.trackingUri}`,
          4000,
        );
        return;
      }
      const info = (await ctx.server.start()) as { trackingUri?: string } | undefined;
      vscode.window.setStatusBarMessage(
        `Sextant: tracking server started at ${info?.trackingUri ?? api.info?.trackingUri}`,
        4000,
      );
    }),
    register('sextant.stopServer', async () => {
      if (api.state === 'stopped') return;
      await ctx.server.stop();
      vscode.window.setStatusBarMessage(
        'Sextant: tracking server stopped; "Sextant: Start Tracking Server" starts it again',
        5000,
      );
    }),
    register('sextant.refresh', () => {
      experiments.refresh();
      details.show(details.shownRunId);
    }),
    register('sextant.showRunDetails', (node) => {
      if (isRunNode(node)) details.show(node.run.runId);
    }),
    register('sextant.loadMoreRuns', (experimentId) => experiments.loadMore(String(experimentId))),
    register('sextant.openRun', (node, selected) => {
      // From a notebook cell's status item: the run id and its name.
      if (typeof node === 'string') {
        panels.showRun(node, typeof selected === 'string' ? selected : undefined);
        return;
      }
      for (const run of runsOf(node, selected)) panels.showRun(run.runId, run.runName);
    }),
    register('sextant.compareRuns', async (node, selected) => {
      const runs = runsOf(node, selected);
      if (runs.length > 100) throw new Error('compare at most 100 runs at a time.');
      if (runs.length > 0) await panels.showCompare(runs.map((r) => r.runId));
    }),
    register('sextant.deleteRun', async (node, selected) => {
      const runs = runsOf(node, selected);
      if (runs.length === 0) return;
      const answer = await vscode.window.showWarningMessage(
        runs.length === 1 ? `Delete run "${runs[0]!.runName}"?` : `Delete ${runs.length} runs?`,
        { modal: true, detail: 'Deleted runs can be restored.' },
        'Delete',
      );
      if (answer !== 'Delete') return;
      for (const run of runs) await api.request(RunsDeleteRequest, { runId: run.runId });
      experiments.refresh();
    }),
    register('sextant.restoreRun', async (node, selected) => {
      for (const run of runsOf(node, selected))
        await api.request(RunsRestoreRequest, { runId: run.runId });
      experiments.refresh();
    }),
    register('sextant.renameRun', async (node) => {
      const [run] = runsOf(node, undefined);
      if (!run) return;
      const name = await vscode.window.showInputBox({
        title: 'Rename run',
        value: run.runName,
        validateInput: (value) => (value.trim() === '' ? 'A run name cannot be empty.' : undefined),
      });
      if (name !== undefined)
        await api.request(RunsRenameRequest, { runId: run.runId, name: name.trim() });
    }),
    register('sextant.copyRunId', async (node, selected) => {
      const runs = runsOf(node, selected);
      if (runs.length === 0) return;
      await vscode.env.clipboard.writeText(runs.map((r) => r.runId).join('\n'));
      vscode.window.setStatusBarMessage(
        `Sextant: copied ${runs.length === 1 ? 'the run id' : `${runs.length} run ids`}`,
        3000,
      );
    }),
    register('sextant.copyDetailValue', async (node) => {
      const value = (node as DetailNode | undefined)?.copyValue;
      if (value !== undefined) await vscode.env.clipboard.writeText(value);
    }),
    register('sextant.setActiveExperiment', async (node) => {
      let target =
        (node as ExperimentsNode | undefined)?.kind === 'experiment'
          ? (node as ExperimentsNode & { kind: 'experiment' }).experiment
          : undefined;
      if (!target) {
        const { experiments: all } = await api.request(ExperimentsListRequest, {
          orderBy: ['name ASC'],
        });
        const pick = await vscode.window.showQuickPick(
          all.map((e) => ({ label: e.name, description: e.experimentId, experiment: e })),
          { title: 'Set the active Sextant experiment' },
        );
        target = pick?.experiment;
      }
      if (!target) return;
      ctx.setActiveExperiment(target.experimentId, target.name);
      experiments.activeExperimentId = target.experimentId;
      experiments.refresh();
    }),
    register('sextant.copyTrackingUri', async () => {
      const uri = api.info?.trackingUri;
      if (!uri) throw new Error('the tracking server has not started yet.');
      await vscode.env.clipboard.writeText(uri);
      vscode.window.setStatusBarMessage(`Sextant: copied ${uri}`, 3000);
    }),
    register('sextant.filterRuns', async () => {
      const filter = await vscode.window.showInputBox({
        title: 'Filter runs (MLflow search syntax)',
        value: experiments.filter ?? '',
        placeHolder: "metrics.loss < 0.1 and params.lr = '0.01'",
      });
      if (filter === undefined) return;
      experiments.filter = filter.trim() || undefined;
      experiments.refresh();
    }),
    register('sextant.sortRuns', async () => {
      const key = vscode.workspace.getConfiguration('sextant').get<string>('keyMetric');
      // The key metric first, then every metric of the loaded runs, each both ways.
      const loaded = metricKeysOf(experiments.loadedRuns()).filter((k) => k !== key);
      const orders = [...RUN_ORDERS, ...[...(key ? [key] : []), ...loaded].flatMap(metricOrders)];
      const pick = await vscode.window.showQuickPick(orders, { title: 'Sort runs' });
      if (!pick) return;
      experiments.orderBy = pick.orderBy;
      experiments.refresh();
    }),
    register('sextant.toggleDeleted', () => {
      experiments.showDeleted = !experiments.showDeleted;
      experiments.refresh();
    }),
  ];
}
