/**
 * The model registry in VS Code as a person uses it: code-server (VS Code 1.100.3) with the built
 * .vsix, driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md). The
 * real `mlflow` client logs two scikit-learn runs with their models into the extension's tracking
 * server; the test registers both from the Experiments tree's context menu, sets an alias on a
 * version in the Models view, evaluates the two versions on an eval CSV through the quick picks
 * (watching the progress notification), opens the comparison from the notification, checks the
 * metrics (best marked), curves and confusion matrices, opens a version page from it, and takes
 * screenshots of the Models view, the version page and the comparison in dark, light and high
 * contrast themes under test/e2e/vscode/screenshots/.
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
  freshWorkbench,
  need,
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
const python = need('PYTHON');

runUiTest(
  'models-failure',
  () =>
    freshWorkbench('sextant-ui-models-', (workspace) => {
      // The workspace's own virtual environment runs the models when they are evaluated.
      fs.symlinkSync(path.resolve(path.dirname(python), '..'), path.join(workspace, '.venv'));
    }),
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
    const ids = JSON.parse(logged.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    console.log(`mlflow logged ${Object.keys(ids).join(', ')}`);

    await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
    const row = (text: string | RegExp) =>
      page.locator('.monaco-list-row', { hasText: text }).first();
    await row('models-e2e').waitFor();
    if ((await row('models-e2e').getAttribute('aria-expanded')) !== 'true') {
      await row('models-e2e').click();
    }

    // Register both runs' models from the Experiments tree's context menu.
    for (const runName of ['train-weak', 'train-strong']) {
      await row(runName).waitFor();
      await contextMenu(page, row(runName), 'Register Model…');
      await answer(page, 'churn');
      const toast = page.locator('.notification-toast', { hasText: /registered churn version/ });
      await toast.first().waitFor({ timeout: 30_000 });
      const message = toast.first().locator('.notification-list-item-message');
      console.log(`${runName}: ${(await message.innerText()).replace(/\s+/g, ' ')}`);
      await toast
        .first()
        .locator('.codicon-notifications-clear')
        .click()
        .catch(() => undefined);
    }

    // The Models view: the model, then its versions.
    const models = page.locator('.pane', {
      has: page.locator('.pane-header', { hasText: 'Models' }),
    });
    const modelRow = models.locator('.monaco-list-row', { hasText: 'churn' }).first();
    await modelRow.waitFor({ timeout: 15_000 });
    if ((await modelRow.getAttribute('aria-expanded')) !== 'true') await modelRow.click();
    const versionRow = (n: string) =>
      models.locator('.monaco-list-row', { hasText: `Version ${n}` }).first();
    await versionRow('2').waitFor();
    await versionRow('1').waitFor();

    // Set an alias on version 2; the row shows it as a badge.
    await contextMenu(page, versionRow('2'), 'Set or Move Alias…');
    await answer(page, 'champion');
    await waitFor(
      'the @champion badge on version 2',
      async () => (await versionRow('2').innerText()).includes('@champion') || undefined,
    );
    console.log(`version 2 reads: ${(await versionRow('2').innerText()).replace(/\s+/g, ' ')}`);

    // Evaluate both versions: pick them, the eval set, the target column and the task.
    await versionRow('1').click();
    await versionRow('2').click({ modifiers: ['Control'] });
    await waitFor('both versions selected', async () =>
      (await versionRow('1').getAttribute('aria-selected')) === 'true' &&
      (await versionRow('2').getAttribute('aria-selected')) === 'true'
        ? true
        : undefined,
    );
    await contextMenu(page, versionRow('2'), 'Evaluate…');
    await page.locator('.quick-input-widget', { hasText: 'which versions' }).waitFor();
    await page.keyboard.press('Enter');
    await pick(page, 'eval.csv', 'eval.csv');
    await pick(page, 'label', 'label');
    await pick(page, 'classifier', 'classifier');
    const progress = page.locator('.notification-toast', { hasText: /Evaluating churn/ }).first();
    await progress.waitFor({ timeout: 20_000 });
    await progress
      .locator('.monaco-button, .action-label', { hasText: 'Cancel' })
      .first()
      .waitFor();
    console.log(`progress: ${(await progress.innerText()).replace(/\s+/g, ' ')}`);
    const done = page.locator('.notification-toast', { hasText: /evaluated 2 versions of churn/ });
    await done.first().waitFor({ timeout: 240_000 });
    await snap(page, 'models-view-dark');
    await done.first().locator('.monaco-button', { hasText: 'Compare Versions' }).click();

    // The comparison: metrics with the best marked, overlaid curves, confusion matrices.
    const compare = await viewFrame(page, 'modelCompare');
    await compare.locator('table.metrics-compare td.best').first().waitFor({ timeout: 30_000 });
    await compare.locator('.chart[data-plot="ROC curves"] .main-svg').first().waitFor();
    const matrices = await compare.locator('table.confusion').count();
    if (matrices !== 2)
      throw new Error(`the comparison shows ${matrices} confusion matrices, not 2`);
    const accuracy = await compare
      .locator('table.metrics-compare tr', { hasText: 'accuracy_score' })
      .first()
      .innerText();
    console.log(`comparison accuracy row: ${accuracy.replace(/\s+/g, ' ')}`);
    if (!/★/.test(accuracy)) throw new Error('the best accuracy is not marked');
    const csp = await compare
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
      throw new Error(`the webview's CSP is not strict: ${csp}`);
    }
    // A hidden webview is dropped and drawn again when its tab comes back: find its frame anew.
    const compareShots = async (theme: string): Promise<void> => {
      const compare = await viewFrame(page, 'modelCompare');
      await compare.locator('.chart[data-plot="ROC curves"] .main-svg').first().waitFor();
      await compare.locator('h1').first().scrollIntoViewIfNeeded();
      await snap(page, `model-compare-${theme}`);
      await showSection(compare, 'Curves');
      await snap(page, `model-compare-${theme}-curves`);
      await showSection(compare, 'Confusion matrices');
      await snap(page, `model-compare-${theme}-confusion`);
      await showSection(compare, 'Requirements');
      await snap(page, `model-compare-${theme}-diffs`);
    };
    await compareShots('dark');

    // A version page, opened from the comparison.
    await compare.locator('h1').first().scrollIntoViewIfNeeded();
    await compare.locator('button.link', { hasText: 'v2' }).first().click();
    const versionPage = await viewFrame(page, 'modelVersion');
    await versionPage.locator('section[aria-label="Signature"] table').first().waitFor();
    await versionPage.locator('.chart[data-plot="ROC curve"] .main-svg').first().waitFor();
    const heading = await versionPage.locator('h1').first().innerText();
    if (!/churn · version 2/.test(heading)) throw new Error(`the version page reads ${heading}`);
    await versionPage
      .locator('.lineage-node', { hasText: 'breast-cancer-train@' })
      .first()
      .waitFor();
    if (!(await versionPage.locator('.badge.alias', { hasText: '@champion' }).count())) {
      throw new Error('the version page lacks the @champion badge');
    }
    const pageShots = async (theme: string): Promise<void> => {
      const versionPage = await viewFrame(page, 'modelVersion');
      await versionPage.locator('.chart[data-plot="ROC curve"] .main-svg').first().waitFor();
      await versionPage.locator('h1').first().scrollIntoViewIfNeeded();
      await snap(page, `model-version-${theme}`);
      await showSection(versionPage, 'Lineage');
      await snap(page, `model-version-${theme}-lineage`);
      await showSection(versionPage, 'Evaluation');
      await snap(page, `model-version-${theme}-evaluation`);
      await showSection(versionPage, 'History');
      await snap(page, `model-version-${theme}-history`);
    };
    await pageShots('dark');

    for (const [theme, name] of [
      ['Light Modern', 'light'],
      ['Dark High Contrast', 'hc'],
    ] as const) {
      // The command palette answers F1 from the workbench, not from inside a webview.
      await versionRow('2').click();
      await setTheme(page, theme);
      await pageShots(name);
      await page.locator('.tab', { hasText: 'Compare 2 model versions' }).first().click();
      await compareShots(name);
      await snap(page, `models-view-${name}`);
      await page.locator('.tab', { hasText: 'churn v2' }).first().click();
    }
    if (problems.length > 0) throw new Error(`the views reported: ${problems.join(' | ')}`);
    console.log('models UI test passed');
  },
);
