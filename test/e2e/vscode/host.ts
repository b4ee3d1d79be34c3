/**
 * Runs the extension-host tests (host/*.host.ts, mocha) inside code-server's real extension host,
 * the way @vscode/test-electron does on desktop: the workbench loads the extension from
 * extension-vscode/ as a development extension and calls `codeAutomationExit` with mocha's result.
 * Environment: CODE_SERVER (binary). Run it with `bash test/e2e/vscode/run.sh`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runMain, startSession } from './codeServer';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function main(): Promise<void> {
  const codeServer = process.env['CODE_SERVER'];
  if (!codeServer) throw new Error('set CODE_SERVER (see test/e2e/vscode/run.sh)');
  const workspace = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'sextant-host-ws-'));
  fs.mkdirSync(path.join(workspace, '.sextant'));
  const resultsFile = path.join(workspace, 'results.json');
  const session = await startSession({
    codeServer,
    workspace,
    env: { SEXTANT_HOST_RESULTS: resultsFile },
  });
  const started = Date.now();
  try {
    const page = await session.browser.newPage();
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) =>
      console.log(...args),
    );
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${session.port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(path.join(ROOT, 'extension-vscode'))],
      [
        'extensionTestsPath',
        remote(path.join(ROOT, 'test', 'dist', 'e2e', 'vscode', 'host', 'index.js')),
      ],
    ]);
    await page.goto(
      `http://127.0.0.1:${session.port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`,
    );
    // Mocha's exit code, or 124 when the workbench never reports one; the timer must not keep
    // this process alive once the tests are done.
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exit,
      new Promise<number>((resolve) => (timer = setTimeout(() => resolve(124), 180_000))),
    ]).finally(() => clearTimeout(timer));
    const results = fs.existsSync(resultsFile)
      ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as {
          results: { title: string; state: string; error?: string }[];
        })
      : { results: [] };
    for (const r of results.results) {
      console.log(
        `${r.state === 'passed' ? 'ok' : 'FAILED'} - ${r.title}${r.error ? `\n${r.error}` : ''}`,
      );
    }
    if (code !== 0 || results.results.length === 0) {
      throw new Error(
        `extension-host tests failed (exit code ${code}, ${results.results.length} results)`,
      );
    }
    console.log(
      `ok: ${results.results.length} extension-host tests passed in ${Date.now() - started} ms`,
    );
  } finally {
    await session.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

runMain(main);
