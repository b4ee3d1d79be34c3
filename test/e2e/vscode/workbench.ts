/**
 * What the UI tests do on the workbench as a person would: start code-server with the built .vsix,
 * run commands from F1, open files, switch colour themes, find a webview's frame and take
 * screenshots once the picture holds still. Every wait is for a condition, never a fixed sleep.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Frame, Page } from 'playwright-core';
import { runMain, startSession, waitFor, type Session } from './codeServer';

/** The page globals used inside `evaluate` callbacks (this project compiles without the DOM lib). */
declare const document: {
  body?: { dataset: Record<string, string | undefined> };
  querySelector(
    selector: string,
  ): { className: string; scrollIntoView(options: { block: string }): void } | null;
};

const run = promisify(execFile);

/** Where the UI tests write their screenshots: test/e2e/vscode/screenshots/ in the source tree. */
export const SHOTS = path.resolve(__dirname, '..', '..', '..', 'e2e', 'vscode', 'screenshots');

/** An environment variable the test cannot run without. */
export function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see test/e2e/vscode/run.sh)`);
  return value;
}

/**
 * A fresh workspace in /tmp (named `prefix…`) with an empty `.sextant` store, and code-server with
 * the .vsix on it: the `setUp` of {@link runUiTest} for tests that log their own data.
 */
export async function freshWorkbench(
  prefix: string,
  prepare?: (workspace: string) => void,
): Promise<{ session: Session; workspace: string }> {
  const workspace = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), prefix));
  fs.mkdirSync(path.join(workspace, '.sextant'));
  prepare?.(workspace);
  const session = await startWorkbench({
    codeServer: need('CODE_SERVER'),
    vsix: need('VSIX'),
    workspace,
  });
  return { session, workspace };
}

/**
 * Collects what the page's console says of a refused Content Security Policy or a Sextant view's
 * error, from now on: the returned list fills as they come.
 */
export function watchViewProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|unsafe-eval|sextant .*view:/i.test(text)) problems.push(text);
  });
  return problems;
}

/** Scrolls a webview section into view (by its aria-label); fails when the view has none. */
export async function showSection(frame: Frame, label: string): Promise<void> {
  const found = await frame.evaluate((l) => {
    const section = document.querySelector(
      `section[aria-label="${l}"], details[aria-label="${l}"]`,
    );
    section?.scrollIntoView({ block: 'start' });
    return section !== null;
  }, label);
  if (!found) throw new Error(`the view has no section '${label}'`);
}

/** Starts code-server on `workspace` with the .vsix installed, and Chromium. */
export function startWorkbench(options: {
  codeServer: string;
  vsix: string;
  workspace: string;
  env?: NodeJS.ProcessEnv;
}): Promise<Session> {
  return startSession({
    codeServer: options.codeServer,
    workspace: options.workspace,
    env: options.env,
    prepare: async ({ userDir, extensionsDir, env }) => {
      const args = ['--user-data-dir', userDir, '--extensions-dir', extensionsDir];
      await run(options.codeServer, [...args, '--install-extension', options.vsix], { env });
      assertShipped(extensionsDir);
    },
  });
}

/** What the bundled language server reads beside itself at run time (see esbuild.mjs). */
const SHIPPED = [
  'out/server.js',
  'out/sextant.js',
  'out/runtime.json',
  'out/sextant_eval.py',
  'out/schemas/pipeline.schema.json',
];

/** Fails, naming the file, when the installed .vsix lacks a file the language server needs. */
function assertShipped(extensionsDir: string): void {
  const installed = fs.readdirSync(extensionsDir).find((name) => name.startsWith('sextant.'));
  if (!installed) throw new Error(`the .vsix did not install into ${extensionsDir}`);
  const missing = SHIPPED.filter(
    (file) => !fs.existsSync(path.join(extensionsDir, installed, file)),
  );
  if (missing.length > 0) {
    throw new Error(
      `the .vsix lacks ${missing.join(', ')}: the language server reads them at run time ` +
        '(extension-vscode/.vscodeignore must let them in)',
    );
  }
}

/**
 * Waits until the status bar shows the Sextant server's address and gives it (`127.0.0.1:PORT`);
 * fails at once, with the notification's words, when the server cannot start. The wait is long: on
 * a busy two-core machine, code-server, the extension, the language server and the tracking server
 * have been seen to take over 60 s to come up.
 */
export async function serverAddress(page: Page, timeoutMs = 150_000): Promise<string> {
  const status = page.locator('.statusbar-item', { hasText: 'Sextant 127.0.0.1:' }).first();
  const failure = page
    .locator('.notification-toast', { hasText: /Sextant/, has: page.locator('.codicon-error') })
    .first();
  const seen = await waitFor(
    'the Sextant server in the status bar',
    async () => {
      if (await status.isVisible()) return { up: await status.innerText(), failed: undefined };
      if (await failure.isVisible()) return { up: '', failed: await failure.innerText() };
      return undefined;
    },
    timeoutMs,
  );
  if (seen.failed !== undefined) {
    throw new Error(`the Sextant server did not start: ${seen.failed.replace(/\s+/g, ' ')}`);
  }
  return /127\.0\.0\.1:\d+/.exec(seen.up)![0];
}

/** The frame of the webview whose page shows `view` (its `body[data-view]`). */
export async function viewFrame(page: Page, view: string, timeoutMs = 30_000): Promise<Frame> {
  return waitFor(
    `the ${view} webview`,
    async () => {
      for (const frame of page.frames()) {
        const found = await frame
          .evaluate((v) => document.body?.dataset['view'] === v, view)
          .catch(() => false);
        if (found) return frame;
      }
      return undefined;
    },
    timeoutMs,
  );
}

/** Types `text` into the open quick input and clicks the entry whose label starts with `label`. */
export async function pick(page: Page, text: string, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(text);
  const row = page.locator(`.quick-input-list .monaco-list-row[aria-label^="${label}"]`).first();
  await row.waitFor();
  await row.click();
}

/** Types into the open input box and accepts it. */
export async function answer(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/**
 * Right-clicks a tree row and picks an entry of its context menu: the entry labelled exactly
 * `entry`, or the first whose text matches a RegExp. Menus act on the focused entry: it is
 * hovered, then Enter pressed, as a keyboard user would.
 */
export async function contextMenu(
  page: Page,
  row: ReturnType<Page['locator']>,
  entry: string | RegExp,
): Promise<void> {
  await row.click({ button: 'right' });
  const item = page
    .locator(
      '.monaco-menu .action-item',
      typeof entry === 'string'
        ? { has: page.getByText(entry, { exact: true }) }
        : { hasText: entry },
    )
    .first();
  await item.waitFor();
  await item.hover();
  await page.keyboard.press('Enter');
}

/** Waits for a notification, logs it and clears it. */
export async function notification(page: Page, text: RegExp, timeoutMs = 180_000): Promise<string> {
  const toast = page.locator('.notification-toast', { hasText: text }).first();
  await toast.waitFor({ timeout: timeoutMs });
  const message = (await toast.innerText()).replace(/\s+/g, ' ');
  console.log(`notification: ${message}`);
  await toast
    .locator('.codicon-notifications-clear')
    .click()
    .catch(() => undefined);
  return message;
}

/** Waits until the webview's text at `selector` matches; answers it. */
export async function frameShows(frame: Frame, selector: string, text: RegExp): Promise<string> {
  return waitFor(
    `the view's ${selector} to read ${text}`,
    async () => {
      const found = await frame
        .locator(selector)
        .first()
        .innerText()
        .catch(() => '');
      return text.test(found) ? found : undefined;
    },
    60_000,
  );
}

