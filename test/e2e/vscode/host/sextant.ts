/**
 * What the extension-host tests share: the activated extension's API, the tracking server's
 * MLflow REST API as the mlflow client calls it, and waiting for a condition (never a sleep).
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SextantExtensionApi } from '../../../../extension-vscode/dist/extension';

/** The Sextant extension's API once it is active and its language server answered. */
export async function api(): Promise<SextantExtensionApi> {
  const extension = vscode.extensions.getExtension<SextantExtensionApi>('sextant.sextant');
  assert.ok(extension, 'the Sextant extension is installed');
  const exports = await extension.activate();
  await exports.ready;
  return exports;
}

/** Calls the MLflow REST API of the extension's tracking server, as the mlflow client would. */
export async function mlflow<T>(trackingUri: string, method: string, body: unknown): Promise<T> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${method}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

/** What `runs/create` answers. */
export type CreatedRun = { run: { info: { run_id: string; artifact_uri: string } } };

/** Creates an experiment named `name` and gives its id. */
export async function createExperiment(trackingUri: string, name: string): Promise<string> {
  const { experiment_id } = await mlflow<{ experiment_id: string }>(
    trackingUri,
    'experiments/create',
    { name },
  );
  return experiment_id;
}

/** Polls `check` every 100 ms for up to 10 s until it gives a value other than undefined. */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A promise that rejects saying what it waited for when it takes longer than `ms`. */
export function within<T>(ms: number, what: string, promise: PromiseLike<T>): Promise<T> {
  return Promise.race([
    Promise.resolve(promise),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms),
    ),
  ]);
}

/** The labels of every open editor tab. */
export const tabLabels = (): string[] =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));

/** Resolves once a tab labelled `label` is open. */
export const tabOpened = (label: string): Promise<true> =>
  until(`the tab "${label}" (open: ${tabLabels().join(', ')})`, () =>
    tabLabels().includes(label) ? true : undefined,
  );

/** Resolves once every command of `ids` is registered. */
export async function assertCommands(ids: string[]): Promise<void> {
  await api();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ids) assert.ok(commands.includes(id), `${id} is registered`);
}
