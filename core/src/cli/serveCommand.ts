import type { Command } from 'commander';
import { invalid } from '../model/errors';
import { openStore } from './store';

interface ServeCommandOptions {
  store: string;
  model: string;
  host: string;
  port: string;
  replicas: string;
  env: string;
  python?: string;
  name?: string;
  maxBatchSize: string;
  maxBatchDelayMs: string;
  maxConcurrency: string;
  maxQueue: string;
  timeoutMs: string;
  maxBodyMb: string;
  logSampleRate: string;
  runtime: string;
  parityTolerance: string;
}

function wholeNumber(
  text: string,
  option: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw invalid(`${option} takes a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

/** Registers `sextant serve`. */
export function registerServeCommands(
  program: Command,
  storeOption: readonly [string, string, string],
  out: NodeJS.WritableStream,
): void {
  program
    .command('serve')
    .description(
      "serve a model in the foreground over the Open Inference Protocol (/v2) and MLflow's scoring protocol (/invocations)",
    )
    .option(...storeOption)
    .requiredOption(
      '-m, --model <uri>',
      'models:/<name>@<alias>, models:/<name>/<version>, runs:/<run_id>/<path>, models:/m-<id> or a model folder',
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('-p, --port <port>', 'port (0 picks a free one)', '5001')
    .option('--replicas <n>', 'worker processes', '1')
    .option(
      '--env <where>',
      "the model's Python: local (.venv, SEXTANT_PYTHON, python3) or model (a venv from its requirements.txt)",
      'local',
    )
    .option(
      '--runtime <runtime>',
      'python (the pyfunc in worker processes) or onnx (a scikit-learn model converted with skl2onnx and run in-process, refused unless it matches the original)',
      'python',
    )
    .option('--parity-tolerance <x>', 'onnx: largest absolute difference allowed', '0.0001')
    .option('--python <path>', 'the Python interpreter of the workers (with --env local)')
    .option('--name <name>', 'the model name in OIP paths (default: the registered model name)')
    .option('--max-batch-size <n>', 'dynamic batching: requests per batch (1: off)', '1')
    .option('--max-batch-delay-ms <ms>', 'dynamic batching: longest wait to fill a batch', '0')
    .option('--max-concurrency <n>', 'batches one replica holds at once', '2')
    .option('--max-queue <n>', 'requests waiting beyond which new ones get 429', '1024')
    .option(
      '--timeout-ms <ms>',
      'a request not answered in this long gets 504, its worker replaced',
      '60000',
    )
    .option('--max-body-mb <mb>', 'largest request body', '16')
    .option(
      '--log-sample-rate <rate>',
      'share of requests written to the inference log (0 to 1)',
      '1',
    )
    .action(async (opts: ServeCommandOptions) => {
      if (opts.env !== 'local' && opts.env !== 'model') {
        throw invalid(`--env takes local or model, not '${opts.env}'`);
      }
      if (opts.runtime !== 'python' && opts.runtime !== 'onnx') {
        throw invalid(`--runtime takes python or onnx, not '${opts.runtime}'`);
      }
      const parityTolerance = Number(opts.parityTolerance);
      if (!Number.isFinite(parityTolerance) || parityTolerance < 0) {
        throw invalid(`--parity-tolerance takes a number ≥ 0, not '${opts.parityTolerance}'`);
      }
      const port = wholeNumber(opts.port, '--port', 0, 65535);
      const sampleRate = Number(opts.logSampleRate);
      if (!Number.isFinite(sampleRate) || sampleRate < 0 || sampleRate > 1) {
        throw invalid(`--log-sample-rate takes a number from 0 to 1, not '${opts.logSampleRate}'`);
      }
      const limits = {
        replicas: wholeNumber(opts.replicas, '--replicas', 1, 256),
        maxConcurrency: wholeNumber(opts.maxConcurrency, '--max-concurrency', 1, 1024),
        maxQueue: wholeNumber(opts.maxQueue, '--max-queue', 1),
        maxBatchSize: wholeNumber(opts.maxBatchSize, '--max-batch-size', 1, 100_000),
        maxBatchDelayMs: wholeNumber(opts.maxBatchDelayMs, '--max-batch-delay-ms', 0, 60_000),
        requestTimeoutMs: wholeNumber(opts.timeoutMs, '--timeout-ms', 1),
        maxBodyBytes: wholeNumber(opts.maxBodyMb, '--max-body-mb', 1, 2048) * 1024 * 1024,
      };
      const { resolveServedModel, serveModel, servingPython } = await import('../serving/index.js');
      const engine = openStore(opts.store, true);
      const controller = new AbortController();
      let stopping: Promise<void> | undefined;
      let running: Awaited<ReturnType<typeof serveModel>> | undefined;
      let loaded = false;
      const stop = (): void => {
        if (stopping) return;
        process.stderr.write('sextant serve: stopping\n');
        controller.abort();
        stopping = (async () => {
          await running?.close();
          await engine.close();
        })().then(
          () => process.exit(process.exitCode ?? 0),
          (error: unknown) => {
            process.stderr.write(`sextant serve: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        await engine.recovered;
        const model = await resolveServedModel(
          opts.model,
          { registry: engine.registry, artifactRoot: engine.artifacts.root },
          process.cwd(),
        );
        const python = await servingPython({
          environment: opts.env,
          modelDir: model.dir,
          cwd: process.cwd(),
          environmentsDir: `${engine.storeDir}/envs`,
          ...(opts.python ? { python: opts.python } : {}),
          onOutput: (text) => process.stderr.write(text),
          signal: controller.signal,
        });
        const name = opts.name ?? model.name;
        running = await serveModel({
          modelDir: model.dir,
          name,
          version: model.version,
          python,
          host: opts.host,
          port,
          ...limits,
          runtime: opts.runtime,
          parityTolerance,
          log: engine.inferenceLog,
          sampleRate,
          onEvent: (event) => {
            if (event.kind === 'starting' && event.replica <= Number(opts.replicas)) return;
            process.stderr.write(
              `sextant serve: replica ${event.replica} ${event.kind.replace('_', ' ')}${event.pid ? ` (pid ${event.pid})` : ''}${event.message ? `: ${event.message}` : ''}\n`,
            );
          },
          // Until a replica is ready, a failed start's message carries the end of its output.
          onStderr: (text) => loaded && process.stderr.write(text),
        });
        out.write(
          `Serving ${name} version ${model.version} from ${model.dir} at ${running.url} (python: ${python})\n` +
            `  OIP:    POST ${running.url}/v2/models/${encodeURIComponent(name)}/infer\n` +
            `  MLflow: POST ${running.url}/invocations\n` +
            `  Metrics: ${running.url}/metrics  ·  Ctrl-C stops\n`,
        );
        if (running.parity) {
          out.write(
            `ONNX runtime: the conversion matches the model on ${running.parity.rows} rows (max abs diff ${running.parity.maxAbsDiff})\n`,
          );
        }
        await running.ready;
        loaded = true;
        out.write(`Ready: the model is loaded (${opts.replicas} replica(s))\n`);
      } catch (error) {
        if (stopping) return;
        await running?.close();
        await engine.close();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        throw error;
      }
    });
}
