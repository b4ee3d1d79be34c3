import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { sextantIcon } from '../icons.js';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { WelcomePanel } from './panel.js';

/** The command that opens the Getting Started panel. */
export const SHOW_WELCOME = 'sextant:getting-started';

/** Sextant's Getting Started panel, from the launcher's card and the command palette. */
export const welcomePlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:welcome',
  description: 'Sextant Getting Started: the tracking URI and the first steps, from the launcher.',
  autoStart: true,
  requires: [ISextantConnection],
  optional: [ICommandPalette, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
  ): void => {
    let open: MainAreaWidget<WelcomePanel> | undefined;
    app.commands.addCommand(SHOW_WELCOME, {
      label: 'Sextant Getting Started',
      caption: 'What to do first with Sextant, and the tracking URI to log to',
      icon: sextantIcon,
      execute: () => {
        if (!open || open.isDisposed) {
          const panel = new WelcomePanel(
            connection,
            () => void app.commands.execute(CommandIds.showExperiments),
          );
          open = new MainAreaWidget({ content: panel });
          open.id = 'sextant-getting-started';
          open.title.label = panel.title.label;
          open.title.icon = sextantIcon;
          open.title.closable = true;
          app.shell.add(open, 'main');
        }
        app.shell.activateById(open.id);
      },
    });
    palette?.addItem({ command: SHOW_WELCOME, category: 'Sextant' });
    launcher?.add({ command: SHOW_WELCOME, category: 'Other', rank: 0 });
  },
};
