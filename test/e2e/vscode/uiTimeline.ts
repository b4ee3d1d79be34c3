/**
 * The loop timeline in VS Code as a person uses it: code-server (VS Code 1.100.3) with the built
 * .vsix, driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md). The
 * real `mlflow` client logs two scikit-learn models and registers them as versions 1 and 2 of
 * `churn` (version 1 @champion); the store records `churn-api` deployed with version 1 and then
 * version 2 as a 10 % canary, and `sextant deploy promote` moves the alias and the traffic. The
 * test opens "Open Loop Timeline" from the command palette, checks each step of that history and
 * its cause link, clicks the registration of version 2 (its version page opens) and the promotion
 * (the deployment dashboard opens), and takes screenshots in dark, light and high contrast under
 * test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh` (installs what it needs, builds the .vsix).
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with mlflow and scikit-learn), CHROMIUM.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Frame, Page } from 'playwright-core';
import { Engine } from '@sextant/core';
import { waitFor } from './codeServer';
import {
  freshWorkbench,
  need,
  pick,
  runCommand,
  runUiTest,
  serverAddress,
  setTheme,
  snap,
  viewFrame,
  watchViewProblems,
} from './workbench';

const run = promisify(execFile);
const HERE = path.resolve(__dirname, '..', '..', '..', 'e2e', 'vscode');
const REPO = path.resolve(HERE, '..', '..', '..');
const python = need('PYTHON');

const variant = (name: string, version: string, weight: number, uri: string) => ({
  name,
  model: 'churn',
  version,
  uri,
  weight,
  shadow: false,
  replicas: 1,
});

/** Records `churn-api` serving version 1, then version 2 added as a 10 % canary. */
function recordDeployment(store: string): void {
  const engine = Engine.open({ storeDir: store, create: false });
  try {
    const champion = variant('champion', '1', 100, 'models:/churn@champion');
    engine.deployments.record(
      'churn-api',
      'deploy',
      { user: 'ada', reason: 'first release' },
      { status: 'stopped', variants: [champion], champion: 'champion' },
    );
    engine.deployments.record(
      'churn-api',
      'update',
      { user: 'ada', reason: 'canary of version 2' },
      {
        status: 'stopped',
        variants: [{ ...champion, weight: 90 }, variant('challenger', '2', 10, 'models:/churn/2')],
        champion: 'champion',
      },
    );
  } finally {
    void engine.close();
  }
}

/** The timeline item whose title matches, once the view shows it. */
async function item(frame: Frame, title: RegExp): Promise<ReturnType<Frame['locator']>> {
  const found = frame.locator('li.timeline-item', {
    has: frame.locator('.timeline-title', { hasText: title }),
  });
  await found.first().waitFor({ timeout: 30_000 });
  return found.first();
}

/** Opens the timeline of churn-api from the command palette and answers its frame. */
async function openTimeline(page: Page): Promise<Frame> {
  await runCommand(page, 'Sextant: Open Loop Timeline');
  await pick(page, 'churn-api', 'churn-api');
  const frame = await viewFrame(page, 'timeline');
  await frame.locator('h1', { hasText: 'Loop timeline' }).waitFor();
  return frame;
}

runUiTest(
  'timeline-failure',
  () => freshWorkbench('sextant-ui-timeline-'),
  async (page, { session, workspace }) => {
    const problems = watchViewProblems(page);
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
    const host = await serverAddress(page);
    const pyEnv = {
      ...process.env,
      MLFLOW_TRACKING_URI: `http://${host}`,
      GIT_PYTHON_REFRESH: 'quiet',
    };
    const logged = await run(python, [path.join(HERE, 'log_model.py'), workspace], { env: pyEnv });
    const ids = logged.stdout.trim().split('\n').at(-1)!;
    await run(python, [path.join(HERE, 'register_model.py'), ids], { env: pyEnv });
    const store = path.join(workspace, '.sextant');
    recordDeployment(store);
    const promoted = await run(
      'node',
      [
        path.join(REPO, 'core', 'bin', 'sextant.js'),
        'deploy',
        'promote',
        'churn-api',
        '--variant',
        'challenger',
        '--store',
        store,
      ],
      { cwd: workspace },
    );
    console.log(`promote: ${promoted.stdout.trim()}`);

    let timeline = await openTimeline(page);
    const registered = await item(timeline, /^Registered churn version 2$/);
    const canary = await item(timeline, /^Updated churn-api$/);
    const promotion = await item(timeline, /^Promoted churn version 2 on churn-api$/);
    const moved = await item(timeline, /^churn@champion moved from version 1 to 2$/);
    await item(timeline, /^Registered churn version 1$/);
    const causes = async (row: ReturnType<Frame['locator']>): Promise<string> =>
      (await row.locator('.timeline-cause').innerText()).replace(/\s+/g, ' ');
    if (!/after Registered churn version 2/.test(await causes(canary))) {
      throw new Error(`the canary does not name its registration: ${await causes(canary)}`);
    }
    if (!/after Promoted churn version 2 on churn-api/.test(await causes(moved))) {
      throw new Error(`the alias move does not name its promotion: ${await causes(moved)}`);
    }
    console.log(
      `timeline: ${(await timeline.locator('li.timeline-item .timeline-title').allInnerTexts()).join(' | ')}`,
    );

    const csp = await timeline
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
      throw new Error(`the webview's CSP is not strict: ${csp}`);
    }

    // A cause link brings the cause into view, marked.
    await canary.locator('.timeline-cause button').click();
    await waitFor(
      'the registration marked',
      async () => (await registered.getAttribute('class'))?.includes('flash') || undefined,
      5_000,
    );

    // The registration opens the version page; the promotion opens the deployment dashboard.
    await registered.locator('button.timeline-title').click();
    const version = await viewFrame(page, 'modelVersion');
    await version.locator('h1', { hasText: 'churn' }).first().waitFor({ timeout: 30_000 });
    console.log(`version page: ${(await version.locator('h1').first().innerText()).trim()}`);
    timeline = await openTimeline(page);
    await (
      await item(timeline, /^Promoted churn version 2 on churn-api$/)
    )
      .locator('button.timeline-title')
      .click();
    const dashboard = await viewFrame(page, 'deployment');
    await dashboard.locator('h1', { hasText: 'churn-api' }).waitFor({ timeout: 30_000 });
    console.log('the promotion opened the churn-api dashboard');
    void promotion;

    for (const [theme, name] of [
      ['Dark Modern', 'dark'],
      ['Light Modern', 'light'],
      ['Dark High Contrast', 'hc'],
    ] as const) {
      await setTheme(page, theme);
      timeline = await openTimeline(page);
      await item(timeline, /^Promoted churn version 2 on churn-api$/);
      await snap(page, `timeline-${name}`, 3_000);
    }
    if (problems.length > 0) throw new Error(`the views reported: ${problems.join(' | ')}`);
    console.log('timeline UI test passed');
  },
);
