import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  CellsFindRequest,
  RunsChangedNotification,
  RunsGetRequest,
} from '@sextant/language-server/protocol';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { NotebookBadges, type BadgeSource } from './badges.js';

/** Notebook cell badges: the run each recorded cell logged to, and what it logged. */
export const badgesPlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:badges',
  description: 'Badges on notebook cells recorded against a Sextant run; a click opens the run.',
  autoStart: true,
  requires: [ISextantConnection, INotebookTracker],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    notebooks: INotebookTracker,
    registry: ISettingRegistry | null,
  ): void => {
    const source: BadgeSource = {
      find: async (cellIds) => (await connection.request(CellsFindRequest, { cellIds })).cells,
      runName: async (runId) => {
        const run = await connection.request(RunsGetRequest, { runId });
        return run.info.runName || runId.slice(0, 8);
      },
      openRun: (runId) => void app.commands.execute(CommandIds.openRun, { runId }),
    };
    const all = new Map<NotebookPanel, NotebookBadges>();
    let enabled = true;

    notebooks.widgetAdded.connect((_, panel) => {
      const badges = new NotebookBadges(panel, source);
      badges.setEnabled(enabled);
      all.set(panel, badges);
      panel.disposed.connect(() => all.delete(panel));
      void panel.context.ready.then(() => badges.schedule());
    });
    NotebookActions.executed.connect((_, { notebook }) => {
      for (const [panel, badges] of all) if (panel.content === notebook) badges.schedule();
    });
    connection.onNotification(RunsChangedNotification, () => {
      for (const badges of all.values()) badges.schedule(true);
    });
    connection.restarted.connect(() => {
      for (const badges of all.values()) badges.schedule(true);
    });

    if (registry) {
      void registry
        .load(badgesPlugin.id)
        .then((settings) => {
          const apply = (): void => {
            enabled = settings.get('enabled').composite !== false;
            for (const badges of all.values()) badges.setEnabled(enabled);
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch((error: unknown) => console.warn('sextant: cannot load badge settings', error));
    }
  },
};
