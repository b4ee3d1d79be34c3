/**
 * What the JupyterLab UI tests do on the page alike: screenshots, themes, menus, the Sextant
 * sidebar's rows, and the registry's aliases read back over the MLflow REST API.
 */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

/** Where the JupyterLab UI tests' screenshots go. */
export const SHOTS = path.join(REPO, 'test', 'e2e', 'jupyterlab', 'screenshots');

/**
 * A screenshot of the page (or of `target`) under {@link SHOTS}, once the notification toasts
 * are closed and the page has settled.
 */
export async function shot(page: Page, name: string, target?: Locator): Promise<void> {
  for (const close of await page.locator('.jp-Notification-Toast-Close').all()) {
    await close.click().catch(() => undefined);
  }
  await page.waitForTimeout(800);
  await (target ?? page).screenshot({ path: path.join(SHOTS, name) });
  console.log(`  screenshot test/e2e/jupyterlab/screenshots/${name}`);
}

/** Picks `item` from the menu bar's `top` menu. */
export async function menu(page: Page, top: string, item: string): Promise<void> {
  await page.locator('.lm-MenuBar-itemLabel', { hasText: new RegExp(`^${top}$`) }).click();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) })
    .first()
    .click();
}

/** Picks a JupyterLab theme from Settings → Theme and waits for it. */
export async function theme(page: Page, name: string, light: boolean): Promise<void> {
  await menu(page, 'Settings', 'Theme');
  await page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${name}$`) }).click();
  await page
    .locator(`body[data-jp-theme-name="${name}"][data-jp-theme-light="${light}"]`)
    .waitFor({ state: 'attached', timeout: 30_000 });
}

/** Right-clicks `target` and picks `item` from JupyterLab's context menu; answers its items. */
export async function contextMenu(page: Page, target: Locator, item: string): Promise<string[]> {
  await target.click({ button: 'right' });
  const opened = page.locator('.lm-Menu').last();
  await opened.waitFor();
  const items = await opened.locator('.lm-Menu-itemLabel').allTextContents();
  await opened
    .locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) })
    .first()
    .click();
  return items;
}

/** The Deployments section's row of `deployment` (in that status, when given). */
export function deploymentRow(page: Page, deployment: string, status?: string): Locator {
  return page.locator(
    `#sextant-sidebar .jp-SextantDeployments-deployment[data-deployment="${deployment}"]${status ? `[data-status="${status}"]` : ''} > .jp-SextantDeployments-row`,
  );
}

/** The version a registry alias points at, read through the MLflow REST API. */
export async function aliasVersion(url: string, model: string, alias: string): Promise<string> {
  const answer = await fetch(
    `${url}/api/2.0/mlflow/registered-models/alias?name=${encodeURIComponent(model)}&alias=${encodeURIComponent(alias)}`,
  );
  const body = (await answer.json()) as { model_version: { version: string } };
  return body.model_version.version;
}
