import type { Command } from 'commander';
import path from 'node:path';
import { Engine } from '../engine';
import type { PipelineEvent } from '../model/pipeline';

interface WatchOptions {
  store: string;
  root: string;
  host: string;
  port: string;
  token?: string;
}

/** One line per run start and end, with what triggered it. */
function describe(event: PipelineEvent): string | undefined {
  if (event.type === 'run-started') {
    const { run } = event;
    const why = run.trigger.detail
      ? `${run.trigger.kind}: ${run.trigger.detail}`
      : run.trigger.kind;
    return `pipeline ${run.pipeline} started (${why}), run ${run.pipelineRunId}`;
  }
  if (event.type === 'run-finished') return `pipeline ${event.run.pipeline} ${event.run.status}`;
  return undefined;
}

/**
 * `sextant pipeline watch`: the headless home of a workspace's triggers. Keeps the pipelines
 * loaded, runs them on file changes, cron schedules and other pipelines' completion, and serves
 * the tracking API with the pipeline webhook (`POST /api/2.0/sextant/pipelines/trigger`) until
 * interrupted. The HTTP server and the trigger host load only when the command runs.
 */
export function registerWatchCommand(
  pipeline: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  pipeline
    .command('watch')
    .description('run pipelines on their triggers (files, cron, webhook, other pipelines)')
    .option(...storeOption)
    .option('--root <dir>', 'workspace searched for pipeline files', '.')
    .option('--host <host>', 'address of the tracking server and webhook', '127.0.0.1')
    .option('--port <port>', 'port of the tracking server and webhook (0: any free one)', '0')
    .option('--token <token>', 'token the tracking server requires (needed beyond loopback)')
    .action(async (opts: WatchOptions) => {
      const { PipelineHost } = await import('../pipelines/triggers/host.js');
      const { startServer } = await import('../server/index.js');
      const engine = Engine.open({ storeDir: path.resolve(opts.store) });
      const root = path.resolve(opts.root);
      const host = new PipelineHost(engine.pipelines, {
        root,
        ignore: [engine.storeDir],
        alerts: engine.monitoring.alertFeed(),
        onError: (message) => process.stderr.write(`sextant: ${message}\n`),
      });
      const server = await startServer(engine, {
        host: opts.host,
        port: Number(opts.port),
        ...(opts.token ? { token: opts.token } : {}),
        pipelines: { runner: engine.pipelines, pipelines: async () => host.pipelines() },
      });
      engine.pipelines.trackingUri ??= server.url;
      // Other processes' runs on this store (a `sextant pipeline run`) fire pipeline triggers too.
      engine.pipelines.followOtherProcesses();
      const unsubscribe = engine.pipelines.onEvent((event) => {
        const line = describe(event);
        if (line) out.write(`sextant: ${line}\n`);
      });
      await host.start();
      const names = host.pipelines().map((p) => p.name);
      out.write(
        `sextant: watching ${names.length} pipeline(s) under ${root}: ${names.join(', ') || 'none'}\n` +
          `sextant: tracking server and webhook at ${server.url} ` +
          `(webhook token: ${process.env.SEXTANT_WEBHOOK_TOKEN ? 'SEXTANT_WEBHOOK_TOKEN' : path.join(engine.storeDir, 'webhook-token')})\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      unsubscribe();
      await host.stop();
      await engine.pipelines.stopAll();
      await server.close();
      await engine.close();
    });
}
