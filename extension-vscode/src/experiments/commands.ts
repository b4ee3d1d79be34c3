/**
 * Experiment commands of the Experiments tree: delete (with confirmation) and restore an
 * experiment, edit its description (the `mlflow.note.content` tag) and tags, and open a snippet that logs a
 * first run to the running server.
 */
import {
  ExperimentsDeleteRequest,
  ExperimentsDeleteTagRequest,
  ExperimentsRestoreRequest,
  ExperimentsSetTagRequest,
  type Experiment,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { loggingSnippet } from '@sextant/media/runs/snippet';
import type { SextantApi } from '../api';
import type { ExperimentsNode } from './model';
import type { ExperimentsTree } from './tree';

const NOTE_TAG = 'mlflow.note.content';

/** The experiment a command was invoked on. */
function experimentOf(node: unknown): Experiment {
  const target = node as ExperimentsNode | undefined;
  if (target?.kind !== 'experiment') {
    throw new Error('right-click an experiment in the Experiments view.');
  }
  return target.experiment;
}

/** Registers the experiment commands with `register` (which reports errors). */
export function registerExperimentCommands(
  api: SextantApi,
  experiments: ExperimentsTree,
  register: (id: string, fn: (...args: unknown[]) => unknown) => vscode.Disposable,
): vscode.Disposable[] {
  return [
    register('sextant.deleteExperiment', async (node) => {
      const experiment = experimentOf(node);
      const answer = await vscode.window.showWarningMessage(
        `Delete experiment "${experiment.name}"?`,
        {
          modal: true,
          detail:
            'Its runs are hidden with it. Deleted experiments can be restored: show them with the bin button.',
        },
        'Delete',
      );
      if (answer !== 'Delete') return;
      await api.request(ExperimentsDeleteRequest, { experimentId: experiment.experimentId });
      experiments.refresh();
    }),
    register('sextant.restoreExperiment', async (node) => {
      const experiment = experimentOf(node);
      await api.request(ExperimentsRestoreRequest, { experimentId: experiment.experimentId });
      experiments.refresh();
    }),
    register('sextant.editExperimentDescription', async (node) => {
      const experiment = experimentOf(node);
      const current = experiment.tags.find((t) => t.key === NOTE_TAG)?.value ?? '';
      const value = await vscode.window.showInputBox({
        title: `Description of ${experiment.name} (Markdown; empty removes it)`,
        value: current,
      });
      if (value === undefined || value.trim() === current.trim()) return;
      const experimentId = experiment.experimentId;
      if (value.trim() === '') {
        await api.request(ExperimentsDeleteTagRequest, { experimentId, key: NOTE_TAG });
      } else {
        await api.request(ExperimentsSetTagRequest, {
          experimentId,
          key: NOTE_TAG,
          value: value.trim(),
        });
      }
      experiments.refresh();
    }),
    register('sextant.setExperimentTag', async (node) => {
      const experiment = experimentOf(node);
      const key = await vscode.window.showInputBox({
        title: `Tag ${experiment.name}: key`,
        validateInput: (v) => (v.trim() === '' ? 'A tag needs a key.' : undefined),
      });
      if (key === undefined) return;
      const current = experiment.tags.find((t) => t.key === key.trim())?.value ?? '';
      const value = await vscode.window.showInputBox({
        title: `Tag ${experiment.name}: value of ${key.trim()}`,
        value: current,
      });
      if (value === undefined) return;
      await api.request(ExperimentsSetTagRequest, {
        experimentId: experiment.experimentId,
        key: key.trim(),
        value,
      });
      experiments.refresh();
    }),
    register('sextant.deleteExperimentTag', async (node) => {
      const experiment = experimentOf(node);
      const tags = experiment.tags.filter((t) => !t.key.startsWith('mlflow.'));
      if (tags.length === 0) throw new Error(`${experiment.name} has no tags of its own.`);
      const pick = await vscode.window.showQuickPick(
        tags.map((t) => ({ label: t.key, description: t.value })),
        { title: `Delete a tag of ${experiment.name}` },
      );
      if (!pick) return;
      await api.request(ExperimentsDeleteTagRequest, {
        experimentId: experiment.experimentId,
        key: pick.label,
      });
      experiments.refresh();
    }),
    register('sextant.showLoggingSnippet', async (experimentName) => {
      const uri = api.info?.trackingUri;
      if (!uri) throw new Error('the tracking server has not started yet.');
      const name = typeof experimentName === 'string' ? experimentName : undefined;
      const document = await vscode.workspace.openTextDocument({
        language: 'python',
        content: `${loggingSnippet(uri, name)}\n`,
      });
      await vscode.window.showTextDocument(document);
    }),
  ];
}
