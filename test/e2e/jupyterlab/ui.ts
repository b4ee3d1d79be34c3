/**
 * Sextant in JupyterLab as a person sees it: a real `jupyter lab` (started here on 127.0.0.1 with
 * a random token, sextant-jupyterlab installed in the venv) driven by playwright-core and Debian's
 * Chromium. A notebook runs `%load_ext sextant`, `%sextant start`, training cells that log with
 * mlflow and `%sextant end`, twice; the test sees the runs in the Sextant sidebar, the cell badges
 * (and "changed since run" after an edit), opens a run from a badge and finds the cells that made
 * it, re-opens the notebook at one of them, compares the two runs and finds the charts, and does
 * it again from a second page open at the same time; then registers two runs' models from their
 * context menu, sets an alias, evaluates both versions and compares them, in the Models section;
 * sees the best run starred, edits a run's description and a tag on its page, deletes a run from
 * its context menu (confirmed) and restores it with the bin button (screenshots in the light,
 * dark and high-contrast themes). Screenshots go to test/e2e/jupyterlab/screenshots/.
 *
 * Run it with `bash test/e2e/jupyterlab/run.sh` (builds and installs the extension first).
 * Environment: VENV (default .venv), CHROMIUM (default /usr/bin/chromium), SEXTANT_LABEXTENSION
 * (a built labextension folder served instead of the venv's installed one).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../browser';
import { waitFor } from '../vscode/codeServer';
import { sessionKernel, startLab, startNotebookKernel, type Lab } from './jupyterLab';
import { contextMenu, menu, theme } from './labPage';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const SHOTS = path.join(REPO, 'test', 'e2e', 'jupyterlab', 'screenshots');

/** A training cell logging `lr` and 30 steps of loss and accuracy that improve at that rate. */
function training(lr: number, imports: string[] = []): string {
  return [
    ...imports,
    `mlflow.log_params({"lr": ${lr}, "epochs": 30})`,
    'for step in range(30):',
    `    mlflow.log_metric("loss", 1.0 / (1 + ${lr} * step), step=step)`,
    `    mlflow.log_metric("accuracy", 1 - 0.5 / (1 + ${lr} * step), step=step)`,
  ].join('\n');
}

/** The notebook's cells: two tracked runs with different learning rates. */
const CELLS: { id: string; source: string }[] = [
  { id: 'load', source: '%load_ext sextant' },
  { id: 'start-a', source: '%sextant start --experiment lab-ui --name lab-run-a' },
  { id: 'train-a', source: training(0.1, ['import mlflow']) },
  { id: 'end-a', source: '%sextant end' },
  { id: 'start-b', source: '%sextant start --experiment lab-ui --name lab-run-b' },
  { id: 'train-b', source: training(0.02) },
  { id: 'end-b', source: '%sextant end' },
];

/** A two-step pipeline in the Jupyter root, for the pipelines section and the graph panel. */
const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  tiny:',
  '    steps:',
  '      make:',
  `        run: python -c "open('made.txt', 'w').write('42')"`,
  '        outs: [made.txt]',
  '      use:',
  `        run: python -c "print(open('made.txt').read())"`,
  '        deps: [made.txt]',
  '',
].join('\n');

/** A pipeline file whose step runs a script that is not there: the sidebar shows the problem. */
const BROKEN_PIPELINE = 'steps:\n  train:\n    run: python missing_train.py\n';

/**
 * Two logistic regressions logged as models by plain mlflow code into the lab's Sextant server
 * (runs `model-a` and `model-b` of experiment `lab-models`), and their eval set `eval.csv`.
 */
