/**
 * Mocha inside code-server's extension host (the `extensionTestsPath` of host.ts): runs every
 * `*.host.js` beside this file and writes the results to SEXTANT_HOST_RESULTS as JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

/** Called by the workbench; resolves when every test passed. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false });
  for (const file of fs.readdirSync(__dirname)) {
    if (file.endsWith('.host.js')) mocha.addFile(path.join(__dirname, file));
  }
  const results: { title: string; state: string; error?: string; ms?: number }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env['SEXTANT_HOST_RESULTS'];
      if (out) fs.writeFileSync(out, JSON.stringify({ failures, results }, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) =>
      results.push({ title: test.fullTitle(), state: 'passed', ms: test.duration }),
    );
    runner.on('fail', (test, error: Error) =>
      results.push({
        title: test.fullTitle(),
        state: 'failed',
        error: error.stack ?? String(error),
      }),
    );
  });
}
