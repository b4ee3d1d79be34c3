import type { Command } from 'commander';
import http from 'node:http';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Engine } from '../engine';
import { invalid } from '../model/errors';
import type { PipelineEvent, PipelineRun, StepRun } from '../model/pipeline';
import { duration, table } from './format';
import { offThreadOutput } from './offThreadOutput';
import { registerPipelineRecordCommands, stepCounts } from './pipelineRecordsCommand';
import { registerWatchCommand } from './watchCommand';

/** The pipeline file `sextant pipeline` reads when `--file` is not given. */
export const DEFAULT_PIPELINE_FILE = 'sextant.yaml';

/** Where `sextant pipeline` writes: the terminal, or a test's streams. */
export interface PipelineCliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const STATUS_WORD: Record<StepRun['status'], string> = {
  queued: 'queued',
  running: 'running',
  cached: 'cached (restored from the cache)',
  done: 'done',
  failed: 'FAILED',
  cancelled: 'cancelled',
  skipped: 'skipped',
  stale: 'stale',
  'not-run': 'not run',
};

/** Exit code of a finished pipeline run: 0 done, 130 cancelled, 1 otherwise. */
export const exitCodeOf = (run: PipelineRun): number =>
  run.status === 'done' ? 0 : run.status === 'cancelled' ? 130 : 1;

/** Prefixes each line of a chunk of step output with the step's name. */
function prefixer(): (step: string, text: string) => string {
  const open = new Map<string, boolean>();
  return (step, text) => {
    let out = '';
    let atStart = !open.get(step);
    for (const char of text) {
      if (atStart) out += `${step} | `;
      out += char;
      atStart = char === '\n';
    }
    open.set(step, !atStart);
    return out;
  };
}

/**
 * The tracking server steps log into (`MLFLOW_TRACKING_URI`), bound on a free loopback port at
 * once but built only when a first request comes: most runs (all-cached ones, steps that log
 * nothing) never call it, and building the HTTP API loads a large share of Sextant.
 */
export async function serveOnDemand(
  engine: Engine,
): Promise<{ url: string; close(): Promise<void> }> {
  const host = '127.0.0.1';
  let app: ReturnType<typeof import('../server/index.js').buildServer> | undefined;
  let port = 0;
  const server = http.createServer((request, response) => {
    app ??= import('../server/index.js').then(async ({ buildServer }) => {
      const built = await buildServer(engine, { host, port });
      await built.ready();
      return built;
    });
    app.then(
      (built) => built.routing(request, response),
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            error_code: 'INTERNAL_ERROR',
            message: `the tracking server could not start: ${(error as Error).message}`,
          }),
        );
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (app) await (await app.catch(() => undefined))?.close();
    },
  };
}

/**
 * Where the time of one `sextant pipeline run` went, in ms, printed to stderr as one
 * `sextant-timings {...}` line when `SEXTANT_TIMINGS=1` (the benchmark reads it): Node's own
 * start, loading Sextant's modules, opening the store, loading and planning the pipeline (and
 * recording the run), executing it, closing; `record` is the time spent recording step
 * executions as tracking runs, summed over steps (it overlaps `execute`).
 */
class PhaseTimer {
  private last = performance.now();
  private lastCpu = process.cpuUsage();
  readonly phases: Record<string, number> = {
    boot: Math.round(performance.nodeTiming.bootstrapComplete),
    modules: 0,
  };
  /** CPU time (user + system) of each phase since `modules`, in ms. */
  readonly cpu: Record<string, number> = {};

  constructor() {
    this.phases.modules = Math.round(this.last - performance.nodeTiming.bootstrapComplete);
    this.cpu.modules = Math.round((this.lastCpu.user + this.lastCpu.system) / 1000);
  }

  mark(phase: string): void {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    this.phases[phase] = Math.round(now - this.last);
    this.cpu[phase] = Math.round((cpu.user + cpu.system) / 1000);
    this.last = now;
    this.lastCpu = process.cpuUsage();
  }
}

/** How long status lines and step output wait to be written together, in ms. */
const GATHER_MS = 40;

/**
 * A stream's writes gathered and written {@link GATHER_MS} after the first (sooner past 64 KiB):
 * the status lines of a large pipeline, one `write` each, cost more than its steps' own
 * bookkeeping, and a person cannot tell 40 ms.
 */
function gathered(stream: NodeJS.WritableStream): { write(text: string): void; flush(): void } {
  let buffer = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (buffer === '') return;
    const text = buffer;
    buffer = '';
    stream.write(text);
  };
  return {
    write(text) {
      buffer += text;
      if (buffer.length >= 64 * 1024) flush();
      else timer ??= setTimeout(flush, GATHER_MS);
    },
    flush,
  };
}

interface RunOptions {
  store: string;
  file: string;
  step?: string;
  force?: boolean;
  dry?: boolean;
  json?: boolean;
  python?: string;
}

/**
 * `sextant pipeline run`: plans (`--dry`) or runs a pipeline, streaming each step's status and
 * output; Ctrl-C (SIGINT) or SIGTERM cancels the run cleanly (step process trees stopped) and a
 * second one exits at once. Resolves to the exit code.
 */
