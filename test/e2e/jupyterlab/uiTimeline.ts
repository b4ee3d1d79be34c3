/**
 * The loop timeline in JupyterLab as a person uses it: a real `jupyter lab` with the extension,
 * driven by playwright-core and Debian's Chromium. The real `mlflow` client logs and registers two
 * iris classifiers (v1 @champion); the store records `iris-loop` deployed with v1 and then v2 as a
 * 10 % canary, and `sextant deploy promote` moves the alias and the traffic. The test opens "Open
 * Loop Timeline" from the deployment's context menu in the Deployments section, checks the items
 * and their causes, clicks the registration of v2 (its version page opens) and the promotion (the
 * deployment dashboard opens). Screenshots in the light, dark and high-contrast themes go to
 * test/e2e/jupyterlab/screenshots/.
 *
 *   PYTHONPATH=$PWD/extension-jupyterlab node test/dist/e2e/jupyterlab/uiTimeline.js
 * Environment: VENV (default .venv), CHROMIUM.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { Engine } from '@sextant/core';
import { launchChromium } from '../browser';
import { startLab } from './jupyterLab';
import { shot, SHOTS, theme } from './labPage';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const MODEL = 'loop-iris';
const DEPLOYMENT = 'iris-loop';

/** Two iris classifiers registered as loop-iris v1 (@champion) and v2, by the mlflow client. */
const TRAIN = [
  'import mlflow, mlflow.sklearn',
  'from mlflow import MlflowClient',
  'from sklearn.datasets import load_iris',
  'from sklearn.linear_model import LogisticRegression',
  'X, y = load_iris(return_X_y=True, as_frame=True)',
  "mlflow.set_experiment('lab-loop')",
  'for c in (1.0, 0.01):',
  '    with mlflow.start_run():',
  '        model = LogisticRegression(C=c, max_iter=500).fit(X, y)',
  `        mlflow.sklearn.log_model(model, name='model', input_example=X.head(2), registered_model_name='${MODEL}')`,
  `MlflowClient().set_registered_model_alias('${MODEL}', 'champion', '1')`,
].join('\n');

const variant = (name: string, version: string, weight: number, uri: string) => ({
  name,
  model: MODEL,
  version,
  uri,
  weight,
  shadow: false,
  replicas: 1,
});

/** Records the deployment serving v1, then v2 added as a 10 % canary. */
async function recordDeployment(store: string): Promise<void> {
  const engine = Engine.open({ storeDir: store, create: false });
  try {
    const champion = variant('champion', '1', 100, `models:/${MODEL}@champion`);
    engine.deployments.record(
      DEPLOYMENT,
      'deploy',
      { user: 'ada', reason: 'first release' },
      { status: 'stopped', variants: [champion], champion: 'champion' },
    );
    engine.deployments.record(
      DEPLOYMENT,
      'update',
      { user: 'ada', reason: 'canary of version 2' },
      {
        status: 'stopped',
        variants: [
          { ...champion, weight: 90 },
          variant('challenger', '2', 10, `models:/${MODEL}/2`),
        ],
        champion: 'champion',
      },
    );
  } finally {
    await engine.close();
  }
}

/** The timeline item whose title matches, once the view shows it. */
async function item(timeline: Locator, title: RegExp): Promise<Locator> {
  const found = timeline
    .locator('li.timeline-item', {
      has: timeline.page().locator('.timeline-title', { hasText: title }),
    })
    .first();
  await found.waitFor({ timeout: 30_000 });
  return found;
}

