/**
 * The experiment report in JupyterLab as a person uses it: a real `jupyter lab` with the
 * extension, driven by playwright-core and Debian's Chromium. The real `mlflow` client logs and
 * registers two iris classifiers (v1 @champion); sextant.yaml declares `iris-ab` with both as
 * variants and an A/B experiment on a reward. The test deploys it from the Deployments section's
 * context menu, serves 400 requests (one user key each) and posts their rewards to
 * `/v2/sextant/feedback` (the challenger converting more), checks the dashboard links to the
 * report, opens the report from the deployment's context menu, sees both variants and the
 * challenger's always-valid p-value below alpha, promotes the challenger from the report
 * (confirmed in the view) and checks the registry alias moved (MLflow REST API) and the decision
 * is logged. Screenshots in the light, dark and high-contrast themes go to
 * test/e2e/jupyterlab/screenshots/.
 *
 *   SEXTANT_LABEXTENSION=$PWD/extension-jupyterlab/sextant/labextension \
 *   PYTHONPATH=$PWD/extension-jupyterlab node test/dist/e2e/jupyterlab/uiExperimentReport.js
 * Environment: VENV (default .venv), CHROMIUM, SEXTANT_LABEXTENSION.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { launchChromium } from '../browser';
import { trafficWithFeedback } from '../experimentTraffic';
import { waitFor } from '../vscode/codeServer';
import { startLab } from './jupyterLab';
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
const MODEL = 'lab-ab-iris';
const DEPLOYMENT = 'iris-ab';
/** How long a deployment may take to start its Python workers on a busy machine. */
const DEPLOY_TIMEOUT_MS = 240_000;

/** Two iris classifiers registered as v1 (@champion) and v2, by the mlflow client. */
const TRAIN = [
  'import mlflow, mlflow.sklearn',
  'from mlflow import MlflowClient',
  'from sklearn.datasets import load_iris',
  'from sklearn.linear_model import LogisticRegression',
  'X, y = load_iris(return_X_y=True, as_frame=True)',
  "mlflow.set_experiment('lab-ab')",
  'for c in (1.0, 0.01):',
  '    with mlflow.start_run():',
  '        model = LogisticRegression(C=c, max_iter=500).fit(X, y)',
  `        mlflow.sklearn.log_model(model, name='model', input_example=X.head(2), registered_model_name='${MODEL}')`,
  `MlflowClient().set_registered_model_alias('${MODEL}', 'champion', '1')`,
].join('\n');

const YAML = `deployments:
  ${DEPLOYMENT}:
    model: models:/${MODEL}@champion
    routes:
      variants:
        - { name: champion, weight: 50 }
        - { name: challenger, model: "models:/${MODEL}/2", weight: 50 }
    experiment:
      type: ab
      unit: x-user-id
      metric: { feedback: reward }
      guardrails: { max_error_rate_increase: 0.05, max_p99_latency_increase: 5 }
      min_samples: 50
      plan: { minimum_effect: 0.2 }
`;