const TRAIN_MODELS = [
  'import json, mlflow, mlflow.sklearn',
  'from sklearn.datasets import load_breast_cancer',
  'from sklearn.linear_model import LogisticRegression',
  'from sklearn.model_selection import train_test_split',
  "mlflow.set_tracking_uri(json.load(open('.sextant/server.json'))['url'])",
  'X, y = load_breast_cancer(return_X_y=True, as_frame=True)',
  'Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)',
  "mlflow.set_experiment('lab-models')",
  "for name, c in (('model-a', 1.0), ('model-b', 0.001)):",
  '    with mlflow.start_run(run_name=name):',
  "        mlflow.log_param('C', c)",
  '        model = LogisticRegression(C=c, max_iter=5000).fit(Xtr, ytr)',
  "        mlflow.sklearn.log_model(model, name='model', input_example=Xtr.iloc[:2])",
  "frame = Xte.copy(); frame['label'] = yte; frame.to_csv('eval.csv', index=False)",
].join('\n');

function notebook(): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
    },
    cells: CELLS.map((cell) => ({
      cell_type: 'code',
      id: cell.id,
      metadata: {},
      execution_count: null,
      outputs: [],
      source: cell.source,
    })),
  });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, name) });
  console.log(`  screenshot ${path.join('test/e2e/jupyterlab/screenshots', name)}`);
}

async function openLab(context: BrowserContext, lab: Lab, route: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`  page error: ${error.message}`));
  await page.goto(`${lab.base}${route}?token=${lab.token}`);
  await page.locator('#jp-main-dock-panel').waitFor({ timeout: 60_000 });
  return page;
}

/** Shows the Sextant sidebar and waits until it is connected. */
async function showSidebar(page: Page): Promise<void> {
  await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="sextant-sidebar"]').click();
  await page.locator('#sextant-sidebar[data-state="ready"]').waitFor({ timeout: 60_000 });
}

/** The sidebar's row of the run named `name`. */
function runRow(page: Page, name: string) {
  return page.locator('#sextant-sidebar .jp-SextantTree-run', { hasText: name });
}

/** Opens the run `name` from its sidebar row and waits for its panel. */
async function openRunFromSidebar(page: Page, name: string): Promise<void> {
  await runRow(page, name).locator('.jp-SextantTree-open').click();
  await page
    .locator('.jp-SextantView-run:visible h1', { hasText: name })
    .waitFor({ timeout: 30_000 });
}

/** The Models section's row of a version. */
function versionRow(page: Page, name: string, version: string) {
  return page.locator(
    `#sextant-sidebar .jp-SextantModels-version[data-model="${name}"][data-version="${version}"]`,
  );
}

/** Types `value` into the open dialog's input and accepts it. */
async function answerDialog(page: Page, value: string): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('input').first().fill(value);
  await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
  await dialog.waitFor({ state: 'detached', timeout: 15_000 });
}

/** Screenshots of the Models section, the version page and the model comparison. */
async function modelShots(page: Page, theme: string): Promise<void> {
  for (const close of await page.locator('.jp-Notification-Toast-Close').all()) {
    await close.click().catch(() => undefined);
  }
  await page.locator('.lm-TabBar-tab[data-id="sextant-model-lab-churn-v1-area"]').click();
  await page
    .locator('.jp-SextantView-modelVersion:visible h1', { hasText: 'lab-churn · version 1' })
    .waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000);
  await shot(page, `model-version${theme}.png`);
  await page.locator('.lm-TabBar-tab[data-id^="sextant-model-compare-lab-churn-"]').click();
  await page
    .locator('.jp-SextantView-modelCompare:visible table.metrics-compare')
    .waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000);
  await shot(page, `model-compare${theme}.png`);
  await page.locator('#sextant-sidebar .jp-SextantModels').scrollIntoViewIfNeeded();
  await page.locator('#sextant-sidebar').screenshot({
    path: path.join(SHOTS, `models-section${theme}.png`),
  });
  console.log(`  screenshot test/e2e/jupyterlab/screenshots/models-section${theme}.png`);
}

