/**
 * Serving throughput and latency: one scikit-learn model (scaler + logistic regression, 8
 * features), the same one-row `/invocations` request (`dataframe_split`), load from autocannon in
 * closed loop at concurrency 1, 8 and 64 and in open loop at a fixed rate, against
 * `mlflow models serve --env-manager local` (as shipped: 1 uvicorn worker; and with `--workers`
 * equal to Sextant's replicas), MLServer (`mlserver start` with its MLflow runtime, as shipped)
 * and `sextant serve` (Python workers: without batching, without the request log, with dynamic
 * batching; and the ONNX in-process runtime). Every answer must be a 200 with the model's own
 * prediction.
 *
 * The servers run side by side and take turns at each point of each round, so a busy moment of a
 * shared machine weighs on all of them alike; the figures are the medians over the rounds.
 *
 * The ONNX runtime also takes an open loop of its own at `--onnx-rate` (1,000 req/s), for the
 * latency target at that rate.
 *
 *   node test/dist/bench/serving.js [--quick] [--seconds S] [--rounds N] [--replicas R]
 *     [--rate R] [--onnx-rate R] [--strict]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  freePort,
  num,
  numberOption,
  printTable,
  printTargets,
  PYTHON,
  ratio,
  REPO,
  runBenchmark,
  runPython,
  sleep,
  type Target,
  tempDir,
  VENV_BIN,
  writeResults,
} from './harness';

/** What autocannon reports (the parts read here). */
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- autocannon ships no types
const autocannon = require('autocannon') as Cannon;

interface Served {
  label: string;
  url: string;
  stop: () => Promise<void>;
}

const CONCURRENCY = [1, 8, 64];

/** MLServer 1.7.1 with its MLflow runtime, in its own virtual environment (scripts/setup.sh). */
const MLSERVER = path.join(REPO, '.venv-mlserver', 'bin', 'mlserver');
const MLSERVER_LABEL = 'mlserver start (MLflow runtime)';

function startProcess(
  label: string,
  command: string,
  args: string[],
  log: string,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  fs.closeSync(out);
  child.once('error', (error) => process.stderr.write(`${label}: ${error.message}\n`));
  return child;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(
  url: string,
  child: ChildProcess,
  log: string,
  probe = '/ping',
): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`server exited (${child.exitCode}):\n${fs.readFileSync(log, 'utf8')}`);
    }
    try {
      if ((await fetch(`${url}${probe}`)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`not ready within 180 s; see ${log}`);
    await sleep(250);
  }
}

