import { Command, CommanderError } from 'commander';
import { Engine } from '../engine';
import { SextantError } from '../model/errors';
import { duration, table, time } from './format';
import { openStore, withEngine } from './store';

const DEFAULT_STORE = process.env.SEXTANT_STORE ?? '.sextant';

async function experimentIds(engine: Engine, nameOrId: string | undefined): Promise<string[]> {
  if (!nameOrId) {
    const page = await engine.tracking.searchExperiments({ maxResults: 50_000 });
    return page.items.map((e) => e.experimentId);
  }
  const byName = await engine.tracking.getExperimentByName(nameOrId);
  if (byName) return [byName.experimentId];
  if (!/^\d+$/.test(nameOrId)) {
    throw new Error(
      `no experiment named '${nameOrId}' in ${engine.storeDir}; see \`sextant experiments list\``,
    );
  }
  return [(await engine.tracking.getExperiment(nameOrId)).experimentId];
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) {
    throw new Error(`${option} takes a positive whole number, not '${text}'`);
  }
  return value;
}

type StoreOption = readonly [string, string, string];

/**
 * Command groups kept in modules of their own, each loaded only when its command runs (or for
 * help): loading them all would cost every `sextant` call the modules they pull in (the HTTP
 * server, the table validator), a large share of a short command's time.
 */
const COMMAND_GROUPS: Record<
  string,
  (program: Command, store: StoreOption, out: NodeJS.WritableStream) => Promise<void>
> = {
  pipeline: async (program, store, out) =>
    (await import('./pipelineCommand.js')).registerPipelineCommands(program, store, out),
  lineage: async (program, store, out) =>
    (await import('./lineageCommand.js')).registerLineageCommands(program, store, out),
  evaluate: async (program, store, out) =>
    (await import('./evaluateCommand.js')).registerEvaluateCommands(program, store, out),
  models: async (program, store, out) =>
    (await import('./modelsCommand.js')).registerModelsCommands(program, store, out),
  serve: async (program, store, out) =>
    (await import('./serveCommand.js')).registerServeCommands(program, store, out),
  deploy: async (program, store, out) =>
    (await import('./deployCommand.js')).registerDeployCommands(program, store, out),
  feedback: async (program, store, out) =>
    (await import('./feedbackCommand.js')).registerFeedbackCommands(program, store, out),
  experiment: async (program, store, out) =>
    (await import('./experimentCommand.js')).registerExperimentCommands(program, store, out),
  monitor: async (program, store, out) =>
    (await import('./monitorCommand.js')).registerMonitorCommands(program, store, out),
  timeline: async (program, store, out) =>
    (await import('./timelineCommand.js')).registerTimelineCommands(program, store, out),
  component: async (program, _store, out) =>
    (await import('./componentCommand.js')).registerComponentCommands(program, out),
};

/**
 * Builds the `sextant` command line. With `command` (the first word of the command line), only
 * the group of that command is loaded; without it, or for a word no group has, all are.
 */
