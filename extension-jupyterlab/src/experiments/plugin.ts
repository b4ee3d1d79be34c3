import {
  ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import { Clipboard, ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { sextantIcon } from '../icons.js';
import { CommandIds, ISextantConnection, ISextantSidebar } from '../tokens.js';
import { ExperimentsSidebar } from './sidebar.js';

/** A run's row in the sidebar (its context menu's selector). */
const RUN_ROW = '.jp-SextantTree-run[data-run-id]';
/** An experiment's row in the sidebar, not its runs. */
const EXPERIMENT_ROW = '.jp-SextantTree-experiment > .jp-SextantTree-row';

/**
 * The left sidebar panel of experiments and runs, its commands (with the runs' and experiments'
 * context menus) and its launcher item.
 */
export const experimentsPlugin: JupyterFrontEndPlugin<ISextantSidebar> = {
  id: '@sextant/jupyterlab:experiments',
  description:
    'Sextant sidebar: experiments and runs, live; opens runs and comparisons; other sections join it.',
  autoStart: true,
  requires: [ISextantConnection],
  provides: ISextantSidebar,
  optional: [ILabShell, ILayoutRestorer, ICommandPalette, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
  ): ISextantSidebar => {
    const sidebar = new ExperimentsSidebar(connection, {
      openRun: (runId) => void app.commands.execute(CommandIds.openRun, { runId }),
      compare: (runIds) => void app.commands.execute(CommandIds.compareRuns, { runIds }),
      openPipeline: (file, pipeline) =>
        void app.commands.execute(CommandIds.openPipeline, { file, pipeline }),
      openRunsTable: (experimentIds) =>
        void app.commands.execute(CommandIds.openRunsTable, { experimentIds }),
    });
    sidebar.title.icon = sextantIcon;
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, 'sextant-sidebar');

    app.commands.addCommand(CommandIds.showExperiments, {
      label: 'Sextant Experiments',
      caption: 'Show the Sextant sidebar: experiments and runs',
      icon: sextantIcon,
      execute: () => {
        if (labShell) labShell.expandLeft();
        app.shell.activateById(sidebar.id);
      },
    });
    app.commands.addCommand(CommandIds.refresh, {
      label: 'Refresh Sextant Experiments',
      execute: () => sidebar.refresh(),
    });
    app.commands.addCommand(CommandIds.compareSelected, {
      label: 'Compare Selected Sextant Runs',
      isEnabled: () => sidebar.selection.length > 0,
      execute: () => sidebar.compareSelected(),
    });
    sidebar.selectionChanged.connect(() =>
      app.commands.notifyCommandChanged(CommandIds.compareSelected),
    );
    app.commands.addCommand(CommandIds.filterRuns, {
      label: 'Filter Sextant Runs…',
      caption: 'Focus the sidebar filter box (MLflow search syntax)',
      execute: () => {
        if (labShell) labShell.expandLeft();
        app.shell.activateById(sidebar.id);
        sidebar.focusFilter();
      },
    });

    /** The run whose row was right-clicked. */
    const contextRun = (): string => {
      const row = app.contextMenuHitTest((node) => node.matches(RUN_ROW));
      const runId = row?.dataset['runId'];
      if (!runId) throw new Error('Right-click a run in the Sextant sidebar.');
      return runId;
    };
    app.commands.addCommand(CommandIds.openContextRun, {
      label: 'Open Run',
      execute: () => app.commands.execute(CommandIds.openRun, { runId: contextRun() }),
    });
    app.commands.addCommand(CommandIds.compareContextRuns, {
      label: () =>
        sidebar.selection.length > 1
          ? `Compare ${sidebar.selection.length} Ticked Runs`
          : 'Compare',
      caption: 'Compare the ticked runs, with this one',
      execute: () => {
        const runId = contextRun();
        const ticked = sidebar.selection;
        const runIds = ticked.includes(runId) ? ticked : [...ticked, runId];
        return app.commands.execute(CommandIds.compareRuns, { runIds });
      },
    });
    app.commands.addCommand(CommandIds.copyRunId, {
      label: 'Copy Run ID',
      execute: () => Clipboard.copyToSystem(contextRun()),
    });
    app.commands.addCommand(CommandIds.openContextRunsTable, {
      label: 'Open Runs Table',
      execute: () => {
        const row = app.contextMenuHitTest((node) => node.matches(EXPERIMENT_ROW));
        const id = row?.closest<HTMLElement>('[data-experiment-id]')?.dataset['experimentId'];
        if (!id) throw new Error('Right-click an experiment in the Sextant sidebar.');
        return app.commands.execute(CommandIds.openRunsTable, { experimentIds: [id] });
      },
    });
    app.contextMenu.addItem({ command: CommandIds.openContextRun, selector: RUN_ROW, rank: -2 });
    app.contextMenu.addItem({
      command: CommandIds.compareContextRuns,
      selector: RUN_ROW,
      rank: -1,
    });
    app.contextMenu.addItem({ command: CommandIds.copyRunId, selector: RUN_ROW, rank: 5 });
    app.contextMenu.addItem({
      command: CommandIds.openContextRunsTable,
      selector: EXPERIMENT_ROW,
      rank: 0,
    });

    for (const command of [CommandIds.showExperiments, CommandIds.refresh, CommandIds.filterRuns]) {
      palette?.addItem({ command, category: 'Sextant' });
    }
    launcher?.add({ command: CommandIds.showExperiments, category: 'Other', rank: 1 });
    return sidebar;
  },
};
