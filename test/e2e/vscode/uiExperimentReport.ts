/**
 * The experiment report in VS Code as a person uses it: code-server (VS Code 1.100.3) with the
 * built .vsix, driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md).
 * The real `mlflow` client logs two scikit-learn models and registers them as versions 1 and 2 of
 * `churn` (version 1 @champion); sextant.yaml declares `shop` with both as variants and an A/B
 * experiment on a reward. Through the UI the test deploys `shop` from the Deployments view; it
 * serves 400 requests (one user key each) and posts their rewards to `/v2/sextant/feedback`, the
 * challenger converting more; it opens the report from the deployment's context menu (and checks
 * the dashboard links to it), sees both variants, the challenger's always-valid p-value below
 * alpha and the p-value chart, promotes the challenger from the report (confirmed in the view),
 * and checks the registry's `champion` alias moved to version 2 and the decision is logged with
 * its evidence; with screenshots of the report in dark, light and high contrast themes under
 * test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh` (installs what it needs, builds the .vsix).
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with mlflow and scikit-learn), CHROMIUM.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { trafficWithFeedback } from '../experimentTraffic';
import { waitFor } from './codeServer';
import {
  contextMenu,
  frameShows,
  freshWorkbench,
  need,
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

/** Prints the version the `champion` alias points at. */
const CHAMPION = `
from mlflow import MlflowClient
print(MlflowClient().get_model_version_by_alias("churn", "champion").version)
`;

const YAML = `# The workspace of the experiment report UI test.
deployments:
  shop:
    model: models:/churn@champion
    routes:
      variants:
        - { name: champion, weight: 50 }
        - { name: challenger, model: "models:/churn/2", weight: 50 }
    experiment:
      type: ab
      unit: x-user-id
      metric: { feedback: reward }
      guardrails: { max_error_rate_increase: 0.05, max_p99_latency_increase: 5 }
      min_samples: 50
      plan: { minimum_effect: 0.2 }
`;

