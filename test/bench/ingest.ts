/**
 * Metric ingest through `POST /api/2.0/mlflow/runs/log-batch`: 1000 metrics per request (10 keys
 * x 100 steps), several concurrent clients, each logging into its own run. Sextant ingests a
 * fixed number of points; MLflow, far slower, is measured over a fixed time budget. Both are
 * then read back through `metrics/get-history` to check that every acknowledged point landed.
 *
 *   node test/dist/bench/ingest.js [--quick] [--points N] [--mlflow-seconds S] [--clients C]
 *                                  [--mlflow-workers W] [--strict]
 */
import fs from 'node:fs';
import {
  api,
  type BenchServer,
  countHistory,
  MLFLOW_DEFAULT_WORKERS,
  ms,
  num,
  numberOption,
  printTable,
  printTargets,
  ratio,
  runBenchmark,
  startMlflow,
  startSextant,
  stats,
  type Target,
  tempDir,
  type TimingStats,
  writeResults,
} from './harness';

const KEYS = 10;
const STEPS_PER_BATCH = 100;
const POINTS_PER_BATCH = KEYS * STEPS_PER_BATCH;
const BASE_TS = 1_700_000_000_000;

interface Load {
  /** Stop after this many batches per client... */
  batchesPerClient?: number;
  /** ...or when this many milliseconds have passed (no new request starts after it). */
  durationMs?: number;
}

interface IngestResult {
  server: string;
  clients: number;
  points: number;
  requests: number;
  seconds: number;
  pointsPerSecond: number;
  latency: TimingStats;
  verified: { expected: number; found: number; ok: boolean };
}

/** The body of batch `b` of a run: keys `m0..m9`, steps `b*100 .. b*100+99`. */
function batchBody(runId: string, b: number): string {
  const metrics: { key: string; value: number; timestamp: number; step: number }[] = [];
  for (let k = 0; k < KEYS; k++) {
    for (let s = 0; s < STEPS_PER_BATCH; s++) {
      const step = b * STEPS_PER_BATCH + s;
      metrics.push({
        key: `m${k}`,
        value: Math.sin(step / 500 + k) * (k + 1) + step * 1e-4,
        timestamp: BASE_TS + step,
        step,
      });
    }
  }
  return JSON.stringify({ run_id: runId, metrics });
}

async function createRuns(server: BenchServer, n: number, label: string): Promise<string[]> {
  const { experiment_id } = await api<{ experiment_id: string }>(
    server,
    'POST',
    'experiments/create',
    {
      name: `bench-ingest-${label}`,
    },
  );
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { run } = await api<{ run: { info: { run_id: string } } }>(
      server,
      'POST',
      'runs/create',
      {
        experiment_id,
        run_name: `${label}-${i}`,
        start_time: BASE_TS,
      },
    );
    ids.push(run.info.run_id);
  }
  return ids;
}

