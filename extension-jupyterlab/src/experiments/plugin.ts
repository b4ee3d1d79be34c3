import {
  ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { sextantIcon } from '../icons.js';
import { CommandIds, ISextantConnection, ISextantSidebar } from '../tokens.js';
import { ExperimentsSidebar } from './sidebar.js';

/** The left sidebar panel of experiments and runs, its commands and its launcher item. */
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

    for (const command of [CommandIds.showExperiments, CommandIds.refresh]) {
      palette?.addItem({ command, category: 'Sextant' });
    }
    launcher?.add({ command: CommandIds.showExperiments, category: 'Other', rank: 1 });
    return sidebar;
  },
};
