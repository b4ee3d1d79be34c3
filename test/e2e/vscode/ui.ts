/**
 * The Sextant extension as a person sees it: code-server (VS Code 1.100.3) with the built .vsix
 * installed, driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md).
 * A workspace gets runs logged by the real `mlflow` client into the extension's tracking server;
 * the test opens the Sextant view, sees the runs (a child run nested under its parent), compares
 * two, finds the charts, the params diff and the parallel coordinates (hover, brushing) in the
 * webview, logs a new point and sees it appear, opens a run and previews its image, CSV and text
 * artifacts, opens a notebook whose cells were recorded against a run and sees them in the cell
 * status bar, and takes screenshots in dark, light and high-contrast themes under
 * test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh` (installs what it needs, builds the .vsix).
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with mlflow), CHROMIUM (default /usr/bin/chromium).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './codeServer';
import {
  SHOTS,
  need,
  pick,
  runCommand,
  runUiTest,
  serverAddress,
  setTheme,
  snap,
  startWorkbench,
  viewFrame,
} from './workbench';

/** The page globals used inside `evaluate` callbacks (this project compiles without the DOM lib). */
declare const document: { querySelector(selector: string): unknown };
declare const window: { dispatchEvent(event: Event): boolean };

const run = promisify(execFile);
const HERE = path.resolve(__dirname, '..', '..', '..', 'e2e', 'vscode');

/** The cells of the notebook the test opens; `logged` ones are recorded against run-a. */
const NOTEBOOK_CELLS = [
  { id: 'ui-setup', source: 'import mlflow', logged: undefined },
  {
    id: 'ui-params',
    source: 'mlflow.log_params({"lr": 0.1, "seed": 7})',
    logged: { params: ['lr', 'seed'], metrics: [], tags: [] },
  },
  {
    id: 'ui-train',
    source:
      'for step in range(50):\n    mlflow.log_metric("loss", ...)\n    mlflow.log_metric("accuracy", ...)',
    logged: { params: [], metrics: ['loss', 'accuracy'], tags: [] },
  },
];

/** NOTEBOOK_CELLS as an nbformat 4.5 notebook with cell ids. */
function notebookJson(): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { language_info: { name: 'python' } },
    cells: NOTEBOOK_CELLS.map((c) => ({
      cell_type: 'code',
      id: c.id,
      metadata: {},
      execution_count: null,
      outputs: [],
      source: c.source.split(/(?<=\n)/),
    })),
  });
}

const python = need('PYTHON');

