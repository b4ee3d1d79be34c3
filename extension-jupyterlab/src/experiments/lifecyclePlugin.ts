/**
 * The sidebar's context menu for experiments and runs: delete (after a confirmation) and restore
 * them, as MLflow's lifecycle does (a soft delete; the sidebar's bin button shows them), and edit
 * an experiment's description (its `mlflow.note.content` tag) and tags. The sidebar follows each
 * change through the server's notifications.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import {
  ExperimentsDeleteRequest,
  ExperimentsDeleteTagRequest,
  ExperimentsListRequest,
  ExperimentsRestoreRequest,
  ExperimentsSetTagRequest,
  RunsDeleteRequest,
  RunsRestoreRequest,
  type Experiment,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { CommandIds, ISextantConnection, ISextantSidebar } from '../tokens.js';

const NOTE_TAG = 'mlflow.note.content';
const RUN = '.jp-SextantTree-run[data-run-id]';
const ACTIVE_RUN = `${RUN}:not([data-deleted])`;
const DELETED_RUN = `${RUN}[data-deleted]`;
const EXPERIMENT = '.jp-SextantTree-experiment[data-experiment-id]';
const EXPERIMENT_ROW = `${EXPERIMENT} > .jp-SextantTree-row`;
const ACTIVE_EXPERIMENT_ROW = `${EXPERIMENT}:not([data-deleted]) > .jp-SextantTree-row`;
const DELETED_EXPERIMENT_ROW = `${EXPERIMENT}[data-deleted] > .jp-SextantTree-row`;

/** Delete and restore experiments and runs, and edit experiments, from the sidebar. */
export const lifecyclePlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:lifecycle',
  description:
    "Sextant sidebar's context menu: delete and restore experiments and runs, edit an experiment's description and tags.",
  autoStart: true,
  requires: [ISextantConnection, ISextantSidebar],
  activate: (app: JupyterFrontEnd, connection: ISextantConnection): void => {
    const hit = (selector: string): HTMLElement | undefined =>
      app.contextMenuHitTest((node) => node.matches(selector));
    const runOf = (args: ReadonlyPartialJSONObject): { runId: string; name: string } => {
      const row = hit(RUN);
      const runId = typeof args['runId'] === 'string' ? args['runId'] : row?.dataset['runId'];
      if (!runId) throw new Error('Right-click a run in the Sextant sidebar.');
      const name = row?.querySelector('.jp-SextantTree-open')?.textContent ?? runId;
      return { runId, name };
    };
    const experimentIdOf = (args: ReadonlyPartialJSONObject): string => {
      const item = hit(EXPERIMENT_ROW)?.closest<HTMLElement>(EXPERIMENT);
      const id =
        typeof args['experimentId'] === 'string'
          ? args['experimentId']
          : item?.dataset['experimentId'];
      if (!id) throw new Error('Right-click an experiment in the Sextant sidebar.');
      return id;
    };
    const experimentOf = async (args: ReadonlyPartialJSONObject): Promise<Experiment> => {
      const id = experimentIdOf(args);
      const { experiments } = await connection.request(ExperimentsListRequest, {
        viewType: 'ALL',
      });
      const found = experiments.find((e) => e.experimentId === id);
      if (!found) throw new Error(`Experiment ${id} no longer exists.`);
      return found;
    };
    const guarded =
      (what: string, action: (args: ReadonlyPartialJSONObject) => Promise<unknown>) =>
      async (args: ReadonlyPartialJSONObject): Promise<unknown> => {
        try {
          return await action(args);
        } catch (error) {
          Notification.error(`${what}: ${errorMessage(error)}`, { autoClose: 8000 });
          return undefined;
        }
      };
    const confirmed = async (title: string, body: string): Promise<boolean> =>
      (
        await showDialog({
          title,
          body,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
        })
      ).button.accept;

    app.commands.addCommand(CommandIds.deleteRun, {
      label: 'Delete Run…',
      execute: guarded('Cannot delete the run', async (args) => {
        const { runId, name } = runOf(args);
        if (
          !(await confirmed(
            `Delete run ${name}?`,
            'Deleted runs can be restored: show them with the bin button.',
          ))
        )
          return undefined;
        return connection.request(RunsDeleteRequest, { runId });
      }),
    });
    app.commands.addCommand(CommandIds.restoreRun, {
      label: 'Restore Run',
      execute: guarded('Cannot restore the run', (args) =>
        connection.request(RunsRestoreRequest, { runId: runOf(args).runId }),
      ),
    });
    app.commands.addCommand(CommandIds.deleteExperiment, {
      label: 'Delete Experiment…',
      execute: guarded('Cannot delete the experiment', async (args) => {
        const experiment = await experimentOf(args);
        const ok = await confirmed(
          `Delete experiment ${experiment.name}?`,
          'Its runs are hidden with it. Deleted experiments can be restored: show them with the bin button.',
        );
        if (!ok) return undefined;
        return connection.request(ExperimentsDeleteRequest, {
          experimentId: experiment.experimentId,
        });
      }),
    });
    app.commands.addCommand(CommandIds.restoreExperiment, {
      label: 'Restore Experiment',
      execute: guarded('Cannot restore the experiment', async (args) =>
        connection.request(ExperimentsRestoreRequest, { experimentId: experimentIdOf(args) }),
      ),
    });
    app.commands.addCommand(CommandIds.editExperimentDescription, {
      label: 'Edit Description…',
      execute: guarded('Cannot edit the description', async (args) => {
        const experiment = await experimentOf(args);
        const current = experiment.tags.find((t) => t.key === NOTE_TAG)?.value ?? '';
        const answer = await InputDialog.getText({
          title: `Description of ${experiment.name} (Markdown; empty removes it)`,
          text: current,
        });
        if (!answer.button.accept || answer.value === null) return undefined;
        const value = answer.value.trim();
        if (value === current.trim()) return undefined;
        const experimentId = experiment.experimentId;
        return value === ''
          ? connection.request(ExperimentsDeleteTagRequest, { experimentId, key: NOTE_TAG })
          : connection.request(ExperimentsSetTagRequest, { experimentId, key: NOTE_TAG, value });
      }),
    });
    app.commands.addCommand(CommandIds.setExperimentTag, {
      label: 'Set Tag…',
      execute: guarded('Cannot set the tag', async (args) => {
        const experiment = await experimentOf(args);
        const key = await InputDialog.getText({ title: `Tag ${experiment.name}: key` });
        if (!key.button.accept || !key.value?.trim()) return undefined;
        const name = key.value.trim();
        const value = await InputDialog.getText({
          title: `Tag ${experiment.name}: value of ${name}`,
          text: experiment.tags.find((t) => t.key === name)?.value ?? '',
        });
        if (!value.button.accept || value.value === null) return undefined;
        return connection.request(ExperimentsSetTagRequest, {
          experimentId: experiment.experimentId,
          key: name,
          value: value.value,
        });
      }),
    });
    app.commands.addCommand(CommandIds.deleteExperimentTag, {
      label: 'Delete Tag…',
      execute: guarded('Cannot delete the tag', async (args) => {
        const experiment = await experimentOf(args);
        const keys = experiment.tags.map((t) => t.key).filter((k) => !k.startsWith('mlflow.'));
        if (keys.length === 0) throw new Error(`${experiment.name} has no tags of its own.`);
        const pick = await InputDialog.getItem({
          title: `Delete a tag of ${experiment.name}`,
          items: keys,
        });
        if (!pick.button.accept || !pick.value) return undefined;
        return connection.request(ExperimentsDeleteTagRequest, {
          experimentId: experiment.experimentId,
          key: pick.value,
        });
      }),
    });

    const items: [string, string, number][] = [
      [CommandIds.deleteRun, ACTIVE_RUN, 20],
      [CommandIds.restoreRun, DELETED_RUN, 20],
      [CommandIds.editExperimentDescription, ACTIVE_EXPERIMENT_ROW, 10],
      [CommandIds.setExperimentTag, ACTIVE_EXPERIMENT_ROW, 11],
      [CommandIds.deleteExperimentTag, ACTIVE_EXPERIMENT_ROW, 12],
      [CommandIds.deleteExperiment, ACTIVE_EXPERIMENT_ROW, 20],
      [CommandIds.restoreExperiment, DELETED_EXPERIMENT_ROW, 20],
    ];
    for (const [command, selector, rank] of items) {
      app.contextMenu.addItem({ command, selector, rank });
    }
  },
};
