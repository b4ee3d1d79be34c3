/**
 * What the JupyterLab UI tests do on the page alike: screenshots, themes, menus, the Sextant
 * sidebar's rows, and the registry's aliases read back over the MLflow REST API.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { Lab } from './jupyterLab';

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

/**
 * Opens JupyterLab at `route` in a new page (its page errors logged), shows the Sextant sidebar,
 * waits until it is connected and answers the page with the tracking server's URL.
 */
export async function openSextantSidebar(
  context: BrowserContext,
  lab: Lab,
  route = '/lab',
): Promise<{ page: Page; url: string }> {
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    // The first frames say whose code threw (the page's bundles are minified).
    const frames = (error.stack ?? '').split('\n').filter((line) => line.includes(' at '));
    console.error(
      `  page error: ${error.message}${frames.length ? `\n  ${frames.slice(0, 3).join('\n  ')}` : ''}`,
    );
  });
  await page.goto(`${lab.base}${route}?token=${lab.token}`);
  await page.locator('#jp-main-dock-panel').waitFor({ timeout: 60_000 });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="sextant-sidebar"]').click();
  await page.locator('#sextant-sidebar[data-state="ready"]').waitFor({ timeout: 60_000 });
  const { url } = JSON.parse(
    fs.readFileSync(path.join(lab.root, '.sextant', 'server.json'), 'utf8'),
  ) as { url: string };
  return { page, url };
}
