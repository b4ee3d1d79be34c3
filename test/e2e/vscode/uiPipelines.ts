/**
 * Pipelines in VS Code as a person sees them: code-server (VS Code 1.100.3) with the built .vsix,
 * driven by playwright-core and Debian's Chromium (shared/recipes/vscode-real-ui.md). The
 * workspace is a copy of examples/pipeline (or, without it, test/fixtures/pipeline-ui) plus a
 * broken copy of its pipeline file. The test opens the broken copy and finds the language server's
 * diagnostic in the Problems panel, opens the pipeline file and clicks its "Run pipeline" code
 * lens, watches the graph view until every step reads done, opens a step's log in the side panel,
 * sees the run in the Pipelines tree, follows a run started from a terminal (`sextant pipeline run`
 * on the same store) in the open graph, and takes screenshots in dark and light themes under
 * test/e2e/vscode/screenshots/.
 *
 * Run it with `bash test/e2e/vscode/run.sh` (installs what it needs, builds the .vsix).
 * Environment: CODE_SERVER (binary), VSIX, PYTHON (with scikit-learn and pandas: the example's
 * steps run `python`), CHROMIUM (default /usr/bin/chromium).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { waitFor } from './codeServer';
import {
  SHOTS,
  need,
  openFile,
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
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
};

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** Statuses a step may end a successful run with. */
const FINISHED = new Set(['done', 'cached']);

/** The example pipeline when it is there, else the small fixture of shell steps. */
function pipelineSource(): string {
  const example = path.join(ROOT, 'examples', 'pipeline');
  if (fs.existsSync(path.join(example, 'sextant.yaml'))) return example;
  return path.join(ROOT, 'test', 'fixtures', 'pipeline-ui');
}

/** Each node's step and status in the graph view. */
async function nodeStatuses(frame: Frame): Promise<Record<string, string>> {
  return frame.evaluate(() => {
    const out: Record<string, string> = {};
    const nodes = document.querySelectorAll('.sx-node');
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      out[node.getAttribute('data-step') ?? '?'] = node.getAttribute('data-status') ?? '?';
    }
    return out;
  });
}

const source = pipelineSource();

