/**
 * Deployments in VS Code as a person uses them: code-server (VS Code 1.100.3) with the built
 * .vsix, driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md). The
 * real `mlflow` client logs two scikit-learn models and registers them as versions 1 and 2 of
 * `churn` (version 1 @champion). Through the UI only, the test deploys `churn@champion` from the
 * Models view (the Deploy form: target, name, runtime, replicas), adds version 2 to it as a 10%
 * canary from the version's Deploy, sees the split and live figures in the Deployments view,
 * opens the dashboard, sends the test request prefilled from the input example, moves the canary
 * slider to 50%, promotes and rolls back (each in the event timeline, the alias moved and back),
 * and stops the deployment; with screenshots of the Deployments view and the dashboard in dark,
 * light and high contrast themes under test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh` (installs what it needs, builds the .vsix).
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with mlflow and scikit-learn), CHROMIUM.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './codeServer';
import {
  answer,
  contextMenu,
  frameShows,
  freshWorkbench,
  need,
  notification,
  pick,
  runUiTest,
  serverAddress,
  setTheme,
  showSection,
  snap,
  viewFrame,
  watchViewProblems,
} from './workbench';

const run = promisify(execFile);
const HERE = path.resolve(__dirname, '..', '..', '..', 'e2e', 'vscode');
const REPO = path.resolve(HERE, '..', '..', '..');
const python = need('PYTHON');

/** Keeps requests flowing to the deployment (for the live charts) until `stop` says so. */
async function steadyLoad(url: string, body: string, going: () => boolean): Promise<void> {
  while (going()) {
    await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

runUiTest(
  'deployments-failure',
  () =>
    freshWorkbench('sextant-ui-deployments-', (workspace) => {
      // The workspace's own virtual environment runs the models.
      fs.symlinkSync(path.resolve(path.dirname(python), '..'), path.join(workspace, '.venv'));
      fs.writeFileSync(
        path.join(workspace, 'sextant.yaml'),
        '# The workspace of the deployments UI test.\n',
      );
    }),
  async (page, { session, workspace }) => {
    const problems = watchViewProblems(page);
    let going = true;
    let load: Promise<void> | undefined;
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
      const ids = logged.stdout.trim().split('\n').at(-1)!;
      await run(python, [path.join(HERE, 'register_model.py'), ids], { env: pyEnv });
      console.log('mlflow registered churn versions 1 (@champion) and 2');

      await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
      const pane = (title: string) =>
        page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
      const models = pane('Models');
      const deployments = pane('Deployments');
      // The view starts collapsed (the sidebar's room goes to runs until something is deployed).
      const deploymentsHeader = deployments.locator('.pane-header');
      if ((await deploymentsHeader.getAttribute('aria-expanded')) !== 'true') {
        await deploymentsHeader.click();
      }
      const modelRow = models.locator('.monaco-list-row', { hasText: 'churn' }).first();
      await modelRow.waitFor({ timeout: 30_000 });

      // Deploy churn@champion from the model's Deploy form.
      await contextMenu(page, modelRow, 'Deploy…');
      await pick(page, '@champion', '@champion');
      await answer(page, 'churn-api');
      await pick(page, 'python', 'python');
      await answer(page, '1');
      await page
        .locator('.notification-toast', { hasText: /deploying churn-api/ })
        .first()
        .waitFor({ timeout: 10_000 });
      await notification(page, /churn-api is serving at http/);
      const text = fs.readFileSync(path.join(workspace, 'sextant.yaml'), 'utf8');
      if (!text.startsWith('# The workspace of the deployments UI test.\n')) {
        throw new Error(`sextant.yaml lost its comment:\n${text}`);
      }
      if (!/churn-api:\n {4}model: models:\/churn@champion/.test(text)) {
        throw new Error(`sextant.yaml lacks the deployment:\n${text}`);
      }

      // Add version 2 as a 10% canary from the version's own Deploy.
      if ((await modelRow.getAttribute('aria-expanded')) !== 'true') await modelRow.click();
      const versionRow = models.locator('.monaco-list-row', { hasText: 'Version 2' }).first();
      await versionRow.waitFor();
      await contextMenu(page, versionRow, 'Deploy…');
      await pick(page, 'canary', 'Add to churn-api as a canary');
      await answer(page, '10');
      await notification(page, /churn-api is serving at http/);

      // The Deployments view: status, split, then live figures.
      const deploymentRow = deployments
        .locator('.monaco-list-row', { hasText: 'churn-api' })
        .first();
      await waitFor(
        'the canary split in the Deployments view',
        async () =>
          /champion 90% \/ challenger 10%/.test(await deploymentRow.innerText()) || undefined,
        30_000,
      );
      console.log(`Deployments view: ${(await deploymentRow.innerText()).replace(/\s+/g, ' ')}`);

      // The dashboard: send the test request prefilled from the input example.
      await deploymentRow.click();
      let dashboard = await viewFrame(page, 'deployment');
      await dashboard.locator('h1', { hasText: 'churn-api' }).waitFor();
      const body = await dashboard.locator('textarea.test-body').inputValue();
      if (!/dataframe_split|inputs/.test(body)) {
        throw new Error(`the test request is not prefilled from the input example: ${body}`);
      }
      await dashboard.locator('button[data-action="send"]:not([disabled])').click();
      await dashboard
        .locator('.test-result .badge[data-status="200"]')
        .waitFor({ timeout: 30_000 });
      const answered = await dashboard.locator('.test-result').innerText();
      console.log(`test request: ${answered.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (!/"predictions"/.test(answered) || !/\d ms/.test(answered)) {
        throw new Error(`the test request's answer lacks predictions or latency: ${answered}`);
      }
      await frameShows(dashboard, '.requests-table', /200/);

      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(
        await dashboard.locator('header code').first().innerText(),
      )![0];
      load = steadyLoad(url, body, () => going);

      // Move the canary slider to 50%.
      await dashboard.locator('input[data-action="canary-slider"]').fill('50');
      // The label follows the slider at once; the traffic event and notice say it was applied.
      await dashboard.locator('.event-traffic').first().waitFor({ timeout: 60_000 });
      await frameShows(dashboard, '.notice', /traffic champion 50 \/ challenger 50/);
      await frameShows(dashboard, '.split-label', /champion 50% · challenger 50%/);

      // Promote, then roll back.
      await dashboard.locator('button[data-action="promote"]').click();
      await dashboard.locator('.event-promote').first().waitFor({ timeout: 60_000 });
      await frameShows(dashboard, '.split-label', /champion 0% · challenger 100%/);
      console.log(
        `promoted: ${(await dashboard.locator('.event-promote').first().innerText()).replace(/\s+/g, ' ')}`,
      );
      await dashboard.locator('button[data-action="rollback"]:not([disabled])').click();
      await dashboard.locator('.event-rollback').first().waitFor({ timeout: 60_000 });
      await frameShows(dashboard, '.split-label', /champion 50% · challenger 50%/);
      console.log(
        `rolled back: ${(await dashboard.locator('.event-rollback').first().innerText()).replace(/\s+/g, ' ')}`,
      );
      await frameShows(dashboard, '.live-table', /req\/s/);
      await dashboard.locator('.chart[data-plot="throughput"] .main-svg').first().waitFor();

      const csp = await dashboard
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .getAttribute('content');
      if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
        throw new Error(`the webview's CSP is not strict: ${csp}`);
      }

      const shots = async (theme: string): Promise<void> => {
        dashboard = await viewFrame(page, 'deployment');
        await dashboard.locator('.chart[data-plot="latency"] .main-svg').first().waitFor();
        await dashboard.locator('h1').first().scrollIntoViewIfNeeded();
        await snap(page, `deployment-${theme}`, 3_000);
        await showSection(dashboard, 'Live');
        await snap(page, `deployment-${theme}-live`, 3_000);
        await showSection(dashboard, 'Send test request');
        await snap(page, `deployment-${theme}-test`, 3_000);
        await showSection(dashboard, 'Events');
        await snap(page, `deployment-${theme}-events`, 3_000);
      };
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      await shots('dark');
      await snap(page, 'deployments-view-dark', 3_000);
      for (const [theme, name] of [
        ['Light Modern', 'light'],
        ['Dark High Contrast', 'hc'],
      ] as const) {
        // The command palette answers F1 from the workbench, not from inside a webview.
        await versionRow.click();
        await setTheme(page, theme);
        await shots(name);
        await snap(page, `deployments-view-${name}`, 3_000);
      }
      going = false;
      await load;

      // Stop it from the Deployments view.
      await contextMenu(page, deploymentRow, 'Stop Deployment');
      await waitFor(
        'churn-api stopped in the Deployments view',
        async () => /stopped/.test(await deploymentRow.innerText()) || undefined,
        60_000,
      );
      if (problems.length > 0) throw new Error(`the views reported: ${problems.join(' | ')}`);
      console.log('deployments UI test passed');
    } catch (error) {
      // What the deployment's own process said, to tell why it did not serve.
      const logs = path.join(workspace, '.sextant', 'deployments');
      for (const file of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
        console.log(`--- ${file}\n${fs.readFileSync(path.join(logs, file), 'utf8').slice(-4000)}`);
      }
      throw error;
    } finally {
      going = false;
      await load;
      await run(
        'node',
        [
          path.join(REPO, 'core', 'bin', 'sextant.js'),
          'deploy',
          'down',
          'churn-api',
          '--store',
          path.join(workspace, '.sextant'),
        ],
        { cwd: workspace },
      ).catch(() => undefined);
    }
  },
);
