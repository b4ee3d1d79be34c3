/**
 * The runs table in JupyterLab's main area: the command that opens it (from the palette for every
 * experiment, from the sidebar for one), restored with the layout.
 */
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  WidgetTracker,
} from '@jupyterlab/apputils';
import { ExperimentsListRequest } from '@sextant/language-server/protocol';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { showInMain } from './mainArea.js';
import { RunsTablePanel } from './runsTablePanel.js';

function experimentIdsOf(args: Record<string, unknown>): string[] | undefined {
  const ids = args['experimentIds'];
  return Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string')
    ? (ids as string[])
    : undefined;
}

/** The runs table panel and the command `sextant:open-runs-table`. */
export const runsTablePlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:runs-table',
  description: 'The runs table (the shared media view) in the main area.',
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
    const tables = new WidgetTracker<MainAreaWidget<RunsTablePanel>>({
      namespace: 'sextant-runs-table',
    });
    const host = {
      openRun: (runId: string) => void app.commands.execute(CommandIds.openRun, { runId }),
      compare: (runIds: string[]) => void app.commands.execute(CommandIds.compareRuns, { runIds }),
      notify: (message: string) => console.warn('Sextant:', message),
    };
    app.commands.addCommand(CommandIds.openRunsTable, {
      label: 'Open Sextant Runs Table',
      caption: 'A sortable, filterable table of the runs of some experiments',
      describedBy: {
        args: {
          type: 'object',
          properties: { experimentIds: { type: 'array', items: { type: 'string' } } },
        },
      },
      execute: async (args) => {
        const experimentIds =
          experimentIdsOf(args) ??
          (await connection.request(ExperimentsListRequest, {})).experiments.map(
            (e) => e.experimentId,
          );
        if (experimentIds.length === 0) throw new Error('There are no experiments yet.');
        return showInMain(
          app,
          tables,
          (panel) => panel.experimentIds.join(',') === experimentIds.join(','),
          () => new RunsTablePanel(connection, experimentIds, host),
        );
      },
    });
    void restorer?.restore(tables, {
      command: CommandIds.openRunsTable,
      args: (widget) => ({ experimentIds: widget.content.experimentIds }),
      name: (widget) => widget.content.id,
      when: connection.ready(),
    });
    themes?.themeChanged.connect(() => tables.forEach((widget) => void widget.content.load()));
    palette?.addItem({ command: CommandIds.openRunsTable, category: 'Sextant' });
  },
};
