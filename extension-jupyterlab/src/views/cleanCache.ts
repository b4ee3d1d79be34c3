/**
 * `Clean Sextant Pipeline Cache…`: asks how many versions of each step to keep, shows what a dry
 * run of the collection would remove, and removes it once the user agrees (the same dialogue as
 * VS Code's command, over `sextant/pipelines/gc`).
 */
import { Dialog, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PipelinesGcRequest } from '@sextant/language-server/protocol';
import type { ISextantConnection } from '../tokens.js';

const KEEP_CHOICES: ReadonlyArray<{ label: string; keep: number }> = [
  { label: 'Keep the newest version of each step', keep: 1 },
  { label: 'Keep the newest 3 versions of each step', keep: 3 },
  { label: 'Empty the cache (every step runs again when next needed)', keep: 0 },
];

/** Runs the dialogue; answers the sentence shown at the end, or undefined if stopped. */
export async function cleanPipelineCache(
  connection: ISextantConnection,
): Promise<string | undefined> {
  const chosen = await InputDialog.getItem({
    title: 'Clean the pipeline cache',
    label: 'How many versions of each step should stay in the cache?',
    items: KEEP_CHOICES.map((c) => c.label),
    current: 0,
    okLabel: 'Next',
  });
  const keep = KEEP_CHOICES.find((c) => c.label === chosen.value)?.keep;
  if (!chosen.button.accept || keep === undefined) return undefined;
  const dry = await connection.request(PipelinesGcRequest, { keep, dry: true });
  if (dry.entries.removed === 0 && dry.objects.removed === 0) {
    const versions = dry.entries.kept === 1 ? 'version' : 'versions';
    const message = `Nothing to remove from the pipeline cache; it holds ${dry.entries.kept} step ${versions}.`;
    Notification.info(message, { autoClose: 5000 });
    return message;
  }
  const answer = await showDialog({
    title: 'Clean the pipeline cache?',
    body: `It ${dry.summary}. A removed version cannot be restored: its step runs again when it is next needed.`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Remove' })],
  });
  if (!answer.button.accept) return undefined;
  const done = await connection.request(PipelinesGcRequest, { keep });
  const message = `Pipeline cache cleaned: ${done.summary}.`;
  Notification.success(message, { autoClose: 8000 });
  return message;
}