export async function buildCli(
  out: NodeJS.WritableStream = process.stdout,
  command?: string,
): Promise<Command> {
  const program = new Command('sextant')
    .description(
      'Sextant: experiment tracking, pipelines, lineage, the model registry and model evaluation from your editor',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .enablePositionalOptions();
  const storeOption = ['--store <dir>', 'store directory', DEFAULT_STORE] as const;

  program
    .command('server')
    .description('serve the MLflow-compatible tracking API over a store')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '5000')
    .option(...storeOption)
    .option(
      '--token <token>',
      'require this bearer token (needed beyond loopback)',
      process.env.SEXTANT_TOKEN,
    )
    .action(async (opts: { host: string; port: string; store: string; token?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`invalid port '${opts.port}'`);
      const { assertBindAllowed, startServer } = await import('../server/index.js');
      assertBindAllowed(opts.host, opts.token);
      const engine = openStore(opts.store, true);
      let server;
      try {
        server = await startServer(engine, {
          host: opts.host,
          port,
          ...(opts.token ? { token: opts.token } : {}),
        });
      } catch (error) {
        await engine.close();
        throw error;
      }
      const { publishServer } = await import('../server/index.js');
      const published = publishServer(engine.storeDir, server.url);
      out.write(`Sextant tracking server at ${server.url} (store: ${engine.storeDir})\n`);
      out.write(`Log into it with: export MLFLOW_TRACKING_URI=${server.url}\n`);
      const stop = (): void => {
        published.remove();
        void server
          .close()
          .then(() => engine.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  const experiments = program.command('experiments').description('list and inspect experiments');
  experiments
    .command('list')
    .option(...storeOption)
    .option('--all', 'include deleted experiments')
    .option('--json', 'print JSON')
    .action((opts: { store: string; all?: boolean; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const page = await engine.tracking.searchExperiments({
          maxResults: 50_000,
          viewType: opts.all ? 'ALL' : 'ACTIVE_ONLY',
        });
        if (opts.json) return void out.write(`${JSON.stringify(page.items, null, 2)}\n`);
        out.write(
          `${table(
            ['ID', 'NAME', 'STAGE', 'CREATED'],
            page.items.map((e) => [e.experimentId, e.name, e.lifecycleStage, time(e.creationTime)]),
          )}\n`,
        );
      }),
    );

  const runs = program.command('runs').description('list and inspect runs');
  runs
    .command('list')
    .option(...storeOption)
    .option('--experiment <nameOrId>', 'only this experiment')
    .option('--filter <filter>', 'MLflow filter, e.g. "metrics.acc > 0.9 and params.lr = \'0.01\'"')
    .option('--order-by <clause...>', 'e.g. "metrics.acc DESC"')
    .option('--max <n>', 'most runs to show', '100')
    .option('--json', 'print JSON')
    .action(
      (opts: {
        store: string;
        experiment?: string;
        filter?: string;
        orderBy?: string[];
        max: string;
        json?: boolean;
      }) =>
        withEngine(opts.store, async (engine) => {
          const page = await engine.tracking.searchRuns({
            experimentIds: await experimentIds(engine, opts.experiment),
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
            maxResults: positiveInteger(opts.max, '--max'),
          });
          if (opts.json) return void out.write(`${JSON.stringify(page.items, null, 2)}\n`);
          out.write(
            `${table(
              ['RUN ID', 'NAME', 'EXP', 'STATUS', 'STARTED', 'DURATION', 'METRICS'],
              page.items.map((r) => [
                r.info.runId,
                r.info.runName,
                r.info.experimentId,
                r.info.status,
                time(r.info.startTime),
                duration(r.info.startTime, r.info.endTime),
                r.data.metrics
                  .slice(0, 3)
                  .map((m) => `${m.key}=${Number(m.value.toPrecision(4))}`)
                  .join(' '),
              ]),
            )}\n`,
          );
        }),
    );

  runs
    .command('show <runId>')
    .option(...storeOption)
    .option('--json', 'print JSON')
    .action((runId: string, opts: { store: string; json?: boolean }) =>
      withEngine(opts.store, async (engine) => {
        const run = await engine.tracking.getRun(runId);
        if (opts.json) return void out.write(`${JSON.stringify(run, null, 2)}\n`);
        const { info, data } = run;
        const lines = [
          `Run ${info.runId} (${info.runName})`,
          `  experiment  ${info.experimentId}`,
          `  status      ${info.status}   started ${time(info.startTime)}   duration ${duration(info.startTime, info.endTime)}`,
          `  artifacts   ${info.artifactUri}`,
          'Params:',
          ...data.params.map((p) => `  ${p.key} = ${p.value}`),
          'Metrics (latest):',
          ...data.metrics.map((m) => `  ${m.key} = ${m.value} (step ${m.step})`),
          'Tags:',
          ...data.tags.map((t) => `  ${t.key} = ${t.value}`),
        ];
        out.write(`${lines.join('\n')}\n`);
      }),
    );

  program
    .command('run')
    .description('run a command as a tracked run: sextant run [--experiment X] -- CMD ...')
    .option(...storeOption)
    .option('--experiment <nameOrId>', 'experiment (created if missing)')
    .option('--name <name>', 'run name')
    .argument('<command...>', 'the command and its arguments')
    .passThroughOptions()
    .action(
      async (command: string[], opts: { store: string; experiment?: string; name?: string }) => {
        const { runCommand } = await import('./runCommand.js');
        const engine = openStore(opts.store, true);
        try {
          process.exitCode = await runCommand(engine, command, {
            ...(opts.experiment ? { experiment: opts.experiment } : {}),
            ...(opts.name ? { name: opts.name } : {}),
            cwd: process.cwd(),
            stdout: process.stdout,
            stderr: process.stderr,
          });
        } finally {
          await engine.close();
        }
      },
    );

  const builtIn = new Set(program.commands.map((c) => c.name()));
  const group = command !== undefined ? COMMAND_GROUPS[command] : undefined;
  if (group) await group(program, storeOption, out);
  else if (command === undefined || !builtIn.has(command)) {
    for (const register of Object.values(COMMAND_GROUPS)) await register(program, storeOption, out);
  }

  return program;
}

/** Entry point of the `sextant` binary: runs the CLI and turns errors into one-line messages. */
export async function main(argv: string[]): Promise<void> {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  const program = (await buildCli(process.stdout, command)).exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const message =
      error instanceof SextantError ? `${error.code}: ${error.message}` : (error as Error).message;
    process.stderr.write(`sextant: ${message}\n`);
    process.exitCode = 1;
  }
}
