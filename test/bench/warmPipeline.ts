/**
 * The editor's path for the pipelines benchmark: one long-lived engine, as the language server
 * holds it, runs the workspace's `sextant.yaml` with `force` (file read, checked and planned each
 * time, every step executed and recorded) `repeats` times after one warm-up run, and prints the
 * wall milliseconds of each run as a JSON array.
 *
 *   node test/dist/bench/warmPipeline.js <workspace> <repeats>
 */
import { Engine } from '@sextant/core';
import path from 'node:path';

async function main(): Promise<void> {
  const [workspace, repeatsText] = process.argv.slice(2);
  if (!workspace) throw new Error('usage: warmPipeline.js <workspace> <repeats>');
  const repeats = Number(repeatsText ?? '3');
  const engine = Engine.open({ storeDir: path.join(workspace, '.sextant') });
  const file = path.join(workspace, 'sextant.yaml');
  const once = async (): Promise<number> => {
    const began = performance.now();
    const { finished } = await engine.pipelines.start(file, undefined, { force: true });
    const run = await finished;
    if (run.status !== 'done') throw new Error(`the pipeline run ended ${run.status}`);
    return performance.now() - began;
  };
  try {
    await once();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await once());
    process.stdout.write(`${JSON.stringify(times)}\n`);
  } finally {
    await engine.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
