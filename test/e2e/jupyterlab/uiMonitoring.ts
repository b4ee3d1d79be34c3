/**
 * Monitoring in JupyterLab as a person uses it: a real `jupyter lab` with the extension, driven by
 * playwright-core and Debian's Chromium. The real `mlflow` client logs and registers `scored`
 * (@champion); sextant.yaml declares its deployment, a monitor with SLOs, a drift alert rule and a
 * pipeline that rule starts; `sextant monitor reference` sets the reference. Through the UI the
 * test deploys it from the Deployments section, opens the monitoring dashboard from the
 * deployment's context menu (its empty state first), sends an undrifted then a drifted window of
 * traffic with feedback, sees the drift alert arrive as a notification and in the status bar, the
 * drifted cells and the alert on the dashboard, and opens the triggered pipeline run from the
 * notification. Screenshots in the light, dark and high-contrast themes go to
 * test/e2e/jupyterlab/screenshots/.
 *
 *   SEXTANT_LABEXTENSION=$PWD/extension-jupyterlab/sextant/labextension \
 *   PYTHONPATH=$PWD/extension-jupyterlab node test/dist/e2e/jupyterlab/uiMonitoring.js
 * Environment: VENV (default .venv), CHROMIUM, SEXTANT_LABEXTENSION.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../browser';
import { waitFor } from '../vscode/codeServer';
import { startLab } from './jupyterLab';
import { contextMenu, deploymentRow, shot, SHOTS, theme, openSextantSidebar } from './labPage';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const SEXTANT = path.join(REPO, 'core', 'bin', 'sextant.js');
const MODEL_SCRIPT = path.join(REPO, 'test', 'e2e', 'vscode', 'monitor_model.py');
const DEPLOYMENT = 'scored-api';
/** A notebook that runs the loop's magics on the workspace's store. */
const LOOP_NOTEBOOK = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    '%load_ext sextant',
    '%sextant monitor run inputs',
    `%sextant timeline --deployment ${DEPLOYMENT}`,
  ].map((source, i) => ({
    cell_type: 'code',
    id: `loop-${i}`,
    metadata: {},
    execution_count: null,
    outputs: [],
    source,
  })),
});
/** Executes a notebook in place with nbclient, in a fresh kernel started in the current folder. */
const RUN_NOTEBOOK = `import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
nbformat.write(nb, sys.argv[1])`;
/** How long a deployment may take to start its Python workers on a busy machine. */
const DEPLOY_TIMEOUT_MS = 240_000;

