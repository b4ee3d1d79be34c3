import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker,
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Widget } from '@lumino/widgets';
import type { CellRecord } from '@sextant/language-server/protocol';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { cleanPipelineCache } from './cleanCache.js';
import { ComparePanel } from './comparePanel.js';
import { showInMain } from './mainArea.js';
import { pipelineRunRendererFactory } from './pipelineOutput.js';
import { viewRendererFactory } from './viewOutput.js';
import { PipelinePanel } from './pipelinePanel.js';
import { revealCell } from './revealCell.js';
import { RunPanel } from './runPanel.js';

function runIdsOf(args: Record<string, unknown>): string[] {
  const ids = args['runIds'];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw new Error('Choose between 1 and 100 runs to compare (tick them in the Sextant panel).');
  }
  return ids as string[];
}

/** The run and comparison panels in the main area, and the commands that open them. */
export const viewsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:views',
  description: 'Run and comparison panels (the shared media views) in the main area.',
  autoStart: true,
  requires: [ISextantConnection],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    IThemeManager,
    INotebookTracker,
    IDocumentManager,
    IRenderMimeRegistry,
  ],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    themes: IThemeManager | null,
    notebooks: INotebookTracker | null,
    docs: IDocumentManager | null,
    rendermime: IRenderMimeRegistry | null,
  ): void => {
    const runs = new WidgetTracker<MainAreaWidget<RunPanel>>({ namespace: 'sextant-run' });
    const comparisons = new WidgetTracker<MainAreaWidget<ComparePanel>>({
      namespace: 'sextant-compare',
    });
    const pipelines = new WidgetTracker<MainAreaWidget<PipelinePanel>>({
      namespace: 'sextant-pipeline',
    });
    const host = {
      openRun: (runId: string) => void app.commands.execute(CommandIds.openRun, { runId }),
      registerModel: (runId: string, source: string) =>
        void app.commands.execute(CommandIds.registerModel, { runId, source }),
      revealCell: (cell: CellRecord) =>
        void app.commands.execute(CommandIds.revealCell, {
          cellId: cell.cellId,
          notebook: cell.notebook ?? '',
        }),
      notify: (message: string) => void showErrorMessage('Sextant', message),
    };

    const show = <T extends Widget>(
      tracker: WidgetTracker<MainAreaWidget<T>>,
      matches: (content: T) => boolean,
      create: () => T,
    ): MainAreaWidget<T> => showInMain(app, tracker, matches, create);

    const showRun = (runId: string): MainAreaWidget<RunPanel> =>
      show(
        runs,
        (panel) => panel.runId === runId,
        () => new RunPanel(connection, runId, host),
      );

    const showComparison = (runIds: string[]): MainAreaWidget<ComparePanel> =>
      show(
        comparisons,
        (panel) => panel.runIds.join(',') === runIds.join(','),
        () => new ComparePanel(connection, runIds, host),
      );

    const showPipeline = (
      file: string,
      pipeline?: string,
      pipelineRunId?: string,
    ): MainAreaWidget<PipelinePanel> =>
      show(
        pipelines,
        (panel) =>
          panel.subject.file === file &&
          (pipeline === undefined || panel.subject.pipeline === pipeline),
        () =>
          new PipelinePanel(
            connection,
            { file, pipeline, ...(pipelineRunId ? { pipelineRunId } : {}) },
            host,
          ),
      );

    app.commands.addCommand(CommandIds.openPipeline, {
      label: 'Open Sextant Pipeline Graph',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            file: { type: 'string' },
            pipeline: { type: 'string' },
            pipelineRunId: { type: 'string' },
          },
          required: ['file'],
        },
      },
      execute: (args) => {
        const file = String(args['file'] ?? '');
        if (!file) throw new Error('sextant:open-pipeline needs the pipeline file.');
        const pipeline = typeof args['pipeline'] === 'string' ? args['pipeline'] : undefined;
        const runId = typeof args['pipelineRunId'] === 'string' ? args['pipelineRunId'] : undefined;
        return showPipeline(file, pipeline, runId);
      },
    });

    app.commands.addCommand(CommandIds.openRun, {
      label: (args) =>
        args['runId'] ? `Open Sextant Run ${String(args['runId'])}` : 'Open Sextant Run',
      describedBy: {
        args: { type: 'object', properties: { runId: { type: 'string' } }, required: ['runId'] },
      },
      execute: (args) => {
        const runId = String(args['runId'] ?? '');
        if (!runId) throw new Error('sextant:open-run needs a runId.');
        return showRun(runId);
      },
    });

    app.commands.addCommand(CommandIds.compareRuns, {
      label: 'Compare Sextant Runs',
      describedBy: {
        args: {
          type: 'object',
          properties: { runIds: { type: 'array', items: { type: 'string' } } },
          required: ['runIds'],
        },
      },
      execute: (args) => {
        const runIds = runIdsOf(args);
        return showComparison(runIds);
      },
    });

    // `%sextant pipeline run` in a notebook ends with a button that opens the pipeline's graph.
    rendermime?.addFactory(
      pipelineRunRendererFactory(
        ({ file, pipeline }) =>
          void app.commands.execute(CommandIds.openPipeline, { file, pipeline }),
      ),
    );
    // `%sextant monitor run`, `experiment report`, `timeline` end with a button to their view.
    rendermime?.addFactory(
      viewRendererFactory((output) => {
        const { view, ...args } = output;
        const command = {
          monitoring: CommandIds.openMonitoring,
          experiment: CommandIds.openExperimentReport,
          timeline: CommandIds.openTimeline,
        }[view];
        void app.commands.execute(command, args);
      }),
    );

    app.commands.addCommand(CommandIds.cleanPipelineCache, {
      label: 'Clean Sextant Pipeline Cache…',
      execute: async () => {
        try {
          return await cleanPipelineCache(connection);
        } catch (error) {
          await showErrorMessage('Sextant', (error as Error).message);
          return undefined;
        }
      },
    });

    app.commands.addCommand(CommandIds.revealCell, {
      label: 'Re-open Notebook at Cell',
      execute: async (args) => {
        if (!notebooks) throw new Error('No notebook support in this JupyterLab.');
        const cellId = String(args['cellId'] ?? '');
        const notebook = String(args['notebook'] ?? '') || undefined;
        try {
          await revealCell(app, notebooks, docs, cellId, notebook);
        } catch (error) {
          await showErrorMessage('Sextant', (error as Error).message);
        }
      },
    });

    if (restorer) {
      void restorer.restore(runs, {
        command: CommandIds.openRun,
        args: (widget) => ({ runId: widget.content.runId }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
      void restorer.restore(pipelines, {
        command: CommandIds.openPipeline,
        args: (widget) => ({ ...widget.content.subject }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
      void restorer.restore(comparisons, {
        command: CommandIds.compareRuns,
        args: (widget) => ({ runIds: widget.content.runIds }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
    }
    themes?.themeChanged.connect(() => {
      runs.forEach((widget) => void widget.content.load());
      comparisons.forEach((widget) => void widget.content.load());
    });
    palette?.addItem({ command: CommandIds.compareSelected, category: 'Sextant' });
    palette?.addItem({ command: CommandIds.cleanPipelineCache, category: 'Sextant' });
  },
};