/** Screenshots of lab-run-b's page: at its description, then at its tags and source. */
async function runShot(page: Page, theme: string): Promise<void> {
  await page.locator('.lm-TabBar-tab', { hasText: 'lab-run-b' }).first().click();
  const panel = page.locator('.jp-SextantView-run:visible');
  await panel.locator('.run-note [data-note]').waitFor({ timeout: 30_000 });
  await panel.locator('.run-note').scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await shot(page, `run-note-tags${theme}.png`);
  await panel
    .locator('section[aria-label="Tags"]')
    .evaluate((section) => section.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(500);
  await shot(page, `run-tags-source${theme}.png`);
}

function cell(page: Page, id: string) {
  return page.locator('.jp-Notebook .jp-Cell').nth(CELLS.findIndex((c) => c.id === id));
}

async function main(): Promise<void> {
  const venv = process.env['VENV'] ?? path.join(REPO, '.venv');
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  const lab = await startLab(venv, {
    'train.ipynb': notebook(),
    'sextant.yaml': PIPELINE,
    'broken.sextant.yaml': BROKEN_PIPELINE,
  });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lab-chromium-'));
  const context = await launchChromium(profile, { width: 1440, height: 900 });
  try {
    console.log('-- the extension is installed and the sidebar connects through jupyter-lsp');
    const kernelId = await startNotebookKernel(lab, 'train.ipynb');
    const page = await openLab(context, lab, '/lab/tree/train.ipynb');
    await showSidebar(page);
    assert.ok(
      fs.existsSync(path.join(lab.root, '.sextant', 'server.json')),
      'server.json in <root>/.sextant',
    );

    console.log('-- the notebook runs %load_ext sextant, %sextant start, training, %sextant end');
    await page.locator('.jp-Notebook .jp-Cell').first().waitFor();
    await page
      .locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
      .waitFor({ timeout: 60_000 });
    await page
      .locator('.jp-Toolbar-kernelName', { hasText: 'Python 3' })
      .first()
      .waitFor({ timeout: 60_000 });
    // The kernel was started (and is idle) before the page opened, so the notebook joins it.
    // "Run All Cells" stays disabled until the page's session is fully set up: ask again only
    // while the first cell has not started. Asked before the page has joined the session,
    // JupyterLab may still ask which kernel to use: the answer is the notebook's own, running.
    const started = async (): Promise<boolean> =>
      /\[(\*|\d+)\]/.test(
        (await cell(page, 'load').locator('.jp-InputPrompt').textContent()) ?? '',
      );
    const outcome = await waitFor(
      'Run All Cells to start the first cell',
      async () => {
        const dialog = page.locator('.jp-Dialog');
        if (await dialog.isVisible()) {
          const ours = dialog.locator('option', { hasText: kernelId.slice(0, 8) });
          if ((await ours.count()) === 0) return `dialog: ${await dialog.textContent()}`;
          const label = ((await ours.first().textContent()) ?? '').trim();
          await dialog.locator('select').selectOption({ label });
          await dialog.locator('button', { hasText: /^Select$/ }).click();
        }
        if (await started()) return 'started';
        await menu(page, 'Run', 'Run All Cells');
        await page.waitForTimeout(3000);
        return (await started()) ? 'started' : undefined;
      },
      90_000,
    );
    assert.equal(outcome, 'started', 'the notebook ran');
    await waitFor(
      'every cell to run',
      async () =>
        (await cell(page, 'end-b').locator('.jp-InputPrompt').textContent())?.includes('[7]'),
      180_000,
    );
    assert.equal(
      await sessionKernel(lab, 'train.ipynb'),
      kernelId,
      'every cell ran on the kernel started for the notebook',
    );
    const errors = await page
      .locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .allTextContents();
    assert.ok(
      !errors.some((e) => /Traceback|Error/.test(e)),
      `no cell failed: ${errors.join('\n')}`,
    );

    console.log('-- the runs appear in the sidebar');
    await runRow(page, 'lab-run-a').waitFor({ timeout: 30_000 });
    await runRow(page, 'lab-run-b').waitFor({ timeout: 30_000 });
    assert.match((await runRow(page, 'lab-run-a').textContent()) ?? '', /accuracy=/);

    console.log('-- each tracked cell shows a badge with its run and what it logged');
    const badgeA = cell(page, 'train-a').locator('.jp-SextantBadge');
    await badgeA.waitFor({ timeout: 30_000 });
    assert.match(
      (await badgeA.textContent()) ?? '',
      /lab-run-a.*metrics: accuracy, loss.*params: epochs, lr/,
    );
    assert.match(
      (await cell(page, 'train-b').locator('.jp-SextantBadge').textContent()) ?? '',
      /lab-run-b/,
    );
    assert.equal(
      await cell(page, 'load').locator('.jp-SextantBadge').count(),
      0,
      'no badge on an untracked cell',
    );
    await shot(page, 'notebook-badges.png');

    console.log('-- editing a recorded cell marks its badge "changed since run"');
    await cell(page, 'train-b').locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n# tuned');
    const badgeB = cell(page, 'train-b').locator('.jp-SextantBadge');
    await waitFor(
      'the badge to say changed since run',
      async () =>
        (await badgeB.getAttribute('data-changed')) === 'true' &&
        /changed since run/.test((await badgeB.textContent()) ?? ''),
    );
    assert.equal(await badgeA.getAttribute('data-changed'), 'false');
    await page.keyboard.press('Escape');
    await shot(page, 'notebook-changed-badge.png');

    console.log('-- clicking a badge opens the run, which lists its cells in execution order');
    await badgeA.click();
    const runPanel = page.locator('.jp-SextantPanel:visible', {
      has: page.locator('.jp-SextantView-run'),
    });
    await runPanel.locator('.jp-SextantCells-item').first().waitFor({ timeout: 30_000 });
    const listed = await runPanel
      .locator('.jp-SextantCells-item')
      .evaluateAll((items) =>
        items.map(
          (item) => (item as unknown as { dataset: Record<string, string> }).dataset['cellId'],
        ),
      );
    assert.deepEqual(listed, ['start-a', 'train-a', 'end-a']);
    assert.match(
      (await runPanel.locator('.jp-SextantCells-source').nth(1).textContent()) ?? '',
      /log_metric\("loss"/,
    );
    await runPanel.locator('.js-plotly-plot').first().waitFor({ timeout: 30_000 });
    await shot(page, 'run-panel.png');
    await runPanel.locator('.jp-SextantCells').scrollIntoViewIfNeeded();
    await shot(page, 'run-cells.png');

    console.log('-- "Re-open at this cell" brings the notebook to that cell');
    await runPanel
      .locator('.jp-SextantCells-item[data-cell-id="train-a"] .jp-SextantCells-reveal')
      .click();
    await waitFor('the training cell to be active', async () =>
      (await cell(page, 'train-a').getAttribute('class'))?.includes('jp-mod-active'),
    );

    console.log('-- ticking both runs and Compare opens the comparison with its charts');
    for (const name of ['lab-run-a', 'lab-run-b'])
      await runRow(page, name).locator('input[type="checkbox"]').check();
    await page.locator('#sextant-sidebar .jp-SextantSidebar-compare').click();
    const compare = page.locator('.jp-SextantView-compare:visible');
    await compare
      .locator('.js-plotly-plot .scatterlayer .trace')
      .first()
      .waitFor({ timeout: 30_000 });
    const traces = await compare
      .locator('.js-plotly-plot')
      .first()
      .locator('.scatterlayer .trace')
      .count();
    assert.ok(traces >= 2, `two runs overlaid in the chart (found ${traces} traces)`);
    assert.match((await compare.textContent()) ?? '', /lr/);
    await shot(page, 'compare-panel.png');
    await shot(page, 'sidebar.png');

    console.log('-- a second page on the same JupyterLab works beside the first');
    const second = await openLab(context, lab, '/lab');
    console.log('-- the launcher has a Sextant item, the palette has the Sextant commands');
    await second.keyboard.press('Control+Shift+L');
    await second.locator('.jp-LauncherCard', { hasText: 'Sextant Experiments' }).first().click();
    await second.locator('#sextant-sidebar[data-state="ready"]').waitFor({ timeout: 60_000 });
    // On a loaded machine the first shortcut can reach the page before its keymap: ask again.
    await waitFor('the command palette to open', async () => {
      if (await second.locator('.lm-CommandPalette-input').isVisible()) return true;
      await second.keyboard.press('Control+Shift+C');
      await second.waitForTimeout(1000);
      return second.locator('.lm-CommandPalette-input').isVisible();
    });
    await second.locator('.lm-CommandPalette-input').fill('Sextant');
    await second
      .locator('.lm-CommandPalette-item', { hasText: 'Refresh Sextant Experiments' })
      .waitFor({ timeout: 60_000 });
    await second.keyboard.press('Escape');
    await runRow(second, 'lab-run-b').waitFor({ timeout: 30_000 });
    await openRunFromSidebar(second, 'lab-run-b');
    await page.bringToFront();
    await page.locator('#sextant-sidebar .jp-SextantSidebar-refresh').click();
    await openRunFromSidebar(page, 'lab-run-b');
    await shot(second, 'second-page.png');

    console.log('-- the best run (highest accuracy, the metric the rows show) is starred');
    await page.locator('#sextant-sidebar .jp-SextantSidebar-refresh').click();
    await runRow(page, 'lab-run-a').and(page.locator('.jp-mod-best')).waitFor({ timeout: 30_000 });
    assert.match((await runRow(page, 'lab-run-a').textContent()) ?? '', /★ best/);
    assert.equal(await runRow(page, 'lab-run-b').and(page.locator('.jp-mod-best')).count(), 0);

    console.log("-- the run page edits the run's description and a tag");
    const editedRun = page.locator('.jp-SextantView-run:visible');
    await editedRun.locator('button[data-action="edit-note"]').click();
    await editedRun.locator('textarea.note-input').fill('# Slow learner\nlr **0.02** is too low.');
    await editedRun.locator('button[data-action="save-note"]').click();
    await editedRun.locator('.run-note [data-note] h3', { hasText: 'Slow learner' }).waitFor({
      timeout: 30_000,
    });
    await editedRun.locator('.run-note [data-note] strong', { hasText: '0.02' }).waitFor();
    const tagsSection = editedRun.locator('section[aria-label="Tags"]');
    await tagsSection.locator('input.tag-key').fill('verdict');
    await tagsSection.locator('tr.tag-new input.tag-value').fill('discard');
    await tagsSection.locator('button[data-action="add-tag"]').click();
    const verdict = tagsSection.locator('tr[data-tag="verdict"]');
    await verdict.locator('td', { hasText: /^discard$/ }).waitFor({ timeout: 30_000 });
    await verdict.locator('button[data-action="edit-tag"]').click();
    await verdict.locator('input.tag-value').fill('keep');
    await verdict.locator('button[data-action="save-tag"]').click();
    await tagsSection
      .locator('tr[data-tag="verdict"] td', { hasText: /^keep$/ })
      .waitFor({ timeout: 30_000 });
    await editedRun.locator('.run-note').scrollIntoViewIfNeeded();
    await shot(page, 'run-note-tags.png');

    console.log(
      '-- a run is deleted from its context menu (confirmed) and restored with the bin button',
    );
    await contextMenu(page, runRow(page, 'lab-run-b'), 'Delete Run…');
    const confirmRun = page.locator('.jp-Dialog', { hasText: 'Delete run lab-run-b?' });
    await confirmRun.waitFor({ timeout: 15_000 });
    await confirmRun.locator('.jp-Dialog-button', { hasText: /^Delete$/ }).click();
    await runRow(page, 'lab-run-b').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#sextant-sidebar .jp-SextantSidebar-deleted').click();
    const deletedRow = page.locator('#sextant-sidebar .jp-SextantTree-run[data-deleted]', {
      hasText: 'lab-run-b',
    });
    await deletedRow.waitFor({ timeout: 30_000 });
    await page.locator('#sextant-sidebar').screenshot({
      path: path.join(SHOTS, 'sidebar-deleted.png'),
    });
    await contextMenu(page, deletedRow, 'Restore Run');
    await deletedRow.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#sextant-sidebar .jp-SextantSidebar-deleted').click();
    await runRow(page, 'lab-run-b').waitFor({ timeout: 30_000 });

    console.log('-- a broken pipeline file shows its problem in the pipelines section');
    await page
      .locator('#sextant-sidebar .jp-SextantPipelines-problem', {
        hasText: /broken\.sextant\.yaml: script 'missing_train\.py' not found/,
      })
      .waitFor({ timeout: 30_000 });

    console.log('-- the pipelines section opens the graph, which runs and turns green');
    const pipelineRow = page.locator(
      '#sextant-sidebar .jp-SextantPipelines-item[data-pipeline="tiny"]',
    );
    await pipelineRow.waitFor({ timeout: 30_000 });
    await pipelineRow.locator('.jp-SextantTree-open').click();
    const graph = page.locator('.jp-SextantView.sx-pipeline:visible');
    await graph.locator('.sx-node[data-step="use"]').waitFor({ timeout: 30_000 });
    await graph.locator('button', { hasText: /^Run$/ }).click();
    await waitFor(
      'both steps to be done',
      async () =>
        (await graph.locator('.sx-node[data-status="done"]').count()) === 2 &&
        (await pipelineRow.textContent())?.includes('last run done'),
      60_000,
    );
    const pipelineRuns = page.locator('#sextant-sidebar .jp-SextantTree-experiment', {
      hasText: 'pipeline/tiny',
    });
    await page.locator('#sextant-sidebar .jp-SextantSidebar-refresh').click();
    const parent = pipelineRuns.locator('.jp-SextantTree-run', { hasText: 'tiny' }).first();
    await parent.waitFor({ timeout: 30_000 });
    assert.equal(
      await pipelineRuns.locator('.jp-SextantTree-run').count(),
      1,
      'steps nest under it',
    );
    await parent.locator('.jp-SextantTree-caret').click();
    await waitFor(
      'the step runs under the pipeline run',
      async () => (await pipelineRuns.locator('.jp-SextantTree-run').count()) === 3,
    );
    await graph.locator('.sx-node[data-step="use"]').click();
    await graph.locator('.sx-side pre', { hasText: '42' }).waitFor({ timeout: 30_000 });
    await shot(page, 'pipeline-panel.png');

    console.log('-- the command palette cleans the pipeline cache, a dry run first');
    await page.keyboard.press('Control+Shift+C');
    const paletteInput = page.locator('.lm-CommandPalette-input');
    await paletteInput.waitFor();
    await paletteInput.fill('Clean Sextant Pipeline Cache');
    await page.keyboard.press('Enter');
    const choice = page.locator('.jp-Dialog select');
    await choice.waitFor({ timeout: 15_000 });
    await choice.selectOption({
      label: 'Empty the cache (every step runs again when next needed)',
    });
    await page.locator('.jp-Dialog-button', { hasText: 'Next' }).click();
    const question = page.locator('.jp-Dialog-body', { hasText: 'would remove' });
    await question.waitFor({ timeout: 15_000 });
    const asked = (await question.innerText()).replace(/\s+/g, ' ');
    assert.match(asked, /would remove 1 step version, 1 file \(2 B\) and keep 0 step versions/);
    await shot(page, 'clean-cache-dialog.png');
    await page.locator('.jp-Dialog-button', { hasText: 'Remove' }).click();
    const cleaned = page.getByText(/Pipeline cache cleaned: removed 1 step version/).first();
    await cleaned.waitFor({ timeout: 15_000 });
    console.log(`after cleaning: ${(await cleaned.innerText()).replace(/\s+/g, ' ')}`);

    console.log('-- %sextant pipeline run in a notebook cell; its output opens the graph');
    await page.locator('.lm-TabBar-tab', { hasText: 'train.ipynb' }).click();
    await cell(page, 'end-b').locator('.jp-InputPrompt').click();
    await page.keyboard.press('b');
    await page.keyboard.press('Enter');
    await page.keyboard.type('%sextant pipeline run tiny');
    await page.keyboard.press('Shift+Enter');
    const opener = page.locator('.jp-SextantPipelineOutput', { hasText: 'Open pipeline graph' });
    await opener.waitFor({ timeout: 60_000 });
    const said = (await opener.innerText()).replace(/\s+/g, ' ');
    assert.match(said, /Pipeline tiny, run [0-9a-f]{8}: done/);
    const cellLog = await page
      .locator('.jp-Notebook .jp-Cell', { has: opener })
      .locator('.jp-OutputArea-output')
      .first()
      .innerText();
    assert.match(cellLog, /sextant: step make done/, 'the cell shows the run as it goes');
    await opener.scrollIntoViewIfNeeded();
    await shot(page, 'notebook-pipeline-run.png');
    await opener.locator('button').click();
    await page
      .locator('.lm-TabBar-tab.lm-mod-current', { hasText: 'Pipeline: tiny' })
      .waitFor({ timeout: 15_000 });

    console.log("-- a run's model is registered from its context menu, twice: two versions");
    execFileSync(path.join(venv, 'bin', 'python'), ['-c', TRAIN_MODELS], {
      cwd: lab.root,
      stdio: 'inherit',
    });
    await page.locator('#sextant-sidebar .jp-SextantSidebar-refresh').click();
    for (const [run, version] of [
      ['model-a', '1'],
      ['model-b', '2'],
    ] as const) {
      await runRow(page, run).waitFor({ timeout: 30_000 });
      await contextMenu(page, runRow(page, run), 'Register Model…');
      await answerDialog(page, 'lab-churn');
      await versionRow(page, 'lab-churn', version).waitFor({ timeout: 30_000 });
    }
    const models = page.locator('#sextant-sidebar .jp-SextantModels');
    assert.match(
      (await models.locator('.jp-SextantModels-model[data-model="lab-churn"]').textContent()) ?? '',
      /2 versions · latest v2/,
    );
    assert.match(
      (await versionRow(page, 'lab-churn', '1').textContent()) ?? '',
      /not evaluated · deployable/,
    );

    console.log('-- "Set or Move Alias…" points champion at v1, shown as a badge');
    await contextMenu(page, versionRow(page, 'lab-churn', '1'), 'Set or Move Alias…');
    await answerDialog(page, 'champion');
    await versionRow(page, 'lab-churn', '1')
      .locator('.jp-SextantModels-alias', { hasText: '@champion' })
      .waitFor({ timeout: 30_000 });
    assert.equal(
      await versionRow(page, 'lab-churn', '2').locator('.jp-SextantModels-alias').count(),
      0,
    );

    console.log('-- "Evaluate…" on the model evaluates both versions on eval.csv');
    await contextMenu(
      page,
      models.locator('.jp-SextantModels-model[data-model="lab-churn"] .jp-SextantModels-modelRow'),
      'Evaluate…',
    );
    const form = page.locator('.jp-Dialog .jp-SextantEvaluate');
    await form.waitFor({ timeout: 15_000 });
    await form.locator('input[name="data"]').fill('eval.csv');
    await form.locator('input[name="target"]').fill('label');
    await form.locator('select[name="task"]').selectOption('classifier');
    await form.locator('input[name="v1"]').check();
    await form.locator('input[name="v2"]').check();
    await shot(page, 'model-evaluate-dialog.png');
    await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
    await page.getByText('Evaluated 2 versions.').first().waitFor({ timeout: 240_000 });
    for (const version of ['1', '2']) {
      await waitFor(`v${version}'s key metric in the Models section`, async () =>
        /roc_auc=0\.\d+/.test((await versionRow(page, 'lab-churn', version).textContent()) ?? ''),
      );
    }

    console.log('-- ticking both versions and "Compare Versions" opens the comparison');
    for (const version of ['1', '2']) {
      await versionRow(page, 'lab-churn', version).locator('input[type="checkbox"]').check();
    }
    await contextMenu(page, versionRow(page, 'lab-churn', '2'), 'Compare Versions');
    const modelCompare = page.locator('.jp-SextantView-modelCompare:visible');
    await modelCompare.locator('h1', { hasText: 'Comparing 2 versions of lab-churn' }).waitFor({
      timeout: 30_000,
    });
    const metricRows = modelCompare.locator('table.metrics-compare tbody tr');
    await metricRows.first().waitFor({ timeout: 30_000 });
    const accuracy = (await metricRows.filter({ hasText: 'accuracy_score' }).textContent()) ?? '';
    assert.match(accuracy, /★/, `the better accuracy is marked: ${accuracy}`);
    await modelCompare.locator('.js-plotly-plot').first().waitFor({ timeout: 30_000 });

    console.log('-- a version opens its page: card, signature, evaluation');
    await versionRow(page, 'lab-churn', '1').locator('.jp-SextantTree-open').click();
    const versionPage = page.locator('.jp-SextantView-modelVersion:visible');
    await versionPage
      .locator('h1', { hasText: 'lab-churn · version 1' })
      .waitFor({ timeout: 30_000 });
    assert.match((await versionPage.textContent()) ?? '', /champion/);
    assert.match((await versionPage.textContent()) ?? '', /roc_auc/);
    await modelShots(page, '');

    console.log('-- the dark theme reaches the views');
    await theme(page, 'JupyterLab Dark', false);
    await page.locator('.lm-TabBar-tab', { hasText: 'Compare 2 runs' }).click();
    await page.waitForTimeout(1500);
    await shot(page, 'compare-panel-dark.png');
    await runShot(page, '-dark');
    await modelShots(page, '-dark');

    console.log('-- and the high-contrast theme');
    await theme(page, 'JupyterLab Dark High Contrast', false);
    await runShot(page, '-high-contrast');
    await modelShots(page, '-high-contrast');

    console.log('-- Copy Load Snippet; Delete Version… asks first, then v2 leaves the section');
    await contextMenu(page, versionRow(page, 'lab-churn', '1'), 'Copy Load Snippet');
    await page.getByText('Copied to the clipboard.').first().waitFor({ timeout: 15_000 });
    await contextMenu(page, versionRow(page, 'lab-churn', '2'), 'Delete Version…');
    const confirm = page.locator('.jp-Dialog', { hasText: 'Delete lab-churn v2?' });
    await confirm.waitFor({ timeout: 15_000 });
    await shot(page, 'model-delete-dialog-high-contrast.png');
    await confirm.locator('.jp-Dialog-button', { hasText: /^Delete$/ }).click();
    await versionRow(page, 'lab-churn', '2').waitFor({ state: 'detached', timeout: 30_000 });
    assert.match(
      (await page
        .locator('#sextant-sidebar .jp-SextantModels-model[data-model="lab-churn"]')
        .textContent()) ?? '',
      /1 version · latest v1/,
    );
    console.log('JupyterLab UI test passed');
  } catch (error) {
    for (const [index, open] of context.pages().entries()) {
      await shot(open, `failure-${index}.png`).catch(() => undefined);
    }
    console.error(`server log (tail):\n${lab.log().slice(-6000)}`);
    throw error;
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
