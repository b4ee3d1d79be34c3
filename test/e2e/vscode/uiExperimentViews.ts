/**
 * The run and comparison views with what scikit-learn autolog logs, as a person sees them in
 * code-server with the built .vsix (shared/recipes/vscode-real-ui.md): the real `mlflow` client
 * logs three autologged fits (many constant params with long class-name values, a dozen
 * single-value metrics, a 200-step series, system metrics, a logged model each). The test checks
 * that Compare puts the scalars in a sortable table with the best marked and in bars, draws only
 * the series as lines, draws parallel axes for the params that vary (the picker adds others), and
 * starts the scatter on a numeric param; that the run page shows the scalars in a table, the
 * series as a chart, the system metrics apart (collapsed until opened) and the logged models with
 * Open and Register; that the run's description and tags are edited there, its HTML report is
 * previewed with its script off; that the tree stars the best run, and deletes (after a
 * confirmation) and restores a run; and takes screenshots in dark, light and high-contrast themes.
 *
 * Run it with `bash test/e2e/vscode/run.sh`.
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with mlflow and scikit-learn), CHROMIUM.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Frame } from 'playwright-core';
import { waitFor } from './codeServer';
import {
  freshWorkbench,
  need,
  runCommand,
  runUiTest,
  serverAddress,
  setTheme,
  showSection,
  snap,
  viewFrame,
} from './workbench';

const run = promisify(execFile);
const HERE = path.resolve(__dirname, '..', '..', '..', 'e2e', 'vscode');
const python = need('PYTHON');

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

runUiTest(
  'experiment-views-failure',
  () => freshWorkbench('sextant-ui-views-'),
  async (page, { session, workspace }) => {
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
    const trackingUri = `http://${await serverAddress(page)}`;
    const logged = await run(python, [path.join(HERE, 'log_autolog.py')], {
      cwd: workspace,
      env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, GIT_PYTHON_REFRESH: 'quiet' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const ids = JSON.parse(logged.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    check(Object.keys(ids).length === 3, `logged ${logged.stdout}`);

    await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
    const row = (text: string) =>
      page.locator('.monaco-list-row', { hasText: new RegExp(`${text}(?![0-9])`) }).first();
    await row('autolog').waitFor();
    if ((await row('autolog').getAttribute('aria-expanded')) !== 'true')
      await row('autolog').click();
    for (const name of ['fit-c01', 'fit-c1', 'fit-c10']) await row(name).waitFor();
    await row('fit-c01').click();
    await row('fit-c1').click({ modifiers: ['Control'] });
    await row('fit-c10').click({ modifiers: ['Control'] });
    await runCommand(page, 'Sextant: Compare Selected Runs');

    // Compare: the scalars table first, the best marked, sorted on a click; bars per scalar; only
    // the 200-step loss as a line chart.
    const compare = await viewFrame(page, 'compare');
    const compareFrame = compare;
    const scalars = compare.locator('table.scalars');
    await scalars.waitFor();
    const order = await compare
      .locator('section')
      .evaluateAll((sections) =>
        sections.map((s) =>
          (s as unknown as { getAttribute(n: string): string }).getAttribute('aria-label'),
        ),
      );
    check(
      order.indexOf('Scalars') >= 0 && order.indexOf('Scalars') < order.indexOf('Metric charts'),
      `sections in order ${JSON.stringify(order)}`,
    );
    const headers = await scalars.locator('thead button.sort').allInnerTexts();
    check(
      headers.some((h) => h.includes('training_log_loss')) &&
        headers.some((h) => h.includes('training_accuracy_score')) &&
        !headers.some((h) => /^loss/.test(h)),
      `scalar columns ${JSON.stringify(headers)}`,
    );
    check((await scalars.locator('td.best').count()) >= headers.length - 2, 'best values marked');
    await scalars.locator('button.sort[data-key="training_log_loss"]').click();
    await waitFor(
      'the table sorted on training_log_loss',
      async () =>
        (await compare.locator('table.scalars th[aria-sort="ascending"]').count()) === 1 ||
        undefined,
    );
    const lossCells = await compare
      .locator('table.scalars tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { innerText: string }).innerText));
    check(lossCells.length === 3, `scalar rows ${JSON.stringify(lossCells)}`);
    await compare
      .locator('.bars .chart[data-metric="training_accuracy_score"] .main-svg')
      .first()
      .waitFor();
    await compare
      .locator(
        '#metric-charts .chart[data-metric="loss"] .main-svg, section[aria-label="Metric charts"] .chart[data-metric="loss"] .main-svg',
      )
      .first()
      .waitFor();
    check(
      (await compare
        .locator(
          'section[aria-label="Metric charts"] .chart[data-metric="training_accuracy_score"]',
        )
        .count()) === 0,
      'a scalar is drawn as a line chart',
    );

    // Parallel coordinates: the params that vary are axes, constant ones are not; the picker adds one.
    const axisTitles = () => compare.locator('svg.parallel .pc-axis-label title').allTextContents();
    await compare.locator('svg.parallel').waitFor();
    const axes = await axisTitles();
    check(
      axes.some((a) => a.startsWith('logisticregression__C')) &&
        !axes.some((a) => a.startsWith('logisticregression__penalty')),
      `parallel axes ${JSON.stringify(axes)}`,
    );
    await compare.locator('#parallel-axes').click();
    await compare.locator('.axis-picker-list input[value="logisticregression__tol"]').check();
    await waitFor(
      'the picked axis',
      async () =>
        (await axisTitles()).some((a) => a.startsWith('logisticregression__tol')) || undefined,
    );
    await compare.locator('.axis-picker-list input[value="logisticregression__tol"]').uncheck();
    await compare.locator('#parallel-axes').click();
    const scatterParam = await compare.locator('#scatter-param').inputValue();
    check(
      ['logisticregression__C', 'logisticregression__max_iter'].includes(scatterParam),
      `the scatter starts on ${scatterParam}`,
    );

    const compareShots = async (theme: string, compare: Frame = compareFrame): Promise<void> => {
      await compare.locator('h1').first().scrollIntoViewIfNeeded();
      await snap(page, `views-compare-${theme}`);
      await showSection(compare, 'Parallel coordinates');
      await snap(page, `views-compare-${theme}-parallel`);
    };
    await compareShots('dark');

    // The run page: scalars in a table, the series as a chart, system metrics apart, the models.
    await compare
      .locator('table.scalars button.link', { hasText: /^\s*fit-c1\s*$/ })
      .first()
      .click();
    const runView = await viewFrame(page, 'run');
    await runView
      .locator('table.metrics-table', { hasText: 'training_accuracy_score' })
      .first()
      .waitFor();
    await runView
      .locator('section[aria-label="Metric charts"] .chart[data-metric="loss"] .main-svg')
      .first()
      .waitFor();
    check(
      (await runView.locator('.chart[data-metric="training_accuracy_score"]').count()) === 0,
      'the run page draws a scalar as a chart',
    );
    const system = runView.locator('details[aria-label="System metrics"]');
    check(
      !(await system.evaluate((d) => (d as unknown as { open: boolean }).open)),
      'system metrics start collapsed',
    );
    check(
      /System metrics \(2\)/.test(await system.locator('summary').innerText()),
      'the system metrics count',
    );
    await system.locator('summary').click();
    await system
      .locator('.chart[data-metric="system/cpu_utilization_percentage"] .main-svg')
      .first()
      .waitFor();
    check(
      (await runView
        .locator('section[aria-label="Metric charts"] .chart[data-metric^="system/"]')
        .count()) === 0,
      'a system metric among the model metrics',
    );
    const models = runView.locator('table.models tbody tr');
    await models.first().waitFor();
    const modelText = await models.first().innerText();
    check(/sklearn/.test(modelText) && /→/.test(modelText), `model row ${modelText}`);
    // Open on a logged model (kept outside the run's artifacts) previews its MLmodel.
    await models.first().locator('button[data-action="open-model"]').click();
    const mlmodel = runView.locator('.artifact-previews', { hasText: 'flavors' }).first();
    await mlmodel.waitFor();
    check(/sklearn/.test(await mlmodel.innerText()), 'the MLmodel preview');
    const runShots = async (theme: string): Promise<void> => {
      await runView.locator('h1').first().scrollIntoViewIfNeeded();
      await snap(page, `views-run-${theme}`);
      await showSection(runView, 'Logged models');
      await snap(page, `views-run-${theme}-models`);
      await showSection(runView, 'System metrics');
      await snap(page, `views-run-${theme}-system`);
      await showSection(runView, 'Tags');
      await snap(page, `views-run-${theme}-tags`);
    };
    await runShots('dark');
    await runView.locator('button[data-action="register-model"]').first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    check(
      /fit-c1|model/i.test(
        (await input.inputValue()) + (await page.locator('.quick-input-widget').innerText()),
      ),
      'the Register Model prompt',
    );
    await page.keyboard.press('Escape');

    // The description: Markdown saved as the run's mlflow.note.content tag, drawn as elements.
    await runView.locator('button[data-action="edit-note"]').click();
    await runView
      .locator('textarea.note-input')
      .fill('# Baseline\nTried **C=1** <img src=x onerror="alert(1)">');
    await runView.locator('button[data-action="save-note"]').click();
    const note = runView.locator('.run-note [data-note]');
    await note.locator('h3', { hasText: 'Baseline' }).waitFor();
    await note.locator('strong', { hasText: 'C=1' }).waitFor();
    check((await note.locator('img').count()) === 0, 'the note put markup into the page');
    // A tag added, edited, then deleted.
    const tags = runView.locator('section[aria-label="Tags"]');
    await tags.locator('input.tag-key').fill('reviewer');
    await tags.locator('tr.tag-new input.tag-value').fill('ada');
    await tags.locator('button[data-action="add-tag"]').click();
    const tagRow = tags.locator('tr[data-tag="reviewer"]');
    await tagRow.locator('td', { hasText: /^ada$/ }).waitFor();
    await tagRow.locator('button[data-action="edit-tag"]').click();
    await tagRow.locator('input.tag-value').fill('grace');
    await tagRow.locator('button[data-action="save-tag"]').click();
    await tags.locator('tr[data-tag="reviewer"] td', { hasText: /^grace$/ }).waitFor();
    await tags.locator('input.tag-key').fill('stage');
    await tags.locator('tr.tag-new input.tag-value').fill('candidate');
    await tags.locator('button[data-action="add-tag"]').click();
    await tags.locator('tr[data-tag="stage"]').waitFor();
    await tags.locator('tr[data-tag="reviewer"] button[data-action="delete-tag"]').click();
    await waitFor(
      'the deleted tag gone',
      async () => (await tags.locator('tr[data-tag="reviewer"]').count()) === 0 || undefined,
    );
    // The source section, and the HTML report previewed in a sandbox where its script is off.
    await runView.locator('section[aria-label="Source"] h2').waitFor();
    await runView.locator('tr[data-artifact="report.html"] button.link').click();
    const frame = runView.locator('[data-artifact-preview="report.html"] iframe.artifact-html');
    await frame.waitFor();
    check((await frame.getAttribute('sandbox')) === '', 'the HTML preview is not sandboxed');
    const report = runView.frameLocator(
      '[data-artifact-preview="report.html"] iframe.artifact-html',
    );
    await report.locator('h1', { hasText: 'Fit report' }).waitFor();
    check((await report.locator('#state').innerText()) === 'static', "the report's script ran");
    await snap(page, 'views-run-dark-html');

    // The Experiments tree (Run Details below it lists the selected run too).
    const tree = page.locator('.pane', {
      has: page.locator('.pane-header', { hasText: 'Experiments' }),
    });
    const treeRow = (text: string) =>
      tree.locator('.monaco-list-row', { hasText: new RegExp(`${text}(?![0-9])`) });
    // The best run by the metric shown (the lowest loss) is starred.
    const starred = tree.locator('.monaco-list-row', { hasText: '★ best' });
    await waitFor('the best run starred', async () =>
      (await starred.count()) === 1 ? true : undefined,
    );
    check(/fit-c10/.test(await starred.innerText()), `the best run: ${await starred.innerText()}`);
    // Delete a run (confirmed in a dialog), see it under "deleted", restore it.
    // A plain click first: the menu acts on the whole selection (the three compared runs).
    await treeRow('fit-c01').first().click();
    await treeRow('fit-c01').first().click({ button: 'right' });
    const menuItem = (entry: string) =>
      page.locator('.monaco-menu .action-item', { hasText: entry }).first();
    await menuItem('Delete Run').waitFor();
    await menuItem('Delete Run').hover();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box').first();
    await dialog.waitFor();
    const asked = await dialog.innerText();
    check(/Delete run "fit-c01"\?/.test(asked), `the delete dialog asks: ${asked}`);
    await dialog.locator('.monaco-button', { hasText: 'Delete' }).first().click();
    await waitFor('the deleted run hidden', async () =>
      (await treeRow('fit-c01').count()) === 0 ? true : undefined,
    );
    await runCommand(page, 'Sextant: Show or Hide Deleted Runs');
    await treeRow('fit-c01').first().waitFor();
    await snap(page, 'views-tree-dark-deleted');
    await treeRow('fit-c01').first().click({ button: 'right' });
    await menuItem('Restore Run').waitFor();
    await menuItem('Restore Run').hover();
    await page.keyboard.press('Enter');
    await runCommand(page, 'Sextant: Show or Hide Deleted Runs');
    await treeRow('fit-c01').first().waitFor();
    for (const name of ['fit-c1', 'fit-c10']) await treeRow(name).first().waitFor();
    // Restored: three runs and no bin icon (a run still deleted keeps its bin until hidden).
    await waitFor('the restored run back beside the others', async () =>
      (await tree.locator('.monaco-list-row', { hasText: 'fit-c' }).count()) === 3 &&
      (await tree.locator('.monaco-list-row .codicon-trash').count()) === 0
        ? true
        : undefined,
    );

    for (const [theme, name] of [
      ['Light Modern', 'light'],
      ['Dark High Contrast', 'hc'],
    ] as const) {
      await setTheme(page, theme);
      await runShots(name);
    }
    // The comparison's webview is made anew when its tab comes back to the front.
    await page.locator('.tab', { hasText: 'Compare 3 runs' }).first().click();
    const shown = await viewFrame(page, 'compare');
    await shown.locator('table.scalars').waitFor();
    for (const [theme, name] of [
      ['Light Modern', 'light'],
      ['Dark High Contrast', 'hc'],
    ] as const) {
      await setTheme(page, theme);
      await compareShots(name, shown);
    }
    console.log('ok: the experiment views UI test passed');
  },
);
