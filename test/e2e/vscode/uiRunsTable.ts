/**
 * The runs table in VS Code as a person uses it: code-server (VS Code 1.100.3) with the built
 * .vsix, driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md). The
 * real `mlflow` client logs eight runs; the test opens "Sextant: Open Runs Table" from the
 * palette, checks the default columns (what varies), sorts by a metric column both ways, checks
 * the best value is marked, types a refused filter (one clear line under the box), then builds a
 * filter with completion of a metric name and of a param value, selects the two remaining rows
 * (click, ctrl-click) and compares them, and takes screenshots in dark, light and high contrast
 * under test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh` (installs what it needs, builds the .vsix).
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with mlflow), CHROMIUM.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Frame } from 'playwright-core';
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
const python = need('PYTHON');

/** The run names of the rows in the DOM, top to bottom. */
const rowNames = (table: Frame): Promise<string[]> =>
  table.locator('.runs-body .row').evaluateAll((rows) =>
    rows
      .map((row) => ({
        top: Number.parseFloat((row as unknown as { style: { top: string } }).style.top),
        name: (
          row as unknown as { querySelector(s: string): { textContent: string } }
        ).querySelector('[data-column="name"], .cell').textContent,
      }))
      .sort((a, b) => a.top - b.top)
      .map((r) => r.name),
  );

/** Waits until the rows are `expected` (names, in order; the best run's star left aside). */
async function rowsAre(table: Frame, expected: string[]): Promise<void> {
  let seen: string[] = [];
  await waitFor(
    `rows ${expected.join(', ')}`,
    async () => {
      seen = (await rowNames(table)).map((name) => name.replace(/^★ /, ''));
      return JSON.stringify(seen) === JSON.stringify(expected) || undefined;
    },
    15_000,
  ).catch(() => assert.deepEqual(seen, expected));
}

