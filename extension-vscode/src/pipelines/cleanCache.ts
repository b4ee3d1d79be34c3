/**
 * `Sextant: Clean Pipeline Cache…`: asks how many versions of each step to keep, shows what a
 * dry run of the collection would remove, and removes it once the user agrees.
 */
import { PipelinesGcRequest } from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import type { SextantClient } from '@sextant/media/client';

interface KeepChoice extends vscode.QuickPickItem {
  keep: number;
}

const KEEP_CHOICES: readonly KeepChoice[] = [
  {
    label: 'Keep the newest version of each step',
    detail: 'What the workspace holds now stays restorable; older outputs go.',
    keep: 1,
  },
  {
    label: 'Keep the newest 3 versions of each step',
    detail: 'Going back two changes still restores from the cache.',
    keep: 3,
  },
  {
    label: 'Empty the cache',
    detail: 'Every step runs again the next time it is needed.',
    keep: 0,
  },
];

/** Runs the command's dialogue; answers the sentence shown at the end, or undefined if stopped. */
export async function cleanPipelineCache(pipelines: SextantClient): Promise<string | undefined> {
  const choice = await vscode.window.showQuickPick(KEEP_CHOICES, {
    title: 'Clean the pipeline cache',
    placeHolder: 'How many versions of each step should stay in the cache?',
  });
  if (!choice) return undefined;
  const dry = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Sextant: reading the cache…' },
    () => pipelines.request(PipelinesGcRequest, { keep: choice.keep, dry: true }),
  );
  if (dry.entries.removed === 0 && dry.objects.removed === 0) {
    const versions = dry.entries.kept === 1 ? 'version' : 'versions';
    const message = `Sextant: nothing to remove from the pipeline cache; it holds ${dry.entries.kept} step ${versions}.`;
    void vscode.window.showInformationMessage(message);
    return message;
  }
  const remove = 'Remove';
  const answer = await vscode.window.showWarningMessage(
    `Clean the pipeline cache? It ${dry.summary}.`,
    {
      modal: true,
      detail: 'A removed version cannot be restored: its step runs again when it is next needed.',
    },
    remove,
  );
  if (answer !== remove) return undefined;
  const done = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Sextant: cleaning the cache…' },
    () => pipelines.request(PipelinesGcRequest, { keep: choice.keep }),
  );
  const message = `Sextant: pipeline cache cleaned: ${done.summary}.`;
  void vscode.window.showInformationMessage(message);
  return message;
}