async function ingest(server: BenchServer, clients: number, load: Load): Promise<IngestResult> {
  // Warm-up: connections, JIT, the server's caches; into a run that is not counted.
  const [warmRun] = await createRuns(server, 1, 'warmup');
  for (let b = 0; b < 3; b++)
    await api(server, 'POST', 'runs/log-batch', batchBody(warmRun as string, b));

  const runs = await createRuns(server, clients, 'client');
  const sent = runs.map(() => 0);
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = load.durationMs !== undefined ? start + load.durationMs : Infinity;
  await Promise.all(
    runs.map(async (runId, c) => {
      for (let b = 0; ; b++) {
        if (load.batchesPerClient !== undefined && b >= load.batchesPerClient) break;
        if (performance.now() >= deadline) break;
        const body = batchBody(runId, b);
        const t0 = performance.now();
        await api(server, 'POST', 'runs/log-batch', body);
        latencies.push(performance.now() - t0);
        sent[c]!++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const points = sent.reduce((s, n) => s + n, 0) * POINTS_PER_BATCH;

  // Every acknowledged point must be readable: count each series through get-history.
  let found = 0;
  let ok = true;
  for (const [c, runId] of runs.entries()) {
    for (let k = 0; k < KEYS; k++) {
      const n = await countHistory(server, runId, `m${k}`);
      found += n;
      if (n !== sent[c]! * STEPS_PER_BATCH) ok = false;
    }
  }
  return {
    server: server.describe,
    clients,
    points,
    requests: latencies.length,
    seconds,
    pointsPerSecond: points / seconds,
    latency: stats(latencies),
    verified: { expected: points, found, ok: ok && found === points },
  };
}

runBenchmark(async (args, cleanup) => {
  const clients = numberOption(args, 'clients', 4);
  const sextantPoints = numberOption(args, 'points', args.quick ? 100_000 : 300_000);
  const mlflowSeconds = numberOption(args, 'mlflow-seconds', args.quick ? 8 : 25);
  const workers = numberOption(args, 'mlflow-workers', MLFLOW_DEFAULT_WORKERS);
  const batchesPerClient = Math.max(1, Math.round(sextantPoints / POINTS_PER_BATCH / clients));

  process.stdout.write(
    `ingest: log-batch of ${POINTS_PER_BATCH} metrics (${KEYS} keys x ${STEPS_PER_BATCH} steps), ${clients} concurrent clients\n` +
      `  sextant: ${num(batchesPerClient * clients * POINTS_PER_BATCH)} points; mlflow: ${mlflowSeconds} s budget\n`,
  );

  const sextantDir = tempDir('ingest-sextant');
  cleanup(async () => fs.rmSync(sextantDir, { recursive: true, force: true }));
  const sextant = await startSextant(sextantDir);
  cleanup(() => sextant.stop());
  process.stdout.write(`  running sextant (${sextant.url}) ...\n`);
  const s = await ingest(sextant, clients, { batchesPerClient });
  await sextant.stop();

  const mlflowDir = tempDir('ingest-mlflow');
  cleanup(async () => fs.rmSync(mlflowDir, { recursive: true, force: true }));
  const mlflow = await startMlflow(mlflowDir, workers);
  cleanup(() => mlflow.stop());
  process.stdout.write(`  running mlflow (${mlflow.url}) for ${mlflowSeconds} s ...\n`);
  const m = await ingest(mlflow, clients, { durationMs: mlflowSeconds * 1000 });
  await mlflow.stop();

  const speedup = s.pointsPerSecond / m.pointsPerSecond;
  const row = (name: string, r: IngestResult): string[] => [
    name,
    num(r.points),
    `${num(r.seconds, 1)} s`,
    num(r.pointsPerSecond),
    ms(r.latency.p50),
    ms(r.latency.p95),
    r.verified.ok
      ? `all ${num(r.verified.found)}`
      : `MISMATCH ${num(r.verified.found)}/${num(r.verified.expected)}`,
  ];
  printTable(
    `Metric ingest (log-batch, ${POINTS_PER_BATCH} metrics/request, ${clients} clients)`,
    ['system', 'points', 'time', 'points/s', 'req p50', 'req p95', 'read back'],
    [row('mlflow', m), row('sextant', s), ['ratio', '', '', ratio(speedup), '', '', '']],
  );
  process.stdout.write(`\n  mlflow:  ${m.server}\n  sextant: ${s.server}\n`);

  const targets: Target[] = [
    { name: 'sextant >= 20x mlflow points/s', met: speedup >= 20, detail: ratio(speedup) },
    {
      name: 'sextant > 100,000 points/s',
      met: s.pointsPerSecond > 100_000,
      detail: `${num(s.pointsPerSecond)} points/s`,
    },
    {
      name: 'every acknowledged point readable (both)',
      met: s.verified.ok && m.verified.ok,
      detail: `sextant ${num(s.verified.found)}/${num(s.verified.expected)}, mlflow ${num(m.verified.found)}/${num(m.verified.expected)}`,
    },
  ];
  printTargets(targets);
  const file = writeResults('ingest', {
    quick: args.quick,
    headline: {
      what: 'log-batch ingest, points/s',
      mlflow: num(m.pointsPerSecond),
      sextant: num(s.pointsPerSecond),
      ratio: speedup,
    },
    config: {
      clients,
      keys: KEYS,
      stepsPerBatch: STEPS_PER_BATCH,
      sextantPoints,
      mlflowSeconds,
      mlflowWorkers: workers,
    },
    mlflow: m,
    sextant: s,
    ratio: speedup,
    targets,
  });
  process.stdout.write(`\nresults: ${file}\n`);
  if (!s.verified.ok || !m.verified.ok) throw new Error('read-back verification failed');
  return targets;
});