runUiTest(
  'experiment-report-failure',
  () =>
    freshWorkbench('sextant-ui-experiment-', (workspace) => {
      fs.symlinkSync(path.resolve(path.dirname(python), '..'), path.join(workspace, '.venv'));
      fs.writeFileSync(path.join(workspace, 'sextant.yaml'), YAML);
    }),
  async (page, { session, workspace }) => {
    const problems = watchViewProblems(page);
    const started = Date.now();
    try {
      await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
      const host = await serverAddress(page);
      const pyEnv = {
        ...process.env,
        MLFLOW_TRACKING_URI: `http://${host}`,
        GIT_PYTHON_REFRESH: 'quiet',
      };
      const logged = await run(python, [path.join(HERE, 'log_model.py'), workspace], {
        env: pyEnv,
      });
      await run(
        python,
        [path.join(HERE, 'register_model.py'), logged.stdout.trim().split('\n').at(-1)!],
        {
          env: pyEnv,
        },
      );
      console.log(
        `mlflow registered churn versions 1 (@champion) and 2 after ${Math.round((Date.now() - started) / 1000)} s`,
      );

      await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
      const deployments = page.locator('.pane', {
        has: page.locator('.pane-header', { hasText: 'Deployments' }),
      });
      const header = deployments.locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      const row = deployments.locator('.monaco-list-row', { hasText: 'shop' }).first();
      await row.waitFor({ timeout: 30_000 });

      // Deploy the declared deployment, with its experiment.
      await contextMenu(page, row, 'Deploy');
      await page
        .locator('.notification-toast', { hasText: /shop is serving at http/ })
        .first()
        .waitFor({ timeout: 180_000 });
      console.log(`deployed after ${Math.round((Date.now() - started) / 1000)} s`);

      // The dashboard knows the experiment and links to its report; its URL and test request.
      await contextMenu(page, row, 'Open Deployment Dashboard');
      const dashboard = await viewFrame(page, 'deployment');
      await dashboard.locator('button[data-action="open-experiment"]').waitFor({ timeout: 30_000 });
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(
        await dashboard.locator('header code').first().innerText(),
      )![0];
      const body = await dashboard.locator('textarea.test-body').inputValue();
      await trafficWithFeedback(url, body, 400);

      // Open the report from the deployment's context menu.
      await contextMenu(page, row, 'Open Experiment Report');
      let report = await viewFrame(page, 'onlineExperiment');
      await report.locator('h1', { hasText: 'Experiment · shop' }).waitFor();
      await frameShows(report, '.variants-table', /champion[\s\S]*challenger/);
      const p = await waitFor(
        "the challenger's always-valid p-value",
        async () => {
          const value = await report
            .locator('tr:has([data-variant="challenger"]) .p-value.sequential')
            .getAttribute('data-p')
            .catch(() => null);
          return value ? Number(value) : undefined;
        },
        30_000,
      );
      if (!(p < 0.05)) throw new Error(`the challenger's always-valid p-value is ${p}`);
      console.log(`report: challenger always-valid p = ${p}`);
      await report.locator('.chart[data-plot="pvalue"] .main-svg').first().waitFor();
      await report.locator('.chart[data-plot="intervals"] .main-svg').first().waitFor();
      await report.locator('.badge.guard-pass[data-guardrail="error_rate"]').waitFor();
      await frameShows(report, '.current-decision', /promote/);

      const csp = await report
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .getAttribute('content');
      if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
        throw new Error(`the webview's CSP is not strict: ${csp}`);
      }
      await snap(page, 'experiment-report-dark-live', 3_000);

      // Promote the challenger from the report: asked first, then done.
      await report
        .locator('button[data-action="promote"][data-variant="challenger"]:not([disabled])')
        .click();
      await frameShows(report, '.confirm', /Promote 'challenger'\?/);
      await report.locator('.confirm button[data-action="confirm"]').click();
      await frameShows(report, '.notice', /promoted 'challenger'/);
      await frameShows(report, 'h1 .badge', /concluded/);
      await frameShows(report, '.decisions', /promote 'challenger'/);
      const champion = (await run(python, ['-c', CHAMPION], { env: pyEnv })).stdout.trim();
      if (champion !== '2') throw new Error(`the champion alias is on version ${champion}, not 2`);
      console.log('promoted from the report: churn@champion is version 2');

      const shots = async (theme: string): Promise<void> => {
        report = await viewFrame(page, 'onlineExperiment');
        await report.locator('.chart[data-plot="pvalue"] .main-svg').first().waitFor();
        await report
          .locator('body')
          .evaluate((body) => body.querySelector('h1')?.scrollIntoView({ block: 'start' }));
        await snap(page, `experiment-report-${theme}`, 3_000);
        await report.locator('body').evaluate((body) => {
          body.querySelector('details.evidence')?.setAttribute('open', '');
          body.querySelector('section[aria-label="Decisions"]')?.scrollIntoView({ block: 'start' });
        });
        await snap(page, `experiment-report-${theme}-decisions`, 3_000);
      };
      await shots('dark');
      // The command palette answers F1 from the workbench, not from inside a webview: focus a
      // variant row of the tree (it opens nothing) first.
      if ((await row.getAttribute('aria-expanded')) !== 'true') {
        await row.locator('.monaco-tl-twistie').click();
      }
      const variantRow = deployments
        .locator('.monaco-list-row[aria-level="2"]', { hasText: 'challenger' })
        .first();
      for (const [theme, name] of [
        ['Light Modern', 'light'],
        ['Dark High Contrast', 'hc'],
      ] as const) {
        await variantRow.click();
        await setTheme(page, theme);
        await shots(name);
      }
      if (problems.length > 0) throw new Error(`the views reported: ${problems.join(' | ')}`);
      console.log(
        `experiment report UI test passed in ${Math.round((Date.now() - started) / 1000)} s`,
      );
    } catch (error) {
      const logs = path.join(workspace, '.sextant', 'deployments');
      for (const file of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
        console.log(`--- ${file}\n${fs.readFileSync(path.join(logs, file), 'utf8').slice(-4000)}`);
      }
      throw error;
    } finally {
      await run(
        'node',
        [
          path.join(REPO, 'core', 'bin', 'sextant.js'),
          'deploy',
          'down',
          'shop',
          '--store',
          path.join(workspace, '.sextant'),
        ],
        { cwd: workspace },
      ).catch(() => undefined);
    }
  },
);
