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
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { TimelineScope } from '@sextant/media/presenters/timeline';
import { errorMessage } from '@sextant/media/client';
import { CommandIds, ISextantConnection } from '../tokens.js';
import { showInMain } from '../views/mainArea.js';
import { TimelinePanel } from './panel.js';

const DEPLOYMENT_ROW = '.jp-SextantDeployments [data-deployment]';
const VERSION_ROW = '.jp-SextantModels-version';

/**
 * The loop timeline in the main area: `Open Loop Timeline` from a deployment's or a model
 * version's context menu, or the palette (every deployment); its items open the run page, the
 * version page or the deployment dashboard through those plugins' commands.
 */
export const timelinePlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:timeline',
  description:
    'Sextant loop timeline: alerts, pipeline runs, evaluations, registrations, deployment changes and decisions of a deployment, each opening its run, version or dashboard.',
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
    const tracker = new WidgetTracker<MainAreaWidget<TimelinePanel>>({
      namespace: 'sextant-timeline',
    });
    const openers = {
      openRun: (runId: string) => void app.commands.execute(CommandIds.openRun, { runId }),
      openVersion: (ref: { name: string; version: string }) =>
        void app.commands.execute(CommandIds.openModelVersion, { ...ref }),
      openDeployment: (deployment: string) =>
        void app.commands.execute(CommandIds.openDeployment, { deployment }),
    };
    /** The scope a command names: its args, else the deployment or version right-clicked. */
    const scopeOf = (args: ReadonlyPartialJSONObject): TimelineScope => {
      const scope: TimelineScope = {
        ...(typeof args['deployment'] === 'string' ? { deployment: args['deployment'] } : {}),
        ...(typeof args['model'] === 'string' ? { model: args['model'] } : {}),
      };
      if (scope.deployment || scope.model) return scope;
      const row = app.contextMenuHitTest((node) => node.matches(DEPLOYMENT_ROW));
      if (row?.dataset['deployment']) return { deployment: row.dataset['deployment'] };
      const version = app.contextMenuHitTest((node) => node.matches(VERSION_ROW));
      if (version?.dataset['model']) return { model: version.dataset['model'] };
      return {};
    };
    app.commands.addCommand(CommandIds.openTimeline, {
      label: 'Open Loop Timeline',
      caption:
        'The continuous-training loop: alert, pipeline run, evaluation, registration, canary, decision',
      describedBy: {
        args: {
          type: 'object',
          properties: { deployment: { type: 'string' }, model: { type: 'string' } },
        },
      },
      execute: (args) => {
        try {
          const scope = scopeOf(args);
          return showInMain(
            app,
            tracker,
            (panel) => panel.shows(scope),
            () => new TimelinePanel(connection, scope, openers),
          );
        } catch (error) {
          void showErrorMessage('Sextant', `Cannot open the loop timeline: ${errorMessage(error)}`);
          return undefined;
        }
      },
    });
    app.contextMenu.addItem({
      command: CommandIds.openTimeline,
      selector: DEPLOYMENT_ROW,
      rank: 20,
    });
    app.contextMenu.addItem({ command: CommandIds.openTimeline, selector: VERSION_ROW, rank: 20 });
    palette?.addItem({ command: CommandIds.openTimeline, category: 'Sextant' });
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIds.openTimeline,
        args: (widget) => ({ ...widget.content.scope }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
    }
    themes?.themeChanged.connect(() => {
      tracker.forEach((widget) => void widget.content.load());
    });
  },
};
