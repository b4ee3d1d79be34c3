/**
 * The runs in JupyterLab as a person uses them: a real `jupyter lab` with the extension, driven
 * by playwright-core and Debian's Chromium. The real `mlflow` client logs eight runs and two runs
 * with scikit-learn models into the extension's tracking server. In the Sextant sidebar the test
 * sorts the runs by a metric, filters them (a refused filter said once, under the box, with the
 * qualified name it meant),
 * opens a run from its context menu, compares two runs from it (and picks a parallel-coordinates
 * axis), opens the runs table from the experiment's context menu; in the table it
 * sorts by a metric column and filters with completion of a metric name; on a run page it opens a
 * logged model (its MLmodel previewed); it takes screenshots in the light, dark and
 * high-contrast themes under test/e2e/jupyterlab/screenshots/.
 *
 *   SEXTANT_LABEXTENSION=$PWD/extension-jupyterlab/sextant/labextension \
 *   PYTHONPATH=$PWD/extension-jupyterlab node test/dist/e2e/jupyterlab/uiRunsTable.js
 * Environment: VENV (default .venv), CHROMIUM, SEXTANT_LABEXTENSION.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../browser';
import { waitFor } from '../vscode/codeServer';
import { startLab, startNotebookKernel } from './jupyterLab';
import { contextMenu, SHOTS, theme, openSextantSidebar } from './labPage';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

/** The run names of the table's rows, top to bottom. */
async function names(page: Page): Promise<string[]> {
  const rows = await page.locator('.jp-SextantView-runsTable .runs-body .row').evaluateAll((els) =>
    els.map((el) => ({
      index: Number((el as unknown as { dataset: { index: string } }).dataset.index),
      name: (el as unknown as { firstElementChild: { textContent: string } }).firstElementChild
        .textContent,
    })),
  );
  // The best run by the sort metric is starred in its name cell; the names are compared without.
  return rows.sort((a, b) => a.index - b.index).map((r) => r.name.replace(/^★ /, ''));
}

/** The run names the sidebar lists under experiment `name`, top to bottom. */
async function sidebarRuns(page: Page, name: string): Promise<string[]> {
  return page
    .locator('.jp-SextantTree-experiment', { hasText: name })
    .first()
    .locator('.jp-SextantTree-run .jp-SextantTree-open')
    .allTextContents();
}

async function sidebarRunsAre(page: Page, name: string, expected: string[]): Promise<void> {
  let seen: string[] = [];
  await waitFor(
    `sidebar runs ${expected.join(', ')}`,
    async () => {
      seen = await sidebarRuns(page, name);
      return JSON.stringify(seen) === JSON.stringify(expected) || undefined;
    },
    20_000,
  ).catch(() => assert.deepEqual(seen, expected));
}

async function rowsAre(page: Page, expected: string[]): Promise<void> {
  let seen: string[] = [];
  await waitFor(
    `rows ${expected.join(', ')}`,
    async () => {
      seen = await names(page);
      return JSON.stringify(seen) === JSON.stringify(expected) || undefined;
    },
    20_000,
  ).catch(() => assert.deepEqual(seen, expected));
}