export async function runPipeline(
  name: string | undefined,
  options: RunOptions,
  streams: PipelineCliStreams,
): Promise<number> {
  const timer = process.env.SEXTANT_TIMINGS === '1' ? new PhaseTimer() : undefined;
  const engine = Engine.open({ storeDir: path.resolve(options.store), create: true });
  const file = path.resolve(options.file);
  try {
    await engine.recovered;
    timer?.mark('open');
    const start = {
      ...(options.step ? { step: options.step } : {}),
      force: options.force === true,
    };
    if (options.dry) {
      const plan = await engine.pipelines.plan(file, name, start);
      if (options.json) streams.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      else
        streams.stdout.write(
          `${table(
            ['STEP', 'ACTION'],
            plan.map((p) => [p.step, p.action]),
          )}\n`,
        );
      return 0;
    }
    const server = await serveOnDemand(engine);
    engine.pipelines.trackingUri = server.url;
    if (options.python) {
      const python = path.resolve(options.python);
      if (!fs.existsSync(python)) throw invalid(`--python: ${python} does not exist`);
      engine.pipelines.python = { path: python, source: '--python' };
    }
    const prefix = prefixer();
    const out = gathered(streams.stdout);
    const err = gathered(streams.stderr);
    const say = (text: string): void => {
      out.flush();
      err.write(text);
      err.flush();
    };
    let pipelineRunId: string | undefined;
    const pending: PipelineEvent[] = [];
    const shown = new Map<string, StepRun['status']>();
    const show = (event: PipelineEvent): void => {
      if (event.type === 'step-log') {
        // With --json, stdout carries only the JSON: step output all goes to stderr.
        const target = event.stream === 'stdout' && !options.json ? out : err;
        target.write(prefix(event.step, event.text));
      } else if (event.type === 'step-status') {
        const s = event.step;
        if (s.status === 'queued' || shown.get(s.step) === s.status) return;
        shown.set(s.step, s.status);
        const reason = s.reason ? `: ${s.reason}` : '';
        err.write(`sextant: step ${s.step} ${STATUS_WORD[s.status]}${reason}\n`);
      }
    };
    const unsubscribe = engine.pipelines.onEvent((event) => {
      if (event.type === 'run-started' || event.type === 'run-finished') return;
      if (event.pipelineRunId === pipelineRunId) show(event);
      else if (pipelineRunId === undefined) pending.push(event);
    });
    let interrupts = 0;
    const interrupt = (): void => {
      interrupts++;
      if (interrupts > 1 || !pipelineRunId) {
        // What the journal holds back is written first: the records lose nothing they had.
        try {
          engine.settle();
        } catch {
          // the store cannot be written now: the next Sextant's recovery marks the run failed
        }
        // Written at once: the process exits before queued output would reach the stream.
        process.stderr.write('sextant: stopped\n');
        process.exit(130);
      }
      say('sextant: cancelling the pipeline run (Ctrl-C again to quit at once)\n');
      void engine.pipelines.cancel(pipelineRunId).catch(() => undefined);
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    try {
      const { run, finished } = await engine.pipelines.start(file, name, start);
      timer?.mark('plan');
      pipelineRunId = run.pipelineRunId;
      say(
        `sextant: pipeline ${run.pipeline} run ${run.pipelineRunId} (tracking run ${run.runId ?? '-'})\n`,
      );
      const collector = engine.pipelines.cacheCollector();
      if (collector) {
        say(
          `sextant: waiting for the cache clean-up of process ${collector.pid} (${collector.host}) to finish\n`,
        );
      }
      for (const event of pending.splice(0)) {
        if (event.type !== 'run-started' && event.type !== 'run-finished') {
          if (event.pipelineRunId === pipelineRunId) show(event);
        }
      }
      const final = await finished;
      timer?.mark('execute');
      say(
        `sextant: pipeline ${final.pipeline} ${final.status} in ${duration(final.startTime, final.endTime ?? null)} (${stepCounts(final)})\n`,
      );
      if (options.json) streams.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
      return exitCodeOf(final);
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      unsubscribe();
      out.flush();
      err.flush();
      await server.close();
    }
  } finally {
    const recordMs = engine.pipelines.recordMs;
    await engine.close();
    if (timer) {
      timer.mark('close');
      const phases = { ...timer.phases, record: Math.round(recordMs), cpu: timer.cpu };
      streams.stderr.write(`sextant-timings ${JSON.stringify(phases)}\n`);
    }
  }
}

/** Registers `sextant pipeline run`, `watch`, `runs`, `logs`, `cancel` and `gc`. */
export function registerPipelineCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  const pipeline = program.command('pipeline').description('run pipelines and list their runs');
  pipeline
    .command('run [name]')
    .description('run a pipeline (its only or first one when no name is given)')
    .option(...storeOption)
    .option('--file <file>', 'pipeline file', DEFAULT_PIPELINE_FILE)
    .option('--step <step>', 'run only this step and the steps it needs')
    .option('--force', 'ignore the cache: run every step')
    .option('--dry', 'show what would run or come from the cache, run nothing')
    .option(
      '--python <path>',
      "the interpreter steps without requirements run with (default: the workspace's .venv, else PATH)",
    )
    .option(
      '--json',
      'print the plan (with --dry) or the finished run as JSON on stdout (step output to stderr)',
    )
    .action(async (name: string | undefined, opts: RunOptions) => {
      const stdout = offThreadOutput(out, 1);
      const stderr = offThreadOutput(process.stderr, 2);
      try {
        process.exitCode = await runPipeline(name, opts, {
          stdout: stdout.stream,
          stderr: stderr.stream,
        });
      } finally {
        await Promise.all([stdout.close(), stderr.close()]);
      }
    });

  registerWatchCommand(pipeline, storeOption, out);

  registerPipelineRecordCommands(pipeline, storeOption, out);
}
