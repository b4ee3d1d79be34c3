/**
 * Serving in JupyterLab as a person uses it: a real `jupyter lab` with the extension, driven by
 * playwright-core and Debian's Chromium. The real `mlflow` client logs and registers two iris
 * classifiers (v1 @champion); the test deploys v1 through its alias from the version's context
 * menu in the Models section (the dialog shows the deployability check first), waits for it to
 * serve in the Deployments section, sends the prefilled test request from the dashboard, stops and
 * deploys it again from the Deployments context menu, adds v2 to it as a canary from v2's Deploy…
 * dialog, moves the canary slider, promotes and rolls back (the registry alias checked through the MLflow REST API), opens
 * the logs and stops it. Screenshots in the light, dark and high-contrast themes go to
 * test/e2e/jupyterlab/screenshots/.
 *
 *   SEXTANT_LABEXTENSION=$PWD/extension-jupyterlab/sextant/labextension \
 *   PYTHONPATH=$PWD/extension-jupyterlab node test/dist/e2e/jupyterlab/uiDeployments.js
 * Environment: VENV (default .venv), CHROMIUM, SEXTANT_LABEXTENSION.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../browser';
import { waitFor } from '../vscode/codeServer';
import { startLab, startNotebookKernel } from './jupyterLab';
import {
  aliasVersion,
  contextMenu,
  deploymentRow,
  shot,
  SHOTS,
  theme,
  openSextantSidebar,
} from './labPage';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const MODEL = 'lab-iris';
const DEPLOYMENT = 'iris-lab';
/** How long a deployment may take to start its Python workers on a busy machine. */
const DEPLOY_TIMEOUT_MS = 240_000;

/** Two iris classifiers registered as lab-iris v1 (@champion) and v2, by the mlflow client. */
const TRAIN = [
  'import mlflow, mlflow.sklearn',
  'from mlflow import MlflowClient',
  'from sklearn.datasets import load_iris',
  'from sklearn.linear_model import LogisticRegression',
  'X, y = load_iris(return_X_y=True, as_frame=True)',
  "mlflow.set_experiment('lab-serving')",
  'for c in (1.0, 0.01):',
  '    with mlflow.start_run():',
  '        model = LogisticRegression(C=c, max_iter=500).fit(X, y)',
  `        mlflow.sklearn.log_model(model, name='model', input_example=X.head(2), registered_model_name='${MODEL}')`,
  `MlflowClient().set_registered_model_alias('${MODEL}', 'champion', '1')`,
].join('\n');

/** The description under the deployment's name in the sidebar (traffic split, live figures). */
async function sidebarSplit(page: Page, expected: RegExp): Promise<void> {
  const description = deploymentRow(page, DEPLOYMENT)
    .locator('.jp-SextantTree-description')
    .first();
  let seen = '';
  await waitFor(
    `the sidebar to show ${String(expected)}`,
    async () => {
      seen = (await description.textContent()) ?? '';
      return expected.test(seen) || undefined;
    },
    30_000,
  ).catch(() => assert.match(seen, expected));
}

