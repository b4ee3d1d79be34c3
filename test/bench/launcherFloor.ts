/**
 * The floor of the command line's path for the pipelines benchmark: a Node process that loads
 * only Sextant's step launcher backend and hands it the trivial pipeline's commands, one step
 * (one cpu) each, then waits for every step to end. No store, no pipeline file, no plan, no
 * tracking runs: what any `sextant pipeline run` pays before Sextant's own work, namely Node's
 * start, the launcher's Python start and the launcher's per-step cost.
 *
 *   node test/dist/bench/launcherFloor.js <workspace>   (reads <workspace>/commands.txt)
 */
import { LauncherBackend } from '@sextant/core/dist/compute/launcher';
import type { ResolvedStep } from '@sextant/core/model';
import fs from 'node:fs';
import path from 'node:path';

async function main(): Promise<void> {
  const [workspace] = process.argv.slice(2);
  if (!workspace) throw new Error('usage: launcherFloor.js <workspace>');
  const commands = fs
    .readFileSync(path.join(workspace, 'commands.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  const backend = new LauncherBackend();
  const base = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const env = { base, vars: {} };
  const outcomes = await Promise.all(
    commands.map((run, i) =>
      backend.execute({
        step: {
          name: `t-${i}`,
          run,
          wd: '.',
          resources: { cpu: 1, gpu: 0, memoryMb: 0 },
        } as ResolvedStep,
        root: workspace,
        env,
        signal: new AbortController().signal,
        onOutput: () => undefined,
      }),
    ),
  );
  await backend.close();
  const failed = outcomes.filter((o) => o.exitCode !== 0).length;
  if (failed > 0) {
    const first = outcomes.find((o) => o.exitCode !== 0);
    throw new Error(`${failed} of ${commands.length} commands failed, first: ${first?.reason}`);
  }
  if (backend.fallbackReason)
    throw new Error(`the launcher was not used: ${backend.fallbackReason}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