runUiTest(
  'runs-table-failure',
  () => freshWorkbench('sextant-ui-table-'),
  async (page, { session, workspace }) => {
    const problems = watchViewProblems(page);
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
    const host = await serverAddress(page);
    const logged = await run(python, [path.join(HERE, 'log_table_runs.py')], {
      env: { ...process.env, MLFLOW_TRACKING_URI: `http://${host}`, GIT_PYTHON_REFRESH: 'quiet' },
      cwd: workspace,
    });
    console.log(`mlflow logged ${logged.stdout.trim().split('\n').at(-1)}`);

    await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
    await page.locator('.monaco-list-row', { hasText: 'table-e2e' }).first().waitFor();
    await runCommand(page, 'Sextant: Open Runs Table');
    await pick(page, 'table-e2e', 'table-e2e');
    await page.keyboard.press('Enter');
    const table = await viewFrame(page, 'runsTable');
    const opened = Date.now();
    await rowsAre(table, [
      'trial-7',
      'trial-6',
      'trial-5',
      'trial-4',
      'trial-3',
      'trial-2',
      'trial-1',
      'trial-0',
    ]);
    console.log(`table showed 8 rows ${Date.now() - opened} ms after its frame appeared`);
    const headers = await table
      .locator('.runs-header .cell')
      .evaluateAll((cells) =>
        cells.map((c) => (c as unknown as { dataset: { column: string } }).dataset.column),
      );
    assert.deepEqual(headers, [
      'name',
      'status',
      'start',
      'duration',
      'metrics.loss',
      'metrics.test_accuracy',
      'params.lr',
      'params.model',
    ]);
    await snap(page, 'runs-table-dark');

    // The column chooser adds a tag column; pinning keeps a column at the left.
    await table.locator('#choose-columns').click();
    await table.locator('#column-chooser input[data-column="tags.team"]').check();
    await table.locator('.runs-header [data-column="tags.team"]').waitFor();
    await snap(page, 'runs-table-columns-dark');
    await table.locator('#choose-columns').click();
    await table.locator('.runs-header [data-column="metrics.loss"]').hover();
    await table.locator('.runs-header [data-column="metrics.loss"] .pin').click();
    const pinnedOrder = await table
      .locator('.runs-header .cell')
      .evaluateAll((cells) =>
        cells
          .slice(0, 2)
          .map((c) => (c as unknown as { dataset: { column: string } }).dataset.column),
      );
    assert.deepEqual(pinnedOrder, ['name', 'metrics.loss']);

    // Sort by a metric column: descending first, then ascending.
    const accuracy = table.locator('.runs-header [data-column="metrics.test_accuracy"] .sort');
    await accuracy.click();
    await rowsAre(table, [
      'trial-5',
      'trial-4',
      'trial-2',
      'trial-6',
      'trial-1',
      'trial-3',
      'trial-0',
      'trial-7',
    ]);
    // Sorted by a metric, the best run by it is starred, and only that one.
    const starred = (await rowNames(table)).filter((name) => name.startsWith('★ '));
    assert.deepEqual(starred, ['★ trial-5']);
    await accuracy.click();
    await rowsAre(table, [
      'trial-7',
      'trial-0',
      'trial-3',
      'trial-1',
      'trial-6',
      'trial-2',
      'trial-4',
      'trial-5',
    ]);
    const best = await table
      .locator('.row:has(.cell.best)')
      .evaluateAll((rows) =>
        rows.map((r) => (r as unknown as { dataset: { runId: string } }).dataset.runId),
      );
    assert.equal(best.length, 2, 'one best cell per metric column, loss and accuracy');

    // A refused filter: MLflow's message, once, on one line under the box.
    const search = table.locator('#runs-search');
    await search.click();
    await search.pressSequentially('test_accuracy > 0.98');
    await page.keyboard.press('Escape');
    await search.press('Enter');
    const error = table.locator('#runs-filter-error');
    await error.filter({ hasText: /\S/ }).waitFor();
    const message = (await error.textContent()) ?? '';
    console.log(`refused filter says: ${message}`);
    assert.ok(!message.includes('\n'));
    assert.equal(message.split('test_accuracy > 0.98').length <= 2, true, 'not repeated');
    await snap(page, 'runs-table-error-dark');
    const fix = table.locator('#runs-filter-fix');
    assert.equal(await fix.textContent(), 'Did you mean metrics.test_accuracy?');
    await fix.click();
    await table.locator('#runs-empty', { hasText: 'No runs match this filter.' }).waitFor();
    assert.equal(await search.inputValue(), 'metrics.test_accuracy > 0.98');
    assert.equal((await error.textContent()) ?? '', '');

    // A filter built with completion: a metric name, then a param value.
    await search.fill('');
    await search.pressSequentially('test');
    const proposals = table.locator('#runs-completions li');
    await proposals.first().waitFor();
    assert.equal(await proposals.first().textContent(), 'metrics.test_accuracy');
    await snap(page, 'runs-table-completion-dark');
    await search.press('Enter');
    await search.pressSequentially('> 0.85 and params.model = ');
    await proposals.filter({ hasText: 'random_forest' }).waitFor();
    assert.deepEqual(await proposals.allTextContents(), ['logistic_regression', 'random_forest']);
    await search.press('ArrowDown');
    await search.press('Enter');
    assert.equal(
      await search.inputValue(),
      "metrics.test_accuracy > 0.85 and params.model = 'random_forest' ",
    );
    await search.press('Enter');
    await rowsAre(table, ['trial-1', 'trial-5']);
    assert.equal((await error.textContent()) ?? '', '');
    await table.locator('#save-filter').click();
    await table.locator('#saved-filters .chip').first().waitFor();

    const themes: Array<[string, string]> = [
      ['Light Modern', 'light'],
      ['Dark High Contrast', 'hc'],
    ];
    for (const [theme, name] of themes) {
      await setTheme(page, theme);
      await snap(page, `runs-table-${name}`);
    }

    // Select both rows (click, ctrl-click) and compare them.
    await table.locator('.row[data-index="0"] .cell').first().click();
    await table
      .locator('.row[data-index="1"] .cell')
      .first()
      .click({ modifiers: ['Control'] });
    const compareButton = table.locator('#compare-selected');
    await waitFor(
      'Compare 2',
      async () => (await compareButton.textContent()) === 'Compare 2' || undefined,
    );
    await snap(page, 'runs-table-selected-hc');
    await compareButton.click();
    const compare = await viewFrame(page, 'compare');
    await compare.locator('h1').first().waitFor();
    await page.locator('.tab', { hasText: 'Compare 2 runs' }).first().waitFor();
    console.log('compare opened for 2 runs');

    assert.deepEqual(problems, [], 'no CSP violations or view errors');
  },
);