async function main(): Promise<void> {
  const venv = process.env['VENV'] ?? path.join(REPO, '.venv');
  fs.mkdirSync(SHOTS, { recursive: true });
  const lab = await startLab(venv, {});
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lab-chromium-'));
  const context = await launchChromium(profile, { width: 1440, height: 900 });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    // Errors of Sextant's own code; other lab extensions of the venv (jupyterlab-plotly without
    // ipywidgets' shared modules) may log theirs.
    page.on('pageerror', (error) => {
      if (/sextant/i.test(`${error.message}\n${error.stack ?? ''}`)) problems.push(error.message);
      else console.error(`  page error (not Sextant's): ${error.message}`);
    });
    page.on('console', (message) => {
      if (/Content Security Policy|sextant view/i.test(message.text()))
        problems.push(message.text());
    });
    await page.goto(`${lab.base}/lab?token=${lab.token}`);
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="sextant-sidebar"]').click();
    await page.locator('#sextant-sidebar[data-state="ready"]').waitFor({ timeout: 60_000 });
    const store = path.join(lab.root, '.sextant');
    const { url } = JSON.parse(fs.readFileSync(path.join(store, 'server.json'), 'utf8')) as {
      url: string;
    };
    execFileSync(path.join(venv, 'bin', 'python'), ['-c', TRAIN], {
      env: { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet' },
      cwd: lab.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await recordDeployment(store);
    const promoted = execFileSync(
      process.execPath,
      [
        path.join(REPO, 'core', 'bin', 'sextant.js'),
        'deploy',
        'promote',
        DEPLOYMENT,
        '--variant',
        'challenger',
        '--store',
        store,
      ],
      { cwd: lab.root, encoding: 'utf8' },
    );
    console.log(`promote: ${promoted.trim()}`);

    console.log('-- Open Loop Timeline from the Deployments section');
    const row = page.locator(
      `#sextant-sidebar .jp-SextantDeployments-deployment[data-deployment="${DEPLOYMENT}"] > .jp-SextantDeployments-row`,
    );
    await row.waitFor({ timeout: 60_000 });
    await row.click({ button: 'right' });
    await page
      .locator('.lm-Menu-itemLabel', { hasText: /^Open Loop Timeline$/ })
      .first()
      .click();
    const timeline = page.locator('.jp-SextantView-timeline:visible');
    await timeline.locator('h1', { hasText: 'Loop timeline' }).waitFor({ timeout: 30_000 });
    const registered = await item(timeline, new RegExp(`^Registered ${MODEL} version 2$`));
    const canary = await item(timeline, new RegExp(`^Updated ${DEPLOYMENT}$`));
    const promotion = await item(
      timeline,
      new RegExp(`^Promoted ${MODEL} version 2 on ${DEPLOYMENT}$`),
    );
    const moved = await item(timeline, new RegExp(`^${MODEL}@champion moved from version 1 to 2$`));
    assert.match(
      await canary.locator('.timeline-cause').innerText(),
      new RegExp(`after Registered ${MODEL} version 2`),
    );
    assert.match(
      await moved.locator('.timeline-cause').innerText(),
      new RegExp(`after Promoted ${MODEL} version 2`),
    );
    console.log(
      `timeline: ${(await timeline.locator('li.timeline-item .timeline-title').allInnerTexts()).join(' | ')}`,
    );
    await shot(page, 'timeline-light.png');

    console.log('-- items open the version page and the dashboard');
    await registered.locator('button.timeline-title').click();
    await page
      .locator('.jp-SextantView-modelVersion:visible', { hasText: MODEL })
      .first()
      .waitFor({ timeout: 30_000 });
    const timelineTab = page.locator('.lm-TabBar-tab', { hasText: `Loop timeline: ${DEPLOYMENT}` });
    await timelineTab.click();
    await promotion.locator('button.timeline-title').click();
    await page
      .locator('.jp-SextantView-deployment:visible h1', { hasText: DEPLOYMENT })
      .first()
      .waitFor({ timeout: 30_000 });
    console.log('the registration opened the version page, the promotion the dashboard');

    console.log('-- themes');
    await timelineTab.click();
    await theme(page, 'JupyterLab Dark', false);
    await shot(page, 'timeline-dark.png');
    await theme(page, 'JupyterLab Dark High Contrast', false);
    await shot(page, 'timeline-hc.png');
    await theme(page, 'JupyterLab Light', true);
    assert.deepEqual(problems, [], 'no page errors nor refused scripts');
    console.log(
      'timeline: opened from the Deployments section, causes shown, items open their pages',
    );
  } finally {
    await context.close();
    await lab.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
