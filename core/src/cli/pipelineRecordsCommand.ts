/**
 * The `sextant pipeline` commands over the store's pipeline records: list runs, print a step's
 * log, cancel a run another process drives, clean the content-addressed cache.
 */
import type { Command } from 'commander';
import type { PipelineRun } from '../model/pipeline';
import { describeCollection } from '../pipelines';
import { duration, table, time } from './format';
import { withEngine } from './store';

/** `3 done, 2 cached` for a run's steps. */
export function stepCounts(run: PipelineRun): string {
  const counts = new Map<string, number>();
  for (const s of run.steps) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}

/** Registers `sextant pipeline runs`, `logs`, `cancel` and `gc` under `pipeline`. */
export function registerPipelineRecordCommands(
  pipeline: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  pipeline
    .command('runs')
    .description('list pipeline runs, newest first')
    .option(...storeOption)
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--file <file>', 'only runs of pipelines of this file')
    .option('--limit <n>', 'most runs to show', '20')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        store: string;
        pipeline?: string;
        file?: string;
        limit: string;
        json?: boolean;
      }) => {
        const limit = Number(opts.limit);
        if (!/^\d+$/.test(opts.limit) || limit < 1) {
          throw new Error(`--limit takes a positive whole number, not '${opts.limit}'`);
        }
        await withEngine(opts.store, async (engine) => {
          const runs = engine.pipelines.listRuns({
            ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
            ...(opts.file ? { file: opts.file } : {}),
            limit,
          });
          if (opts.json) return void out.write(`${JSON.stringify(runs, null, 2)}\n`);
          out.write(
            `${table(
              ['PIPELINE RUN', 'PIPELINE', 'STATUS', 'TRIGGER', 'STARTED', 'DURATION', 'STEPS'],
              runs.map((r) => [
                r.pipelineRunId,
                r.pipeline,
                r.status,
                r.trigger.kind,
                time(r.startTime),
                duration(r.startTime, r.endTime ?? null),
                stepCounts(r),
              ]),
            )}\n`,
          );
          for (const r of runs) {
            for (const s of r.steps) {
              if (s.reason && (s.status === 'failed' || r.status !== 'done')) {
                out.write(`${r.pipelineRunId} ${s.step}: ${s.status}: ${s.reason}\n`);
              }
            }
          }
        });
      },
    );

  pipeline
    .command('logs <run> [step]')
    .description(
      "print the output of a run's step (every step when none is named); <run> is its id or the id's first characters",
    )
    .option(...storeOption)
    .action(async (prefix: string, step: string | undefined, opts: { store: string }) =>
      withEngine(opts.store, async (engine) => {
        const run = engine.pipelines.getRun(engine.pipelines.runs.resolveId(prefix));
        const steps = step ? [step] : run.steps.map((s) => s.step);
        for (const name of steps) {
          const log = await engine.pipelines.stepLog(run.pipelineRunId, name);
          const status = run.steps.find((s) => s.step === name)?.status;
          if (!step) out.write(`== ${name} (${status}) ==\n`);
          if (log.truncated) out.write('(only the last 1 MiB of each stream was kept)\n');
          out.write(log.stdout);
          process.stderr.write(log.stderr);
        }
      }),
    );

  pipeline
    .command('cancel <run>')
    .description(
      "cancel a pipeline run, also one another Sextant process drives; <run> is its id or the id's first characters",
    )
    .option(...storeOption)
    .action(async (prefix: string, opts: { store: string }) =>
      withEngine(opts.store, async (engine) => {
        const id = engine.pipelines.runs.resolveId(prefix);
        const before = engine.pipelines.getRun(id).status;
        const after = await engine.pipelines.cancel(id);
        out.write(
          before === 'running'
            ? `sextant: pipeline run ${id} ${after.status} (${stepCounts(after)})\n`
            : `sextant: pipeline run ${id} had already ended: ${after.status}\n`,
        );
      }),
    );

  pipeline
    .command('gc')
    .description(
      'remove cached step outputs no step needs: each step keeps its newest --keep versions',
    )
    .option(...storeOption)
    .option('--keep <n>', 'versions of each step to keep (0 empties the cache)', '1')
    .option('--dry', 'show what would be removed, remove nothing')
    .option('--json', 'print JSON')
    .action(async (opts: { store: string; keep: string; dry?: boolean; json?: boolean }) => {
      if (!/^\d+$/.test(opts.keep)) {
        throw new Error(`--keep takes a whole number (0 or more), not '${opts.keep}'`);
      }
      await withEngine(opts.store, async (engine) => {
        const collected = await engine.pipelines.collectCache({
          keep: Number(opts.keep),
          dryRun: opts.dry === true,
        });
        out.write(
          opts.json
            ? `${JSON.stringify(collected, null, 2)}\n`
            : `sextant: ${describeCollection(collected)}\n`,
        );
      });
    });
}