async function main(): Promise<void> {
  const venv = process.env['VENV'] ?? path.join(REPO, '.venv');
  fs.mkdirSync(SHOTS, { recursive: true });
  // The Sextant connection starts with a notebook's kernel, as a person's session does.
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
    execFileSync(
      path.join(venv, 'bin', 'python'),
      [path.join(REPO, 'test', 'e2e', 'vscode', 'log_table_runs.py')],
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet' },
        cwd: lab.root,
      },
    );

    execFileSync(
      path.join(venv, 'bin', 'python'),
      [path.join(REPO, 'test', 'e2e', 'vscode', 'log_model.py'), lab.root],
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: url, GIT_PYTHON_REFRESH: 'quiet' },
        cwd: lab.root,
      },
    );

    // The sidebar: newest first, then sorted by a metric, filtered, a refused filter said once.
    const newest = [7, 6, 5, 4, 3, 2, 1, 0].map((i) => `trial-${i}`);
    await sidebarRunsAre(page, 'table-e2e', newest);
    const sort = page.locator('.jp-SextantSidebar-sort');
    await sort.selectOption({ label: 'test_accuracy descending' });
    const byAccuracy = [5, 4, 2, 6, 1, 3, 0, 7].map((i) => `trial-${i}`);
    await sidebarRunsAre(page, 'table-e2e', byAccuracy);
    const filter = page.locator('.jp-SextantSidebar-filter');
    await filter.fill('metrics.test_accuracy > 0.9');
    await filter.press('Enter');
    await sidebarRunsAre(page, 'table-e2e', ['trial-5', 'trial-4']);
    await page
      .locator('.jp-SextantTree-experiment', { hasText: 'models-e2e' })
      .getByText('No run matches the filter.')
      .waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'sidebar-filter-light.png') });
    await filter.fill('test_accuracy > 0.9');
    await filter.press('Enter');
    const refused = page.locator('.jp-SextantSidebar-filterError');
    await waitFor('the refused filter', async () => (await refused.textContent()) || undefined);
    assert.match((await refused.textContent())!, /^Filter "test_accuracy > 0.9" refused: /);
    assert.equal(
      await page.locator('#sextant-sidebar').getByText('refused').count(),
      1,
      'the error is said once',
    );
    await page.screenshot({ path: path.join(SHOTS, 'sidebar-filter-error-light.png') });
    await sidebarRunsAre(page, 'table-e2e', ['trial-5', 'trial-4']);
    await page
      .locator('.jp-SextantSidebar-filterFix', { hasText: 'Did you mean metrics.test_accuracy?' })
      .click();
    await waitFor(
      'the qualified filter applied',
      async () =>
        ((await filter.inputValue()) === 'metrics.test_accuracy > 0.9' &&
          (await refused.textContent()) === '') ||
        undefined,
    );
    await sidebarRunsAre(page, 'table-e2e', ['trial-5', 'trial-4']);
    await filter.press('Escape');
    await sidebarRunsAre(page, 'table-e2e', byAccuracy);
    assert.equal(await refused.textContent(), '');

    // The context menus: a run's (open it) and an experiment's (its runs table).
    const experiment = page.locator('.jp-SextantTree-experiment', { hasText: 'table-e2e' }).first();
    const trial5 = experiment.locator('.jp-SextantTree-run', { hasText: 'trial-5' }).first();
    const runItems = await contextMenu(page, trial5, 'Open Run');
    for (const item of ['Open Run', 'Compare', 'Copy Run ID']) {
      assert.ok(runItems.includes(item), `run menu ${JSON.stringify(runItems)} lacks ${item}`);
    }
    await page.locator('.lm-TabBar-tab', { hasText: 'Run: trial-5' }).first().waitFor();

    // Compare from a run's context menu with another ticked; pick a parallel-coordinates axis.
    const tick = (name: string) =>
      experiment
        .locator('.jp-SextantTree-run', { hasText: name })
        .first()
        .locator('.jp-SextantTree-tick');
    await tick('trial-4').click();
    await tick('trial-5').click();
    await page.locator('.jp-SextantSidebar-compare', { hasText: 'Compare (2)' }).waitFor();
    await contextMenu(page, trial5, 'Compare 2 Ticked Runs');
    const compare = page.locator('.jp-SextantView-compare').last();
    const axisTitles = () => compare.locator('svg.parallel .pc-axis-label title').allTextContents();
    await compare.locator('svg.parallel').waitFor({ timeout: 60_000 });
    const axes = await axisTitles();
    assert.ok(
      axes.some((a) => a.startsWith('lr')) && !axes.some((a) => a.startsWith('seed')),
      `parallel axes ${JSON.stringify(axes)}: the params that vary, not the constant seed`,
    );
    await compare.locator('#parallel-axes').click();
    await compare.locator('.axis-picker-list input[value="seed"]').check();
    await waitFor(
      'the picked axis',
      async () => (await axisTitles()).some((a) => a.startsWith('seed')) || undefined,
    );
    await compare.locator('svg.parallel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'compare-axes-light.png') });
    await tick('trial-4').click();
    await tick('trial-5').click();
    await page.locator('.jp-SextantSidebar-compare', { hasText: /^Compare$/ }).waitFor();

    await experiment.locator('.jp-SextantTree-table').first().waitFor({ state: 'attached' });
    await contextMenu(page, experiment.locator('.jp-SextantTree-row').first(), 'Open Runs Table');
    await rowsAre(
      page,
      [7, 6, 5, 4, 3, 2, 1, 0].map((i) => `trial-${i}`),
    );
    await page.locator('.lm-TabBar-tab', { hasText: 'Runs: table-e2e' }).first().waitFor();

    const table = page.locator('.jp-SextantView-runsTable');
    await table.locator('.runs-header [data-column="metrics.test_accuracy"] .sort').click();
    await rowsAre(
      page,
      [5, 4, 2, 6, 1, 3, 0, 7].map((i) => `trial-${i}`),
    );
    const search = table.locator('#runs-search');
    await search.click();
    await search.pressSequentially('test');
    const proposals = table.locator('#runs-completions li');
    assert.equal(await proposals.first().textContent(), 'metrics.test_accuracy');
    await page.screenshot({ path: path.join(SHOTS, 'runs-table-completion-light.png') });
    await search.press('Enter');
    await search.pressSequentially('> 0.9');
    await search.press('Enter');
    await rowsAre(page, ['trial-5', 'trial-4']);
    await page.screenshot({ path: path.join(SHOTS, 'runs-table-light.png') });
    await theme(page, 'JupyterLab Dark', false);
    await page.screenshot({ path: path.join(SHOTS, 'runs-table-dark.png') });
    await theme(page, 'JupyterLab Dark High Contrast', false);
    await page.screenshot({ path: path.join(SHOTS, 'runs-table-hc.png') });

    // A logged model opened from its run's page: its MLmodel is previewed.
    await theme(page, 'JupyterLab Light', true);
    await page
      .locator('.jp-SextantTree-experiment', { hasText: 'models-e2e' })
      .locator('.jp-SextantTree-open', { hasText: /^train-strong$/ })
      .click();
    const runView = page.locator('.jp-SextantView-run').last();
    const open = runView.locator('table.models button[data-action="open-model"]').first();
    await open.waitFor({ timeout: 30_000 });
    await open.click();
    const preview = runView.locator('.artifact-previews', { hasText: 'flavors' });
    await preview.waitFor({ timeout: 30_000 });
    assert.match(await preview.innerText(), /sklearn/);
    await preview.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'run-logged-model-light.png') });
    console.log(
      'runs: sidebar sorted, filtered (refusal said once), context menus; table opened, sorted, ' +
        'filtered with completion; a logged model opened from its run',
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