async function main(): Promise<void> {
  const venv = process.env['VENV'] ?? path.join(REPO, '.venv');
  fs.mkdirSync(SHOTS, { recursive: true });
  const lab = await startLab(venv, {
    'empty.ipynb': JSON.stringify({
      cells: [],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lab-chromium-'));
  const context = await launchChromium(profile, { width: 1440, height: 900 });
  try {
    await startNotebookKernel(lab, 'empty.ipynb');
    const { page, url } = await openSextantSidebar(context, lab, '/lab/tree/empty.ipynb');
    execFileSync(path.join(venv, 'bin', 'python'), ['-c', TRAIN], {
      env: { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet' },
      cwd: lab.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    console.log('-- Deploy… on a version in Models: the deployability check, then the form');
    await page.locator('#sextant-sidebar .jp-SextantDeployments').waitFor();
    const modelRow = page.locator('#sextant-sidebar .jp-SextantModels-modelRow', {
      hasText: MODEL,
    });
    await modelRow.waitFor({ timeout: 30_000 });
    await modelRow.click();
    const v1 = page.locator(
      `#sextant-sidebar .jp-SextantModels-version[data-model="${MODEL}"][data-version="1"]`,
    );
    await v1.locator('.jp-SextantModels-alias', { hasText: '@champion' }).waitFor();
    await contextMenu(page, v1, 'Deploy…');
    const dialog = page.locator('.jp-Dialog');
    await dialog
      .locator('.jp-SextantDeploy-check[data-deployable="true"]')
      .waitFor({ timeout: 30_000 });
    assert.equal(
      await dialog.locator('select[name="model"]').inputValue(),
      `models:/${MODEL}@champion`,
      'an aliased version is deployed through its alias',
    );
    assert.match(
      (await dialog.locator('.jp-SextantDeploy-details').textContent()) ?? '',
      /Flavors: python_function, sklearn/,
    );
    await dialog.locator('input[name="name"]').fill(DEPLOYMENT);
    await shot(page, 'deploy-dialog-light.png', dialog.locator('.jp-Dialog-content'));
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    await deploymentRow(page, DEPLOYMENT, 'running').waitFor({ timeout: DEPLOY_TIMEOUT_MS });
    const yaml = fs.readFileSync(path.join(lab.root, 'sextant.yaml'), 'utf8');
    assert.match(yaml, new RegExp(`${DEPLOYMENT}:\\n {4}model: models:/${MODEL}@champion`));
    console.log('deployed from the Models section; sextant.yaml declares it');

    console.log('-- the dashboard: a test request prefilled from the input example');
    await deploymentRow(page, DEPLOYMENT).hover();
    await deploymentRow(page, DEPLOYMENT).locator('.jp-SextantDeployments-open').click();
    const dashboard = page.locator('.jp-SextantView-deployment:visible');
    await dashboard.locator('[data-status="running"]').first().waitFor({ timeout: 30_000 });
    const body = await dashboard.locator('textarea.test-body').inputValue();
    assert.match(body, /sepal length/, 'the test request comes from the input example');
    await dashboard.locator('[data-action="send"]').click();
    await dashboard.locator('.test-result .badge[data-status="200"]').waitFor({ timeout: 30_000 });
    assert.match((await dashboard.locator('.test-response').textContent()) ?? '', /predictions/);
    console.log('test request answered 200 with predictions');

    console.log('-- Stop and Deploy from the Deployments context menu');
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Stop');
    await deploymentRow(page, DEPLOYMENT, 'stopped').waitFor({ timeout: 60_000 });
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Deploy');
    await deploymentRow(page, DEPLOYMENT, 'running').waitFor({ timeout: DEPLOY_TIMEOUT_MS });

    console.log('-- Deploy… on v2: added to the deployment as its canary');
    const v2 = page.locator(
      `#sextant-sidebar .jp-SextantModels-version[data-model="${MODEL}"][data-version="2"]`,
    );
    await contextMenu(page, v2, 'Deploy…');
    await dialog
      .locator('.jp-SextantDeploy-check[data-deployable="true"]')
      .waitFor({ timeout: 30_000 });
    assert.equal(await dialog.locator('select[name="model"]').inputValue(), `models:/${MODEL}/2`);
    await dialog.locator('select[name="where"]').selectOption(DEPLOYMENT);
    await dialog.locator('input[name="weight"]').fill('10');
    await shot(page, 'deploy-canary-dialog-light.png', dialog.locator('.jp-Dialog-content'));
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    await sidebarSplit(page, /champion 90% \/ challenger 10%/);
    await deploymentRow(page, DEPLOYMENT, 'running').waitFor({ timeout: DEPLOY_TIMEOUT_MS });
    const declared = fs.readFileSync(path.join(lab.root, 'sextant.yaml'), 'utf8');
    assert.ok(
      declared.includes('challenger') && declared.includes(`models:/${MODEL}/2`),
      `the canary is declared in sextant.yaml:\n${declared}`,
    );

    console.log('-- the canary slider, Promote and Roll back on the dashboard');
    await page
      .locator('.lm-TabBar-tab', { hasText: `Deployment ${DEPLOYMENT}` })
      .first()
      .click();
    const slider = dashboard.locator('[data-action="canary-slider"]');
    await waitFor(
      'the slider to be enabled',
      async () => (await slider.isEnabled()) || undefined,
      30_000,
    );
    await slider.fill('50');
    await sidebarSplit(page, /champion 50% \/ challenger 50%/);
    for (let i = 0; i < 3; i++) {
      await dashboard.locator('[data-action="send"]').click();
      await dashboard
        .locator('.test-result .badge[data-status="200"]')
        .waitFor({ timeout: 30_000 });
    }
    await deploymentRow(page, DEPLOYMENT).click();
    await dashboard.evaluate((node) => {
      type Scrolled = { scrollTop: number; parentElement: Scrolled | null };
      for (let n: Scrolled | null = node as unknown as Scrolled; n; n = n.parentElement) {
        n.scrollTop = 0;
      }
    });
    await shot(page, 'deployments-light.png');
    await shot(page, 'deployments-section-light.png', page.locator('#sextant-sidebar'));
    await dashboard.locator('[data-action="promote"]').click();
    await sidebarSplit(page, /champion 0% \/ challenger 100%/);
    assert.equal(await aliasVersion(url, MODEL, 'champion'), '2', 'promote moved @champion to v2');
    await dashboard.locator('[data-action="rollback"]').click();
    await sidebarSplit(page, /champion 50% \/ challenger 50%/);
    assert.equal(
      await aliasVersion(url, MODEL, 'champion'),
      '1',
      'roll back moved @champion back to v1',
    );
    await dashboard.locator('.event-rollback').first().waitFor({ timeout: 30_000 });
    console.log('canary moved to 50%, promoted (alias on v2), rolled back (alias on v1)');

    console.log('-- %sextant endpoints in the notebook: the same deployment, its snippets');
    const notebookTab = page.locator('.lm-TabBar-tab', { hasText: 'empty.ipynb' }).first();
    const dashboardTab = page
      .locator('.lm-TabBar-tab', { hasText: `Deployment ${DEPLOYMENT}` })
      .first();
    await notebookTab.click();
    await page.locator('.jp-Notebook .jp-Cell .cm-content').first().click();
    await page.keyboard.type('%load_ext sextant');
    await page.keyboard.press('Enter');
    await page.keyboard.type('%sextant endpoints');
    await page.keyboard.press('Shift+Enter');
    const endpoints = page.locator('.jp-OutputArea-output table.sextant-table').first();
    await endpoints.waitFor({ timeout: 90_000 });
    const listed = (await endpoints.textContent()) ?? '';
    assert.match(listed, new RegExp(`${DEPLOYMENT}.*running`));
    assert.match(listed, /champion[^]*challenger/);
    await endpoints.locator('summary').click();
    await shot(page, 'endpoints-magic-light.png');

    console.log('-- themes');
    await theme(page, 'JupyterLab Dark', false);
    await shot(page, 'endpoints-magic-dark.png');
    await dashboardTab.click();
    await shot(page, 'deployments-dark.png');
    await theme(page, 'JupyterLab Dark High Contrast', false);
    await shot(page, 'deployments-hc.png');
    await notebookTab.click();
    await shot(page, 'endpoints-magic-hc.png');
    await dashboardTab.click();
    await deploymentRow(page, DEPLOYMENT).click({ button: 'right' });
    await shot(page, 'deployments-menu-hc.png');
    await page.keyboard.press('Escape');
    await theme(page, 'JupyterLab Light', true);

    console.log('-- Open Logs and Stop');
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Open Logs');
    await page
      .locator('.jp-SextantDeploymentLogs-text', { hasText: `Ready: ${DEPLOYMENT}` })
      .waitFor({ timeout: 30_000 });
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Stop');
    await deploymentRow(page, DEPLOYMENT, 'stopped').waitFor({ timeout: 60_000 });
    console.log(
      'deployments: deployed, test request, canary slider, promote, roll back, logs, stop',
    );
  } finally {
    // A deployment runs in a process of its own: stopped here when the test failed before Stop.
    spawnSync(
      process.execPath,
      [
        path.join(REPO, 'core', 'bin', 'sextant.js'),
        'deploy',
        'down',
        DEPLOYMENT,
        '--store',
        path.join(lab.root, '.sextant'),
      ],
      { cwd: lab.root, stdio: 'ignore' },
    );
    await context.close();
    await lab.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