runUiTest(
  'pipeline-failure',
  async () => {
    const python = need('PYTHON');
    const workspace = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'sextant-ui-pipeline-'));
    fs.cpSync(source, workspace, {
      recursive: true,
      filter: (src) => !/[\\/](data|models|\.sextant|__pycache__)$|metrics\.json$/.test(src),
    });
    fs.mkdirSync(path.join(workspace, '.sextant'), { recursive: true });
    // The workspace's own venv (the one with scikit-learn and pandas), not first on the PATH: the
    // steps must find it themselves, as they do for a person whose terminal has no venv active.
    const venv = path.resolve(path.dirname(python), '..');
    fs.symlinkSync(venv, path.join(workspace, '.venv'));
    // A broken copy: a top-level key the pipeline schema does not know.
    fs.writeFileSync(
      path.join(workspace, 'broken.sextant.yaml'),
      `${fs.readFileSync(path.join(workspace, 'sextant.yaml'), 'utf8')}\nnot_a_pipeline_key: 1\n`,
    );
    const session = await startWorkbench({
      codeServer: need('CODE_SERVER'),
      vsix: need('VSIX'),
      workspace,
      // The example's steps run `python`, found in the workspace's .venv; the PATH holds no venv.
      // VSCODE_CLI=1 keeps the server from replacing PATH with a login shell's.
      env: {
        PATH: (process.env['PATH'] ?? '')
          .split(path.delimiter)
          .filter((dir) => !dir.startsWith(venv) && dir !== path.dirname(python))
          .join(path.delimiter),
        VSCODE_CLI: '1',
      },
    });
    return { session, workspace };
  },
  async (page, { session, workspace }) => {
    const problems: string[] = [];
    const started = Date.now();
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|unsafe-eval|Sextant view:|sextant view:/i.test(text)) {
        problems.push(text);
      }
    });
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
    await serverAddress(page);
    console.log(`server up after ${Date.now() - started} ms; pipeline from ${source}`);

    // The broken copy: the language server's diagnostic in the Problems panel.
    await openFile(page, 'broken.sextant.yaml');
    await runCommand(page, 'View: Focus Problems');
    await page
      .locator('.markers-panel .monaco-list-row', { hasText: 'broken.sextant.yaml' })
      .first()
      .waitFor({ timeout: 30_000 });
    const problemRow = page
      .locator('.markers-panel .monaco-list-row', { has: page.locator('.codicon-error') })
      .first();
    await problemRow.waitFor();
    console.log(`Problems panel: ${(await problemRow.innerText()).replace(/\s+/g, ' ')}`);
    // Clicking the problem reveals it: the squiggle is in sight for the screenshot.
    await problemRow.click();
    await page.locator('.squiggly-error').first().waitFor();
    await snap(page, 'pipeline-diagnostic-dark');
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'View: Toggle Panel Visibility');

    // The pipeline file: click the "Run pipeline" code lens; the graph opens beside it.
    await openFile(page, 'sextant.yaml');
    const lens = page.locator('.codelens-decoration a', { hasText: /Run pipeline/i }).first();
    await lens.waitFor({ timeout: 30_000 });
    const clicked = Date.now();
    await lens.click();
    // While it runs: a progress notification with step progress and a Cancel button.
    const toast = page.locator('.notification-toast', { hasText: /Sextant: pipeline/ }).first();
    await toast.waitFor({ timeout: 15_000 });
    await toast.locator('.monaco-button, .action-label', { hasText: 'Cancel' }).first().waitFor();
    console.log(`progress notification: ${(await toast.innerText()).replace(/\s+/g, ' ')}`);
    const graph = await viewFrame(page, 'pipeline');
    await graph.locator('.sx-node').first().waitFor();
    const seen = new Set<string>();
    const statuses = await waitFor(
      'every step of the graph to read done',
      async () => {
        const now = await nodeStatuses(graph);
        for (const status of Object.values(now)) seen.add(status);
        const values = Object.values(now);
        return values.length > 0 && values.every((s) => FINISHED.has(s)) ? now : undefined;
      },
      180_000,
    );
    const labels = await graph.locator('.sx-node text.sx-status-label').allTextContents();
    if (labels.some((label) => !FINISHED.has(label))) {
      throw new Error(`the nodes read ${JSON.stringify(labels)}`);
    }
    console.log(
      `graph reached ${JSON.stringify(statuses)} ${Date.now() - clicked} ms after the click; statuses seen on the way: ${[...seen].join(', ')}`,
    );
    const runStatus = await waitFor('the run to end', async () => {
      const text = await graph.locator('.sx-run-status').innerText();
      return /^(done|failed|cancelled)/.test(text) ? text : undefined;
    });
    if (!/^done/.test(runStatus)) throw new Error(`the toolbar says "${runStatus}"`);
    const csp = await graph
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    if (!/script-src 'nonce-[^']+'(;|$)/.test(csp ?? '') || /unsafe-eval/.test(csp ?? '')) {
      throw new Error(`the graph webview's CSP is not strict: ${csp}`);
    }

    // A step's details: keyboard to the last step, Enter, and its log in the side panel.
    const steps = Object.keys(statuses);
    const last = steps.at(-1)!;
    await graph.locator(`.sx-node[data-step="${last}"]`).focus();
    await page.keyboard.press('Enter');
    await graph.locator('.sx-side h2', { hasText: last }).first().waitFor();
    await waitFor(
      `the log of ${last}`,
      async () => {
        const text = await graph.locator('.sx-side pre.sx-stdout').innerText();
        return text && text !== 'Loading…' ? text : undefined;
      },
      15_000,
    );
    console.log(
      `side panel of ${last}: ${(await graph.locator('.sx-side dl').innerText()).replace(/\s+/g, ' ')}`,
    );
    // The step ran with the workspace's venv, and the panel says so.
    const stepPython = await waitFor('the Python the step ran with', async () =>
      (await graph.locator('.sx-side code.sx-python').count()) > 0
        ? graph.locator('.sx-side code.sx-python').innerText()
        : undefined,
    );
    if (
      stepPython !== `${path.join(workspace, '.venv', 'bin', 'python')} (the workspace's .venv)`
    ) {
      throw new Error(`the step ran with ${stepPython}`);
    }
    await runCommand(page, 'Notifications: Clear All Notifications');
    await graph.locator('.sx-side pre.sx-stdout').scrollIntoViewIfNeeded();
    await snap(page, 'pipeline-step-log-dark');
    await graph.locator('#fit-graph').click();
    // The step's panel scrolls on its own: back to its heading for the picture of the graph.
    await graph.locator('.sx-side h2').first().scrollIntoViewIfNeeded();
    await snap(page, 'pipeline-graph-dark');

    // The Pipelines tree lists the pipeline with its finished run.
    await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
    const pipelinesView = page.locator('.pane', {
      has: page.locator('.pane-header', { hasText: 'Pipelines' }),
    });
    const header = pipelinesView.locator('.pane-header').first();
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const pipelineName = (await graph.locator('h1').innerText()).replace(/^Pipeline /, '');
    const row = pipelinesView.locator('.monaco-list-row', { hasText: pipelineName }).first();
    await row.waitFor({ timeout: 15_000 });
    await waitFor(
      'the tree to show the finished run',
      async () => /done/.test(await row.innerText()) || undefined,
    );
    console.log(`Pipelines tree: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    await snap(page, 'pipeline-tree-dark');

    // A run driven from a terminal on the same store: the open graph follows it as it goes.
    const terminal = spawn(
      process.execPath,
      [path.join(ROOT, 'core', 'bin', 'sextant.js'), 'pipeline', 'run', '--force'],
      {
        cwd: workspace,
        env: {
          ...process.env,
          PATH: `${path.dirname(need('PYTHON'))}${path.delimiter}${process.env['PATH'] ?? ''}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let terminalErr = '';
    terminal.stderr.on('data', (chunk: Buffer) => (terminalErr += chunk.toString()));
    const terminalExit = new Promise<number | null>((resolve) => terminal.once('exit', resolve));
    const terminalRun = await waitFor(
      'the terminal run to start',
      async () => /sextant: pipeline \S+ run ([0-9a-f-]{36})/.exec(terminalErr)?.[1],
      60_000,
    );
    const meta = graph.locator('p.meta').first();
    await waitFor(
      'the graph to show the terminal run running',
      async () => {
        const header = await meta.innerText();
        const status = await graph.locator('.sx-run-status').innerText();
        return header.includes(`run ${terminalRun.slice(0, 8)}`) && /^running/.test(status)
          ? true
          : undefined;
      },
      60_000,
    );
    console.log(`graph follows the terminal run: ${(await meta.innerText()).replace(/\s+/g, ' ')}`);
    await snap(page, 'pipeline-graph-terminal-dark');
    const terminalStatus = await waitFor(
      'the graph to show the terminal run ended',
      async () => {
        const text = await graph.locator('.sx-run-status').innerText();
        return /^(done|failed|cancelled)/.test(text) ? text : undefined;
      },
      180_000,
    );
    const terminalCode = await terminalExit;
    if (terminalCode !== 0 || !/^done/.test(terminalStatus)) {
      throw new Error(
        `the terminal run: exit ${terminalCode}, graph "${terminalStatus}"\n${terminalErr}`,
      );
    }
    console.log(`graph after the terminal run: ${terminalStatus}`);

    // Cleaning the cache from the palette: how much to keep, the dry run's figures in a modal
    // dialog, then the collection. Emptying it removes a version of each of the three steps at
    // least (the terminal's forced run may have made a second one of a step whose input changed).
    await runCommand(page, 'Notifications: Clear All Notifications');
    await runCommand(page, 'Sextant: Clean Pipeline Cache');
    await pick(page, 'Empty', 'Empty the cache');
    const dialog = page.locator('.monaco-dialog-box').first();
    await dialog.waitFor({ timeout: 30_000 });
    const question = (await dialog.innerText()).replace(/\s+/g, ' ');
    const versions = Number(/would remove (\d+) step versions, \d+ files/.exec(question)?.[1]);
    if (!(versions >= 3)) {
      throw new Error(`the clean-cache dialog says "${question}"`);
    }
    console.log(`clean-cache dialog: ${question}`);
    await snap(page, 'pipeline-clean-cache-dark');
    await dialog.locator('.monaco-button', { hasText: 'Remove' }).first().click();
    const cleaned = page
      .locator('.notification-toast', { hasText: /pipeline cache cleaned/ })
      .first();
    await cleaned.waitFor({ timeout: 30_000 });
    const cleanedText = (await cleaned.innerText()).replace(/\s+/g, ' ');
    if (
      !cleanedText.includes(`removed ${versions} step versions`) ||
      !/kept 0 step/.test(cleanedText)
    ) {
      throw new Error(`after cleaning, the notification says "${cleanedText}"`);
    }
    console.log(`after cleaning: ${cleanedText}`);
    if (fs.readdirSync(path.join(workspace, '.sextant', 'cache', 'steps')).length > 0) {
      throw new Error('the cache still holds step entries after it was emptied');
    }
    await runCommand(page, 'Notifications: Clear All Notifications');

    await setTheme(page, 'Light Modern');
    await snap(page, 'pipeline-graph-light');

    if (problems.length > 0) {
      throw new Error(`the webviews reported problems:\n${problems.join('\n')}`);
    }
    console.log(
      `ok: pipelines UI test passed in ${Date.now() - started} ms; screenshots in ${SHOTS}`,
    );
  },
);
