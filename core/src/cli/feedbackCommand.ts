import type { Command } from 'commander';
import path from 'node:path';
import { readFeedbackFile } from '../feedback';
import { notFound } from '../model/errors';
import { withEngine } from './store';

/** Registers `sextant feedback`. */
export function registerFeedbackCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const feedback = program
    .command('feedback')
    .description('outcomes of served predictions (labels, rewards, values), joined by request id');
  feedback
    .command('import <file>')
    .description(
      'import feedback from a CSV or Parquet file: request_id and one of label, reward, value (time optional)',
    )
    .requiredOption('--deployment <name>', 'the deployment that served the requests')
    .option(...storeOption)
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { deployment: string; store: string; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const items = await readFeedbackFile(file);
        const record = engine.deployments.list().find((d) => d.name === opts.deployment);
        const result = engine.feedback.record(items, {
          deployment: opts.deployment,
          shadows: record?.state.variants.filter((v) => v.shadow).map((v) => v.name) ?? [],
          source: `file:${path.basename(file)}`,
        });
        if (opts.json) {
          out.write(
            `${JSON.stringify({ recorded: result.recorded, unknown_request_ids: result.unknownRequestIds })}\n`,
          );
        } else {
          out.write(
            `Recorded ${result.recorded} of ${items.length} outcomes for ${opts.deployment}\n`,
          );
          if (result.unknownRequestIds.length > 0) {
            const shown = result.unknownRequestIds.slice(0, 10);
            out.write(
              `${result.unknownRequestIds.length} request id(s) were not logged by ${opts.deployment} and were not stored: ${shown.join(', ')}${result.unknownRequestIds.length > shown.length ? ', …' : ''}\n`,
            );
          }
        }
        if (result.recorded === 0) {
          throw notFound(
            `no request id of ${path.basename(file)} was logged by deployment '${opts.deployment}'; feedback joins only logged requests`,
          );
        }
      }),
    );
}