async function startMlflowServe(dir: string, model: string, workers?: number): Promise<Served> {
  const port = await freePort();
  const log = path.join(dir, `mlflow-serve-${workers ?? 'default'}.log`);
  const args = ['models', 'serve', '-m', model, '--env-manager', 'local', '--host', '127.0.0.1'];
  const child = startProcess(
    'mlflow',
    path.join(VENV_BIN, 'mlflow'),
    [...args, '--port', String(port), ...(workers ? ['--workers', String(workers)] : [])],
    log,
    // As with the venv activated: mlflow runs `uvicorn` from PATH.
    { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH ?? ''}` },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, log);
  return {
    label: `mlflow models serve${workers ? ` --workers ${workers}` : ' (1 worker)'}`,
    url,
    stop: () => stopGroup(child),
  };
}

/**
 * `mlserver start` on a folder holding the server's settings.json and the model's
 * model-settings.json; it answers MLflow's scoring protocol at `/invocations`. Settings as
 * shipped but `parallel_workers: 0` (inference in the server's own process, as in
 * test/compat/test_serving_proxy.py): MLServer 1.7.1's parallel inference worker dies at start
 * with the uvloop it installs ("There is no current event loop"), and the model never loads.
 */
async function startMlserver(dir: string, model: string): Promise<Served> {
  if (!fs.existsSync(MLSERVER)) {
    throw new Error(
      `${MLSERVER} is missing: run scripts/setup.sh (test/requirements-mlserver.txt)`,
    );
  }
  const folder = path.join(dir, 'mlserver');
  fs.mkdirSync(folder, { recursive: true });
  const port = await freePort();
  fs.writeFileSync(
    path.join(folder, 'settings.json'),
    JSON.stringify({
      host: '127.0.0.1',
      http_port: port,
      grpc_port: await freePort(),
      metrics_port: await freePort(),
      parallel_workers: 0,
    }),
  );
  fs.writeFileSync(
    path.join(folder, 'model-settings.json'),
    JSON.stringify({
      name: 'bench',
      implementation: 'mlserver_mlflow.MLflowRuntime',
      parameters: { uri: model },
    }),
  );
  const log = path.join(dir, 'mlserver.log');
  const child = startProcess('mlserver', MLSERVER, ['start', folder], log);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, log, '/v2/models/bench/ready');
  return { label: MLSERVER_LABEL, url, stop: () => stopGroup(child) };
}

async function startSextantServe(
  dir: string,
  model: string,
  label: string,
  extra: string[],
): Promise<Served> {
  const port = await freePort();
  const log = path.join(dir, `sextant-serve-${port}.log`);
  const child = startProcess(
    'sextant',
    process.execPath,
    [
      path.join(REPO, 'core', 'bin', 'sextant.js'),
      'serve',
      '-m',
      model,
      '--store',
      path.join(dir, 'store'),
      '--port',
      String(port),
      '--python',
      PYTHON,
      ...extra,
    ],
    log,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, log);
  // /ping answers once one replica is up; wait until every replica is.
  const replicas = Number(extra[extra.indexOf('--replicas') + 1] ?? 1);
  for (let i = 0; i < 600; i++) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const ready = /sextant_serving_replicas\{[^}]*state="ready"\} (\d+)/.exec(metrics);
    if (ready && Number(ready[1]) >= replicas) break;
    await sleep(200);
  }
  return { label, url, stop: () => stopGroup(child) };
}

interface Row {
  server: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** Checks that a server answers the request with the model's own prediction. */
async function check(server: Served, body: string, expected: string): Promise<void> {
  const answer = await fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await answer.text();
  if (answer.status !== 200 || JSON.stringify(JSON.parse(text)) !== expected) {
    throw new Error(`${server.label} answered ${answer.status} ${text}, expected ${expected}`);
  }
}

/** One closed-loop point: `connections` clients for `seconds`, after a 1 s warm-up. */
async function point(
  server: Served,
  body: string,
  connections: number,
  seconds: number,
): Promise<CannonResult> {
  const options = {
    url: `${server.url}/invocations`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    pipelining: 1,
  };
  await autocannon({ ...options, duration: 1 });
  return autocannon({ ...options, duration: seconds });
}

/**
 * The open-loop point: requests sent at `rate` per second whatever the answers (64 connections
 * by default, so a slow server queues them instead of slowing the sender), for `seconds` after a
 * warm-up.
 */
async function openPoint(
  server: Served,
  body: string,
  rate: number,
  seconds: number,
  connections = 64,
): Promise<CannonResult> {
  const options = {
    url: `${server.url}/invocations`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    pipelining: 1,
    overallRate: rate,
  };
  await autocannon({ ...options, duration: 1 });
  return autocannon({ ...options, duration: seconds });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

runBenchmark(async (args, cleanup) => {
  const seconds = numberOption(args, 'seconds', args.quick ? 3 : 6);
  const rounds = numberOption(args, 'rounds', args.quick ? 1 : 3);
  const replicas = numberOption(args, 'replicas', 2);
  const rate = numberOption(args, 'rate', 200);
  const onnxRate = numberOption(args, 'onnx-rate', 1000);
  const dir = tempDir('serving');
  cleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const model = path.join(dir, 'model');
  const made = JSON.parse(await runPython('serving_model.py', [model])) as {
    body: unknown;
    expected: unknown;
  };
  const body = JSON.stringify(made.body);
  const expected = JSON.stringify({ predictions: made.expected });
  process.stdout.write(
    `Serving benchmark: one-row /invocations on a scikit-learn pipeline, closed loop at c=${CONCURRENCY.join(', ')} ` +
      `and open loop at ${rate} req/s (autocannon), ${seconds} s per point, ${rounds} round(s), the servers taking turns within each round; medians\n`,
  );

  const mlflowLabel = 'mlflow models serve (1 worker)';
  const sextantLabel = `sextant serve --replicas ${replicas}`;
  const batchedLabel = `sextant serve --replicas ${replicas} --max-batch-size 32`;
  const onnxLabel = 'sextant serve --runtime onnx';
  const mlserverLabel = MLSERVER_LABEL;
  const unloggedLabel = `${sextantLabel}, no request log`;
  const servers: Served[] = [];
  const starts: (() => Promise<Served>)[] = [
    () => startMlflowServe(dir, model),
    () => startMlflowServe(dir, model, replicas),
    () => startMlserver(dir, model),
    () => startSextantServe(dir, model, sextantLabel, ['--replicas', String(replicas)]),
    () =>
      startSextantServe(dir, model, unloggedLabel, [
        '--replicas',
        String(replicas),
        '--log-sample-rate',
        '0',
      ]),
    () => startSextantServe(dir, model, onnxLabel, ['--runtime', 'onnx']),
    () =>
      startSextantServe(dir, model, batchedLabel, [
        '--replicas',
        String(replicas),
        '--max-batch-size',
        '32',
      ]),
  ];
  for (const start of starts) {
    const server = await start();
    cleanup(server.stop);
    servers.push(server);
    await check(server, body, expected);
  }

  const samples = new Map<string, CannonResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const connections of CONCURRENCY) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const server of order) {
        const result = await point(server, body, connections, seconds);
        const key = `${server.label}|${connections}`;
        samples.set(key, [...(samples.get(key) ?? []), result]);
        process.stdout.write(
          `  round ${round + 1} ${server.label} c=${connections}: ${num(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms\n`,
        );
      }
    }
    const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
    for (const server of order) {
      const result = await openPoint(server, body, rate, seconds);
      const key = `${server.label}|open`;
      samples.set(key, [...(samples.get(key) ?? []), result]);
      process.stdout.write(
        `  round ${round + 1} ${server.label} open loop ${rate} req/s: ${num(result.requests.average)} req/s answered, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms\n`,
      );
    }
    const onnx = servers.find((s) => s.label === onnxLabel)!;
    // 8 connections, each sending every 8 ms at 1,000 req/s, far apart from a sub-millisecond
    // answer, so the loop stays open; autocannon's limiter releases 64 connections' requests in
    // bursts that the sender itself queues (p99 26 ms at 64 connections, 5 ms at 16, 1 ms at 4
    // against the same server), which measures the load generator, not the server.
    const fast = await openPoint(onnx, body, onnxRate, seconds, 8);
    samples.set('onnx|fast', [...(samples.get('onnx|fast') ?? []), fast]);
    process.stdout.write(
      `  round ${round + 1} ${onnx.label} open loop ${onnxRate} req/s: ${num(fast.requests.average)} req/s answered, p50 ${fast.latency.p50} ms, p99 ${fast.latency.p99} ms\n`,
    );
  }
  for (const server of servers) await server.stop();

  const rows: Row[] = [];
  for (const server of servers) {
    for (const connections of CONCURRENCY) {
      const results = samples.get(`${server.label}|${connections}`)!;
      rows.push({
        server: server.label,
        concurrency: connections,
        rps: median(results.map((r) => r.requests.average)),
        p50: median(results.map((r) => r.latency.p50)),
        p99: median(results.map((r) => r.latency.p99)),
        failed: results.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0),
      });
    }
  }
  const summary = (server: string, results: CannonResult[]): Omit<Row, 'concurrency'> => ({
    server,
    rps: median(results.map((r) => r.requests.average)),
    p50: median(results.map((r) => r.latency.p50)),
    p99: median(results.map((r) => r.latency.p99)),
    failed: results.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0),
  });
  const open = servers.map((server) => summary(server.label, samples.get(`${server.label}|open`)!));
  printTable(
    'Closed loop, one-row requests',
    ['SERVER', 'CONC', 'REQ/S', 'P50', 'P99', 'FAILED'],
    rows.map((r) => [
      r.server,
      String(r.concurrency),
      num(r.rps),
      `${r.p50} ms`,
      `${r.p99} ms`,
      String(r.failed),
    ]),
  );
  printTable(
    `Open loop, one-row requests sent at ${rate} req/s (64 connections)`,
    ['SERVER', 'ANSWERED REQ/S', 'P50', 'P99', 'FAILED'],
    open.map((r) => [r.server, num(r.rps), `${r.p50} ms`, `${r.p99} ms`, String(r.failed)]),
  );
  const at = (server: string, c: number): Row =>
    rows.find((r) => r.server === server && r.concurrency === c)!;
  const ratios = CONCURRENCY.map((c) => at(sextantLabel, c).rps / at(mlflowLabel, c).rps);
  const batched8 = at(batchedLabel, 8).rps / at(mlflowLabel, 8).rps;
  const sameWorkers8 =
    at(sextantLabel, 8).rps / at(`mlflow models serve --workers ${replicas}`, 8).rps;
  process.stdout.write(
    `\nSextant (Python workers, no batching) / mlflow models serve as shipped: ${CONCURRENCY.map((c, i) => `c=${c} ${ratio(ratios[i]!)}`).join(', ')}\n` +
      `At c=8: with batching ${ratio(batched8)}; against mlflow --workers ${replicas}: ${ratio(sameWorkers8)}\n`,
  );
  const onnx8 = at(onnxLabel, 8).rps / at(mlflowLabel, 8).rps;
  const versus = (server: string): string =>
    CONCURRENCY.map((c) => `c=${c} ${ratio(at(server, c).rps / at(mlflowLabel, c).rps)}`).join(
      ', ',
    );
  const batching = CONCURRENCY.map((c) => at(batchedLabel, c).rps / at(sextantLabel, c).rps);
  const logging = CONCURRENCY.map((c) => 1 - at(sextantLabel, c).rps / at(unloggedLabel, c).rps);
  const mlserver8 = at(sextantLabel, 8).rps / at(mlserverLabel, 8).rps;
  process.stdout.write(
    `MLServer / mlflow models serve as shipped: ${versus(mlserverLabel)}\n` +
      `Sextant (Python workers, no batching) / MLServer: ${CONCURRENCY.map((c) => `c=${c} ${ratio(at(sextantLabel, c).rps / at(mlserverLabel, c).rps)}`).join(', ')}\n` +
      `Batching gain (--max-batch-size 32 / no batching): ${CONCURRENCY.map((c, i) => `c=${c} ${ratio(batching[i]!)}`).join(', ')}\n` +
      `Cost of the request log (throughput lost against --log-sample-rate 0): ${CONCURRENCY.map((c, i) => `c=${c} ${(logging[i]! * 100).toFixed(0)}%`).join(', ')}\n`,
  );
  process.stdout.write(
    `ONNX in-process / mlflow models serve as shipped: ${CONCURRENCY.map((c) => `c=${c} ${ratio(at(onnxLabel, c).rps / at(mlflowLabel, c).rps)}`).join(', ')}\n`,
  );
  const onnxFast = summary(onnxLabel, samples.get('onnx|fast')!);
  process.stdout.write(
    `ONNX in-process at ${num(onnxRate)} req/s (open loop, 8 connections): ${num(onnxFast.rps)} req/s answered, p50 ${onnxFast.p50} ms, p99 ${onnxFast.p99} ms\n`,
  );
  const failed = [...rows, ...open, onnxFast].reduce((s, r) => s + r.failed, 0);
  const targets: Target[] = [
    {
      name: 'Python runtime >= 2x mlflow models serve (as shipped) at concurrency 8',
      met: ratios[1]! >= 2,
      detail: ratio(ratios[1]!),
    },
    {
      name: "Sextant's best runtime (ONNX) >= 5x mlflow models serve at concurrency 8",
      met: onnx8 >= 5,
      detail: ratio(onnx8),
    },
    {
      name: `ONNX runtime p99 < 5 ms at ${num(onnxRate)} req/s (open loop), every request answered`,
      met: onnxFast.p99 < 5 && onnxFast.rps >= 0.95 * onnxRate,
      detail: `p99 ${onnxFast.p99} ms, ${num(onnxFast.rps)} req/s answered`,
    },
    {
      name: 'Python runtime faster than MLServer (as shipped) at concurrency 8',
      met: mlserver8 > 1,
      detail: ratio(mlserver8),
    },
    { name: 'no failed request', met: failed === 0, detail: `${failed} failed` },
  ];
  printTargets(targets);
  const file = writeResults('serving', {
    quick: args.quick,
    headline: {
      what: 'one-row /invocations req/s at concurrency 8',
      mlflow: num(at(mlflowLabel, 8).rps),
      sextant: num(at(sextantLabel, 8).rps),
      mlserver: num(at(mlserverLabel, 8).rps),
      ratio: ratios[1],
      onnxRatio: onnx8,
      batchingGain8: batching[1],
      requestLogCost8: logging[1],
    },
    config: { seconds, rounds, replicas, rate, onnxRate, concurrency: CONCURRENCY },
    rows,
    open,
    onnxFast,
    targets,
  });
  process.stdout.write(`\nresults: ${file}\n`);
  return targets;
});