const YAML = `deployments:
  ${DEPLOYMENT}:
    model: models:/scored@champion
monitors:
  inputs:
    deployment: ${DEPLOYMENT}
    window: 40
    every: 500ms
    slo:
      p99_latency_ms: 250
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

async function main(): Promise<void> {
  const started = Date.now();
  const venv = process.env['VENV'] ?? path.join(REPO, '.venv');
  const python = path.join(venv, 'bin', 'python');
  fs.mkdirSync(SHOTS, { recursive: true });
  const lab = await startLab(venv, { 'sextant.yaml': YAML });
  const store = path.join(lab.root, '.sextant');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lab-chromium-'));
  const context = await launchChromium(profile, { width: 1440, height: 900 });
  try {
    const { page, url } = await openSextantSidebar(context, lab);
    const pyEnv = { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet' };
    execFileSync(python, [MODEL_SCRIPT, 'register', lab.root], { env: pyEnv, cwd: lab.root });
    execFileSync(
      process.execPath,
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
      { cwd: lab.root },
    );
    console.log(`registered scored@champion, reference set (${Date.now() - started} ms)`);

    console.log('-- the dashboard before any window: how to get data');
    await deploymentRow(page, DEPLOYMENT).waitFor({ timeout: 30_000 });
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Open Monitoring Dashboard');
    const dashboard = page.locator('.jp-SextantView-monitoring:visible');
    await dashboard.locator('h1', { hasText: `Monitoring · ${DEPLOYMENT}` }).waitFor();
    await dashboard.locator('[data-empty="no-window"]').waitFor({ timeout: 30_000 });
    assert.match(
      (await dashboard.locator('[data-empty="no-window"]').textContent()) ?? '',
      /sextant monitor run inputs/,
    );

    console.log('-- deploy from the Deployments section');
    await contextMenu(page, deploymentRow(page, DEPLOYMENT), 'Deploy');
    await deploymentRow(page, DEPLOYMENT, 'running').waitFor({ timeout: DEPLOY_TIMEOUT_MS });
    const status = JSON.parse(
      execFileSync(
        process.execPath,
        [SEXTANT, 'deploy', 'status', DEPLOYMENT, '--json', '--store', store],
        {
          cwd: lab.root,
          encoding: 'utf8',
        },
      ),
    ) as { state?: { url?: string } };
    const endpoint = status.state?.url;
    assert.ok(endpoint, `no url in ${JSON.stringify(status)}`);
    console.log(`deployed at ${endpoint} (${Math.round((Date.now() - started) / 1000)} s)`);

    console.log('-- an undrifted window, then a drifted one');
    execFileSync(python, [MODEL_SCRIPT, 'traffic', endpoint, '0', '1'], { env: pyEnv });
    await dashboard.locator('table.heatmap td.cell').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('.jp-SextantAlerts:visible').count(), 0, 'nothing fires yet');
    execFileSync(python, [MODEL_SCRIPT, 'traffic', endpoint, '2', '1'], { env: pyEnv });

    const toast = page
      .locator('.jp-Notification-Toast-error', {
        hasText: /Alert input-drift \(critical\) firing on scored-api/,
      })
      .first();
    await toast.waitFor({ timeout: 60_000 });
    const said = ((await toast.textContent()) ?? '').replace(/\s+/g, ' ');
    console.log(`notification: ${said}`);
    assert.match(said, /drifted: f0, f2/);
    const indicator = page.locator('.jp-SextantAlerts:visible');
    await indicator.waitFor({ timeout: 10_000 });
    assert.match((await indicator.textContent()) ?? '', /1 alert \(critical\)/);
    await toast.getByRole('button', { name: 'Open the triggered pipeline run' }).waitFor();
    await toast.getByRole('button', { name: 'Open dashboard' }).waitFor();

    await dashboard
      .locator('td.cell[data-feature="f0"][data-drifted="true"]')
      .first()
      .waitFor({ timeout: 30_000 });
    await dashboard.locator('td.cell[data-feature="f2"][data-drifted="true"]').first().waitFor();
    await dashboard.locator('.alert-timeline li[data-state="firing"]').first().waitFor();
    await dashboard.locator('.chart[data-plot="histogram"] .main-svg').first().waitFor();
    await dashboard.locator('button[data-action="open-triggered-run"]').first().waitFor({
      timeout: 30_000,
    });
    // A heatmap cell picks that feature's histogram in that window.
    await dashboard.locator('td.cell[data-feature="f3"] button').last().click();
    await waitFor(
      'the histogram of f3',
      async () =>
        /^f3$/.test(
          (await dashboard.locator('.chart[data-plot="histogram"] .gtitle').textContent()) ?? '',
        ) || undefined,
      30_000,
    );

    console.log('-- themes');
    await shot(page, 'monitoring-alert-light.png');
    await toast
      .locator('.jp-Notification-Toast-Close')
      .click()
      .catch(() => undefined);
    await shot(page, 'monitoring-light.png');
    await theme(page, 'JupyterLab Dark', false);
    await shot(page, 'monitoring-dark.png');
    await theme(page, 'JupyterLab Dark High Contrast', false);
    await shot(page, 'monitoring-hc.png');
    await theme(page, 'JupyterLab Light', true);

    console.log('-- open the triggered pipeline run from the notification');
    await page.locator('.jp-Notification-Status').first().click();
    const listed = page
      .locator('.jp-Notification-List-Item', {
        hasText: /Alert input-drift \(critical\) firing/,
      })
      .first();
    await listed.waitFor({ timeout: 10_000 });
    await listed.getByRole('button', { name: 'Open the triggered pipeline run' }).click();
    await page.locator('.jp-SextantView-pipeline:visible').waitFor({ timeout: 30_000 });
    await page
      .locator('.jp-SextantView-pipeline:visible', { hasText: 'retrain' })
      .waitFor({ timeout: 30_000 });
    await waitFor(
      'the triggered run to write retrained.txt',
      async () => fs.existsSync(path.join(lab.root, 'retrained.txt')) || undefined,
      60_000,
    );
    await shot(page, 'monitoring-triggered-run-light.png');

    console.log('-- the magics in a notebook: their buttons open the dashboard and the timeline');
    // The kernel's side (nbclient runs the notebook, as the compat tests do); the page renders
    // what it saved and opens the views from its buttons.
    fs.writeFileSync(path.join(lab.root, 'loop.ipynb'), LOOP_NOTEBOOK);
    execFileSync(python, ['-c', RUN_NOTEBOOK, 'loop.ipynb'], { cwd: lab.root, timeout: 180_000 });
    const ran = JSON.parse(fs.readFileSync(path.join(lab.root, 'loop.ipynb'), 'utf8')) as {
      cells: {
        outputs: { output_type: string; data?: Record<string, unknown>; text?: string }[];
      }[];
    };
    const shown = ran.cells.flatMap((c) => c.outputs.flatMap((o) => Object.keys(o.data ?? {})));
    assert.ok(
      shown.filter((m) => m === 'application/vnd.sextant.view+json').length === 2,
      `the magics displayed their views: ${JSON.stringify(ran.cells.map((c) => c.outputs))}`,
    );
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="filebrowser"]').click();
    await page
      .locator('.jp-DirListing-item', { hasText: 'loop.ipynb' })
      .first()
      .dblclick({ timeout: 30_000 });
    const notebookPanel = page.locator('.jp-NotebookPanel:visible');
    const openDashboard = notebookPanel.getByRole('button', { name: 'Open monitoring dashboard' });
    await openDashboard.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      await shot(page, 'monitoring-magics-failed.png');
      throw error;
    });
    await shot(page, 'monitoring-magics-light.png');
    await openDashboard.click();
    await page
      .locator('.jp-SextantView-monitoring:visible h1', { hasText: `Monitoring · ${DEPLOYMENT}` })
      .waitFor({ timeout: 30_000 });
    await page.locator('.lm-TabBar-tab', { hasText: 'loop.ipynb' }).click();
    await notebookPanel.getByRole('button', { name: 'Open loop timeline' }).click();
    await page
      .locator('.jp-SextantView-timeline:visible', { hasText: 'input-drift' })
      .first()
      .waitFor({ timeout: 30_000 });
    console.log('the notebook buttons opened the monitoring dashboard and the loop timeline');
    console.log(`monitoring UI test passed in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    spawnSync(process.execPath, [SEXTANT, 'deploy', 'down', DEPLOYMENT, '--store', store], {
      cwd: lab.root,
      stdio: 'ignore',
    });
    await context.close();
    await lab.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