runUiTest(
  'failure',
  async () => {
    const workspace = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'sextant-ui-ws-'));
    fs.mkdirSync(path.join(workspace, '.sextant'));
    fs.writeFileSync(path.join(workspace, 'train.ipynb'), notebookJson());
    const session = await startWorkbench({
      codeServer: need('CODE_SERVER'),
      vsix: need('VSIX'),
      workspace,
    });
    return { session, workspace };
  },
  async (page, { session, workspace }) => {
    const problems: string[] = [];
    let probed = false;
    const started = Date.now();
    page.on('console', (message) => {
      const text = message.text();
      if (text === 'sextant-console-probe') probed = true;
      else if (/Content Security Policy|unsafe-eval|Sextant view:/i.test(text)) problems.push(text);
    });
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);

    const host = await serverAddress(page);
    const trackingUri = `http://${host}`;
    console.log(`status bar shows ${host} after ${Date.now() - started} ms`);

    const pyEnv = { ...process.env, MLFLOW_TRACKING_URI: trackingUri, GIT_PYTHON_REFRESH: 'quiet' };
    const seeded = await run(python, [path.join(HERE, 'log_runs.py'), 'seed'], { env: pyEnv });
    const ids = JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as Record<string, string>;

    await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
    const row = (text: string) => page.locator('.monaco-list-row', { hasText: text }).first();
    await row('e2e').waitFor();
    if ((await row('e2e').getAttribute('aria-expanded')) !== 'true') await row('e2e').click();
    await row('run-a').waitFor();
    await row('run-b').waitFor();
    console.log('tree shows run-a and run-b');

    await row('run-a').click();
    await row('run-b').click({ modifiers: ['Control'] });
    await page.locator('.monaco-list-row', { hasText: 'Parameters' }).first().waitFor();
    await snap(page, 'sidebar-dark');

    await runCommand(page, 'Sextant: Compare Selected Runs');
    const compare = await viewFrame(page, 'compare');
    await compare.locator('.chart[data-metric="loss"] .main-svg').first().waitFor();
    await compare.locator('.chart[data-metric="accuracy"] .main-svg').first().waitFor();
    const paramRows = await compare.locator('table.params tbody tr').allInnerTexts();
    if (!paramRows.some((r) => r.startsWith('lr')) || paramRows.some((r) => r.startsWith('seed'))) {
      throw new Error(`params diff shows ${JSON.stringify(paramRows)}, expected lr and not seed`);
    }
    const csp = await compare
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
      throw new Error(`the webview's CSP is not strict: ${csp}`);
    }
    await compare.evaluate(() => console.log('sextant-console-probe'));
    await waitFor('the webview console to reach the test', async () => probed || undefined, 5_000);
    console.log('comparison shows loss and accuracy charts and the lr diff, under a nonce CSP');
    await snap(page, 'compare-dark');
    await compare.locator('#scatter .main-svg').first().scrollIntoViewIfNeeded();
    await snap(page, 'compare-dark-scatter');

    // Parallel coordinates: one line per run, an axis per param and the metric last; focus shows a
    // run's values, brushing an axis (keyboard, then mouse) keeps the runs in range.
    const parallel = compare.locator('svg.parallel');
    await parallel.waitFor();
    // An axis label's first text node is its name (its <title> child holds the full text).
    const axisNames = (selector: string) =>
      compare
        .locator(selector)
        .evaluateAll((labels) =>
          labels.map(
            (l) => (l as unknown as { firstChild: { textContent: string } }).firstChild.textContent,
          ),
        );
    const axes = await axisNames('svg.parallel .pc-axis-label');
    if (
      axes.at(-1) !== 'accuracy' ||
      !axes.includes('lr') ||
      (await compare.locator('.pc-run').count()) !== 2
    ) {
      throw new Error(`parallel coordinates show axes ${JSON.stringify(axes)}`);
    }
    await compare.locator('#parallel-metric').selectOption('loss');
    await waitFor(
      'the loss axis',
      async () => (await axisNames('.pc-metric-axis .pc-axis-label'))[0] === 'loss' || undefined,
    );
    await compare.locator('.pc-run').first().focus();
    const tip = compare.locator('.parallel-tooltip');
    await tip.waitFor();
    if (!/run-[ab]/.test(await tip.innerText()))
      throw new Error('the run tooltip lacks the run name');
    const inRange = compare.locator('#parallel-status');
    const lrBrush = compare.locator('.pc-brush-area[data-axis="param:lr"]');
    await lrBrush.focus();
    await page.keyboard.press('ArrowDown');
    await waitFor(
      'a keyboard brush on lr',
      async () => (await inRange.textContent())?.startsWith('1 of 2') || undefined,
    );
    await page.keyboard.press('Escape');
    await waitFor(
      'the brush cleared',
      async () => (await inRange.textContent())?.startsWith('2 of 2') || undefined,
    );
    await parallel.scrollIntoViewIfNeeded();
    const box = (await compare.locator('.pc-brush-area[data-axis="metric:loss"]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await waitFor(
      'a mouse brush on loss',
      async () => (await inRange.textContent())?.startsWith('1 of 2') || undefined,
    );
    // Keyboard: Tab from the export button reaches the chart options, the params table's
    // toggle, the parallel coordinates' controls, brushes and lines, and the scatter's pickers.
    await compare.locator('#export-csv').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const focused = await compare.evaluate(() => {
        const active = (
          document as unknown as {
            activeElement: { id: string; getAttribute(name: string): string | null } | null;
          }
        ).activeElement;
        return active ? active.id || (active.getAttribute('class') ?? '') : '';
      });
      reached.add(focused);
    }
    const expected = ['x-axis', 'log-y', 'smoothing', 'only-differences', 'parallel-metric'];
    expected.push('parallel-clear', 'pc-brush-area', 'pc-run', 'scatter-param', 'scatter-metric');
    const missed = expected.filter(
      (target) => ![...reached].some((r) => r.split(' ').includes(target)),
    );
    if (missed.length > 0) {
      throw new Error(
        `Tab does not reach ${missed.join(', ')} (reached ${[...reached].join(' | ')})`,
      );
    }
    console.log(
      `parallel coordinates: axes ${axes.join(', ')}; focus tooltip and brushing work; Tab reaches ${expected.join(', ')}`,
    );
    const showParallel = () =>
      compare.evaluate(() =>
        (
          document.querySelector('section[aria-label="Parallel coordinates"]') as {
            scrollIntoView(options: { block: string }): void;
          }
        ).scrollIntoView({ block: 'start' }),
      );
    await showParallel();
    await snap(page, 'compare-dark-brushed');
    await compare.locator('#parallel-clear').click();
    await compare.locator('.pc-run').first().focus();
    await showParallel();
    await snap(page, 'compare-dark-parallel');
    await compare.locator('h1').first().scrollIntoViewIfNeeded();

    const logged = Date.now();
    await run(python, [path.join(HERE, 'log_runs.py'), 'point', ids['run-a']!, '60', '0.42'], {
      env: pyEnv,
    });
    const pointLogged = Date.now();
    await waitFor(
      'the new point in the loss chart',
      () =>
        compare.evaluate(() => {
          const chart = document.querySelector('.chart[data-metric="loss"]') as {
            data?: { x: unknown[] }[];
          } | null;
          return chart?.data?.some((trace) => trace.x.includes(60)) || undefined;
        }),
      10_000,
    );
    console.log(
      `new point shown ${Date.now() - pointLogged} ms after the client returned (${Date.now() - logged} ms incl. python start)`,
    );

    const compareShots = async (theme: string): Promise<void> => {
      await compare.locator('h1').first().scrollIntoViewIfNeeded();
      await compare.evaluate(() => window.dispatchEvent(new Event('resize')));
      await snap(page, `compare-${theme}`);
      await showParallel();
      await snap(page, `compare-${theme}-parallel`);
    };
    await setTheme(page, 'Light Modern');
    await compareShots('light');
    await setTheme(page, 'Dark High Contrast');
    await compareShots('hc');
    await compare.locator('h1').first().scrollIntoViewIfNeeded();

    await compare.locator('button.link', { hasText: 'run-a' }).first().click();
    const runView = await viewFrame(page, 'run');
    await runView.locator('.chart[data-metric="loss"] .main-svg').first().waitFor();
    await runView.locator('table.data', { hasText: 'team' }).first().waitFor();
    // Artifacts: the PNG is previewed as a data: URL image (decoded, so the CSP let it in), the
    // CSV as a table and the text file in monospace, each on a click; folders expand.
    const image = runView.locator('img.artifact-image');
    await image.waitFor();
    await waitFor('the PNG preview to decode', () =>
      image.evaluate(
        (img) => (img as unknown as { naturalWidth: number }).naturalWidth === 160 || undefined,
      ),
    );
    const artifactButton = (name: string) =>
      runView.locator('section[aria-label="Artifacts"] button.link', { hasText: name }).first();
    await artifactButton('predictions.csv').click();
    await runView.locator('table.csv td', { hasText: 'bird, small' }).waitFor();
    await artifactButton('notes.txt').click();
    await runView.locator('pre.artifact-text', { hasText: 'lr was tuned by hand' }).waitFor();
    await artifactButton('config/').click();
    await artifactButton('model.json').click();
    await runView.locator('pre.artifact-text', { hasText: '"dropout": 0.1' }).waitFor();
    console.log('run view previews the PNG, CSV, text and nested JSON artifacts');
    const runShots = async (theme: string): Promise<void> => {
      await runView.locator('h1').first().scrollIntoViewIfNeeded();
      await snap(page, `run-${theme}`);
      await runView.locator('section[aria-label="Artifacts"] h2').scrollIntoViewIfNeeded();
      await runView.evaluate(() => {
        const heading = document.querySelector('section[aria-label="Artifacts"] h2') as {
          scrollIntoView(options: { block: string }): void;
        } | null;
        heading?.scrollIntoView({ block: 'start' });
      });
      await snap(page, `run-${theme}-artifacts`);
    };
    await runShots('hc');
    await setTheme(page, 'Light Modern');
    await runShots('light');
    await setTheme(page, 'Dark Modern');
    await runShots('dark');
    await runCommand(page, 'View: Close All Editors');

    // The child run fold-1 is nested under run-b.
    await row('run-b').click();
    await page.keyboard.press('ArrowRight');
    await row('fold-1').waitFor();
    const level = await row('fold-1').getAttribute('aria-level');
    if (level !== '3')
      throw new Error(`fold-1 is at tree level ${level}, expected 3 (under run-b)`);
    console.log('the child run fold-1 is nested under run-b');
    await row('run-a').click();
    await page.locator('.monaco-list-row', { hasText: 'Parameters' }).first().waitFor();
    // Run Details lists the artifacts; a folder expands on demand, a text file opens read-only.
    // The pane is short: scroll it until the artifacts are in view (it redraws when the run's
    // details arrive).
    const detailsPane = page.locator('.pane', {
      has: page.locator('.pane-header', { hasText: 'Run Details' }),
    });
    const revealDetail = (name: string) =>
      waitFor(`${name} in Run Details`, async () => {
        if (await row(name).isVisible()) return true;
        await detailsPane.locator('.monaco-list-row').last().hover();
        await page.mouse.wheel(0, 200);
        return undefined;
      });
    await revealDetail('loss_curve.png');
    await row('config/').click();
    await row('model.json').waitFor();
    await revealDetail('notes.txt');
    await row('notes.txt').click();
    await page.locator('.tab', { hasText: 'notes.txt' }).waitFor();
    await page.locator('.monaco-editor .view-lines', { hasText: 'lr was tuned by hand' }).waitFor();
    console.log('Run Details lists the artifacts and opens notes.txt in a read-only editor');
    await snap(page, 'sidebar-dark-nested');
    await setTheme(page, 'Dark High Contrast');
    await snap(page, 'sidebar-hc');
    await setTheme(page, 'Light Modern');
    await snap(page, 'sidebar-light');

    // A notebook whose cells the kernel's cell tracker recorded: each shows its run in the cell
    // status bar.
    const response = await fetch(`${trackingUri}/api/2.0/sextant/cells/log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        run_id: ids['run-a'],
        cells: NOTEBOOK_CELLS.filter((c) => c.logged).map((c, i) => ({
          cell_id: c.id,
          execution_count: i + 1,
          source: c.source,
          start_time: Date.now(),
          duration_ms: 2300,
          status: 'ok',
          logged: c.logged,
        })),
      }),
    });
    if (response.status !== 200) throw new Error(`cells/log: ${await response.text()}`);
    await page.keyboard.press('Control+P');
    await pick(page, 'train.ipynb', 'train.ipynb');
    const cellItem = page.locator('.cell-status-item', { hasText: 'run-a' });
    await cellItem.first().waitFor();
    const texts = await cellItem.allInnerTexts();
    if (texts.length !== 2 || !texts.some((t) => t.includes('run-a · loss, accuracy'))) {
      throw new Error(`notebook cell status items: ${JSON.stringify(texts)}`);
    }
    console.log(`notebook cells show ${JSON.stringify(texts)}`);
    await snap(page, 'notebook-light');
    await cellItem.last().hover();
    await page
      .locator('.workbench-hover, .monaco-hover', { hasText: 'Sextant run' })
      .first()
      .waitFor();
    await snap(page, 'notebook-tooltip-light');

    // Typing into the recorded training cell: its item says it changed since the run.
    await page.keyboard.press('Escape');
    await page
      .locator('.notebook-editor .monaco-editor .view-lines', { hasText: 'for step in range(50)' })
      .first()
      .click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('  # edited');
    const changedItem = page.locator('.cell-status-item', { hasText: 'changed since run' });
    await changedItem.waitFor();
    console.log(`an edited cell shows "${(await changedItem.innerText()).trim()}"`);
    await snap(page, 'notebook-changed-light');

    // Stop the tracking server from the palette: the status bar says so and starts it on a click.
    await runCommand(page, 'Sextant: Stop Tracking Server');
    const stopped = page.locator('.statusbar-item', { hasText: 'Sextant: stopped' }).first();
    await stopped.waitFor();
    await page.locator('.monaco-list-row', { hasText: 'Tracking server stopped' }).waitFor();
    await snap(page, 'sidebar-light-stopped');
    await stopped.click();
    await page.locator('.statusbar-item', { hasText: 'Sextant 127.0.0.1:' }).first().waitFor();
    await row('e2e').waitFor();
    console.log('the tracking server stops and starts again from the palette and the status bar');

    if (problems.length > 0)
      throw new Error(`the webviews reported problems:\n${problems.join('\n')}`);
    console.log(
      `ok: Sextant UI test passed in ${Date.now() - started} ms; screenshots in ${SHOTS}`,
    );
  },
);