/** Runs a command from the command palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await pick(page, `>${title}`, title);
}

/** Opens a workspace file with Quick Open and waits for its tab. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await pick(page, name, name);
  await page.locator(`.tab.active[aria-label^="${name}"]`).first().waitFor();
}

/** The workbench's theme class for a colour theme's name. */
function themeClass(theme: string): string {
  if (/high contrast light/i.test(theme)) return 'hc-light';
  if (/high contrast/i.test(theme)) return 'hc-black';
  return /light/i.test(theme) ? 'vs' : 'vs-dark';
}

/** Switches the colour theme and waits until the workbench and every webview wear it. */
export async function setTheme(page: Page, theme: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await pick(page, theme, theme);
  const wanted = themeClass(theme);
  await waitFor(`the workbench in ${theme}`, () =>
    page.evaluate(
      (cls) =>
        (document.querySelector('.monaco-workbench')?.className ?? '').split(' ').includes(cls) ||
        undefined,
      wanted,
    ),
  );
  // Webviews get the theme as a body class (vscode-light, vscode-dark, vscode-high-contrast).
  const bodyClass =
    wanted === 'vs'
      ? 'vscode-light'
      : wanted === 'vs-dark'
        ? 'vscode-dark'
        : 'vscode-high-contrast';
  for (const frame of page.frames()) {
    const view = await frame.evaluate(() => document.body?.dataset['view']).catch(() => undefined);
    if (!view) continue;
    await waitFor(`the ${view} webview in ${theme}`, () =>
      frame.evaluate(
        (cls) =>
          (document.querySelector('body')?.className ?? '').split(' ').includes(cls) || undefined,
        bodyClass,
      ),
    );
  }
}

/**
 * Saves a screenshot of the page as SHOTS/`name`.png once two shots in a row are the same (the
 * charts drew, the layout settled); after `timeoutMs` it saves the last one as it is.
 */
export async function snap(page: Page, name: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = await page.screenshot({ animations: 'disabled' });
  for (;;) {
    const next = await page.screenshot({ animations: 'disabled' });
    if (next.equals(previous) || Date.now() > deadline) {
      fs.writeFileSync(path.join(SHOTS, `${name}.png`), next);
      return;
    }
    previous = next;
  }
}

/**
 * Runs a UI test: `setUp` makes the workspace and starts the session, `test` gets the session's
 * first page; on a failure the page is saved as
 * SHOTS/`failureShot`.png; the session and the workspace are removed either way, and the process
 * exits with 1 on a failure.
 */
export function runUiTest(
  failureShot: string,
  setUp: () => Promise<{ session: Session; workspace: string }>,
  test: (page: Page, context: { session: Session; workspace: string }) => Promise<void>,
): void {
  const main = async (): Promise<void> => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const { session, workspace } = await setUp();
    try {
      const page = session.browser.pages()[0] ?? (await session.browser.newPage());
      await test(page, { session, workspace }).catch(async (error: unknown) => {
        await page
          .screenshot({ path: path.join(SHOTS, `${failureShot}.png`) })
          .catch(() => undefined);
        throw error;
      });
    } finally {
      await session.close();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  };
  runMain(main);
}
