/**
 * Monitoring in VS Code as a person uses it: code-server (VS Code 1.100.3) with the built .vsix,
 * driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md). The real
 * `mlflow` client logs and registers `scored` (a scikit-learn model, @champion); sextant.yaml
 * declares its deployment, a monitor with SLOs, a drift alert rule and a pipeline started by that
 * rule; the reference profile is set with `sextant monitor reference`. Through the UI the test
 * deploys it from the Deployments view, opens the monitoring dashboard from the deployment's
 * context menu (its empty state first), sends an undrifted then a drifted window of traffic with
 * feedback, sees the drift alert arrive in the status bar and as a notification, the heatmap's
 * drifted cells and the alert in the timeline, picks another feature's histogram, and opens the
 * triggered pipeline run from the notification; screenshots of the dashboard and the status bar
 * in dark, light and high contrast themes under test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh`. Environment: CODE_SERVER, VSIX, PYTHON (with mlflow
 * and scikit-learn), CHROMIUM.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './codeServer';
import {
  contextMenu,
  frameShows,
  freshWorkbench,
  need,
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
const SEXTANT = path.join(REPO, 'core', 'bin', 'sextant.js');
const python = need('PYTHON');

const YAML = `# The workspace of the monitoring UI test.
deployments:
  scored-api:
    model: models:/scored@champion
monitors:
  inputs:
    deployment: scored-api
    window: 40
    every: 500ms
    slo:
      p99_latency_ms: 250
      error_rate: 0.01
alerts:
  input-drift:
    monitor: inputs
    metric: drift_share
    threshold: 0.5
    severity: critical
pipelines:
  retrain:
    on:
      alert: input-drift
    steps:
      retrain:
        run: python3 -c "open('retrained.txt', 'w').write('retrained')"
        outs: [retrained.txt]
`;

runUiTest(
  'monitoring-failure',
  () =>
    freshWorkbench('sextant-ui-monitoring-', (workspace) => {
      fs.symlinkSync(path.resolve(path.dirname(python), '..'), path.join(workspace, '.venv'));
      fs.writeFileSync(path.join(workspace, 'sextant.yaml'), YAML);
    }),
  async (page, { session, workspace }) => {
    const started = Date.now();
    const problems = watchViewProblems(page);
    const store = path.join(workspace, '.sextant');
    try {
      await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
      const host = await serverAddress(page);
      const pyEnv = {
        ...process.env,
        MLFLOW_TRACKING_URI: `http://${host}`,
        GIT_PYTHON_REFRESH: 'quiet',
      };
      await run(python, [path.join(HERE, 'monitor_model.py'), 'register', workspace], {
        env: pyEnv,
      });
      const reference = await run(
        'node',
        [
          SEXTANT,
          'monitor',
          'reference',
          'models:/scored@champion',
          '--data',
          'train.csv',
          '--prediction',
          'prediction',
          '--store',
          store,
        ],
        { cwd: workspace },
      );
      console.log(reference.stdout.trim());

      await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
      const deployments = page.locator('.pane', {
        has: page.locator('.pane-header', { hasText: 'Deployments' }),
      });
      const header = deployments.locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      const row = deployments.locator('.monaco-list-row', { hasText: 'scored-api' }).first();
      await row.waitFor({ timeout: 30_000 });

      // The dashboard before any window: it says how to get data.
      await contextMenu(page, row, 'Open Monitoring Dashboard');
      let dashboard = await viewFrame(page, 'monitoring');
      await dashboard.locator('h1', { hasText: 'Monitoring · scored-api' }).waitFor();
      await dashboard.locator('[data-empty="no-window"]').waitFor();
      await frameShows(dashboard, '[data-empty="no-window"]', /sextant monitor run inputs/);

      // Deploy it from the Deployments view.
      await contextMenu(page, row, 'Deploy');
      const serving = page
        .locator('.notification-toast', { hasText: /scored-api is serving at http/ })
        .first();
      await serving.waitFor({ timeout: 120_000 });
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(await serving.innerText())![0];
      console.log(`deployed at ${url} after ${Math.round((Date.now() - started) / 1000)} s`);
      await serving
        .locator('.codicon-notifications-clear')
        .click()
        .catch(() => undefined);

      // An undrifted window: the heatmap appears, nothing fires, no status bar item.
      await run(python, [path.join(HERE, 'monitor_model.py'), 'traffic', url, '0', '1'], {
        env: pyEnv,
      });
      dashboard = await viewFrame(page, 'monitoring');
      await dashboard.locator('table.heatmap td.cell').first().waitFor({ timeout: 60_000 });
      const alertsItem = page.locator('.statusbar-item', { hasText: /alerts? \(/ });
      if (await alertsItem.isVisible()) throw new Error('an alert shows before any drift');

      // A drifted window: the alert fires, in the status bar and as a notification.
      await run(python, [path.join(HERE, 'monitor_model.py'), 'traffic', url, '2', '1'], {
        env: pyEnv,
      });
      const toast = page
        .locator('.notification-toast', {
          hasText: /Alert input-drift \(critical\) firing on scored-api/,
        })
        .first();
      await toast.waitFor({ timeout: 60_000 });
      const said = (await toast.innerText()).replace(/\s+/g, ' ');
      console.log(`notification: ${said}`);
      if (!/drifted: .*f0/.test(said) || !/drifted: .*f2/.test(said)) {
        throw new Error(`the notification does not name the drifted features: ${said}`);
      }
      await toast
        .locator('a.monaco-button', { hasText: 'Open the triggered pipeline run' })
        .waitFor();
      await toast.locator('a.monaco-button', { hasText: 'Open dashboard' }).waitFor();
      await alertsItem.first().waitFor({ timeout: 10_000 });
      const status = await alertsItem.first().innerText();
      console.log(`status bar: ${status}`);
      if (!/1 alert \(critical\)/.test(status)) throw new Error(`status bar reads ${status}`);

      // The dashboard follows the alert: drifted cells, the alert with its pipeline run.
      dashboard = await viewFrame(page, 'monitoring');
      await dashboard
        .locator('td.cell[data-feature="f0"][data-drifted="true"]')
        .first()
        .waitFor({ timeout: 30_000 });
      await dashboard.locator('td.cell[data-feature="f2"][data-drifted="true"]').first().waitFor();
      await frameShows(dashboard, '.alert-timeline', /input-drift/);
      await frameShows(dashboard, '.heatmap-legend', /drifted/);
      await dashboard.locator('.chart[data-plot="histogram"] .main-svg').first().waitFor();
      await dashboard.locator('.chart[data-plot="latency"] .main-svg').first().waitFor();
      await dashboard.locator('.chart[data-plot="performance"] .main-svg').first().waitFor();
      await dashboard
        .locator('button[data-action="open-triggered-run"]')
        .first()
        .waitFor({ timeout: 30_000 });
      // Pick another feature's histogram from the picker.
      await dashboard.locator('select[data-action="feature"]').selectOption('f1');
      await waitFor(
        'the histogram of f1',
        async () =>
          /^f1$/.test(
            (await dashboard.locator('.chart[data-plot="histogram"] .gtitle').textContent()) ?? '',
          ) || undefined,
        30_000,
      );

      const csp = await dashboard
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .getAttribute('content');
      if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
        throw new Error(`the webview's CSP is not strict: ${csp}`);
      }

      // Open the triggered pipeline run from the notification.
      await toast
        .locator('a.monaco-button', { hasText: 'Open the triggered pipeline run' })
        .click();
      const pipeline = await viewFrame(page, 'pipeline');
      await pipeline.locator('text=retrain').first().waitFor({ timeout: 30_000 });
      await waitFor(
        'the triggered run to write retrained.txt',
        async () => fs.existsSync(path.join(workspace, 'retrained.txt')) || undefined,
        60_000,
      );
      await snap(page, 'monitoring-triggered-run-dark', 3_000);
      await page.locator('.tab', { hasText: 'Monitoring scored-api' }).first().click();
      await page.mouse.move(700, 450);

      const shots = async (theme: string): Promise<void> => {
        dashboard = await viewFrame(page, 'monitoring');
        await dashboard.locator('.chart[data-plot="histogram"] .main-svg').first().waitFor();
        await dashboard.locator('h1').first().scrollIntoViewIfNeeded();
        await snap(page, `monitoring-${theme}`, 3_000);
        await showSection(dashboard, 'Performance');
        await snap(page, `monitoring-${theme}-performance`, 3_000);
        await showSection(dashboard, 'Alerts');
        await snap(page, `monitoring-${theme}-alerts`, 3_000);
      };
      await shots('dark');
      for (const [theme, name] of [
        ['Light Modern', 'light'],
        ['Dark High Contrast', 'hc'],
      ] as const) {
        // The command palette answers F1 from the workbench, not from inside a webview: focus the
        // title bar's empty left part first.
        await page.locator('.part.titlebar').click({ position: { x: 120, y: 12 } });
        await setTheme(page, theme);
        await shots(name);
      }

      if (problems.length > 0) throw new Error(`the views reported: ${problems.join(' | ')}`);
      console.log(`monitoring UI test passed in ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      await run('node', [SEXTANT, 'deploy', 'down', 'scored-api', '--store', store], {
        cwd: workspace,
      }).catch(() => undefined);
    }
  },
);