/** Waits until the text at `target` matches. */
async function reads(target: Locator, text: RegExp): Promise<string> {
  return waitFor(
    `${String(text)} to show`,
    async () => {
      const found =
        (await target
          .first()
          .textContent()
          .catch(() => '')) ?? '';
      return text.test(found) ? found : undefined;
    },
    60_000,
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const venv = process.env['VENV'] ?? path.join(REPO, '.venv');
  fs.mkdirSync(SHOTS, { recursive: true });
  const lab = await startLab(venv, { 'sextant.yaml': YAML });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lab-chromium-'));
  const context = await launchChromium(profile, { width: 1440, height: 900 });
  try {
    const { page, url } = await openSextantSidebar(context, lab);
    execFileSync(path.join(venv, 'bin', 'python'), ['-c', TRAIN], {
      env: { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet' },
      cwd: lab.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    console.log(`registered ${MODEL} v1 (@champion) and v2 after ${seconds(started)} s`);

    console.log('-- Deploy the declared deployment with its experiment');
    await deploymentRow(page, DEPLOYMENT).waitFor({ timeout: 30_000 });
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Deploy');
    await deploymentRow(page, DEPLOYMENT, 'running').waitFor({ timeout: DEPLOY_TIMEOUT_MS });
    console.log(`deployed after ${seconds(started)} s`);

    console.log('-- the dashboard links to the report; traffic with feedback');
    await deploymentRow(page, DEPLOYMENT).hover();
    await deploymentRow(page, DEPLOYMENT).locator('.jp-SextantDeployments-open').click();
    const dashboard = page.locator('.jp-SextantView-deployment:visible');
    await dashboard.locator('[data-status="running"]').first().waitFor({ timeout: 30_000 });
    await dashboard.locator('[data-action="open-experiment"]').waitFor({ timeout: 30_000 });
    const endpoint = /http:\/\/127\.0\.0\.1:\d+/.exec(
      (await dashboard.locator('header code').first().textContent()) ?? '',
    )![0];
    const body = await dashboard.locator('textarea.test-body').inputValue();
    await trafficWithFeedback(endpoint, body, 400);

    console.log('-- Open Experiment Report from the Deployments context menu');
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Open Experiment Report');
    const report = page.locator('.jp-SextantView-onlineExperiment:visible');
    await reads(report.locator('h1'), new RegExp(`Experiment · ${DEPLOYMENT}`));
    await reads(report.locator('.variants-table'), /champion[^]*challenger/);
    const p = Number(
      await report
        .locator('tr:has([data-variant="challenger"]) .p-value.sequential')
        .getAttribute('data-p'),
    );
    assert.ok(p < 0.05, `the challenger's always-valid p-value is ${p}`);
    console.log(`report: challenger always-valid p = ${p}`);
    await report.locator('.chart[data-plot="pvalue"] .main-svg').first().waitFor();
    await report.locator('.badge.guard-pass[data-guardrail="error_rate"]').waitFor();
    await shot(page, 'experiment-report-light-live.png');

    console.log('-- Promote from the report');
    await report
      .locator('button[data-action="promote"][data-variant="challenger"]:not([disabled])')
      .click();
    await reads(report.locator('.confirm'), /Promote 'challenger'\?/);
    await report.locator('.confirm button[data-action="confirm"]').click();
    await reads(report.locator('h1 .badge'), /concluded/);
    await reads(report.locator('.decisions'), /promote 'challenger'/);
    assert.equal(
      await aliasVersion(url, MODEL, 'champion'),
      '2',
      'promote from the report moved @champion to v2',
    );
    console.log('promoted from the report: @champion on v2');

    const sections = async (name: string): Promise<void> => {
      // The report redraws as it refreshes: scroll through the view's node, not a drawn element.
      await report.evaluate((node) => {
        type Scrolled = { scrollTop: number; parentElement: Scrolled | null };
        for (let n: Scrolled | null = node as unknown as Scrolled; n; n = n.parentElement) {
          n.scrollTop = 0;
        }
      });
      await shot(page, `experiment-report-${name}.png`);
      await report.evaluate((node) => {
        node.querySelector('details.evidence')?.setAttribute('open', '');
        node.querySelector('section[aria-label="Decisions"]')?.scrollIntoView({ block: 'start' });
      });
      await shot(page, `experiment-report-${name}-decisions.png`);
    };
    await sections('light');
    await theme(page, 'JupyterLab Dark', false);
    await sections('dark');
    await theme(page, 'JupyterLab Dark High Contrast', false);
    await sections('hc');
    await theme(page, 'JupyterLab Light', true);
    console.log(`experiment report UI test passed in ${seconds(started)} s`);
  } finally {
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

const seconds = (since: number): number => Math.round((Date.now() - since) / 1000);

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
