/**
 * One run with a 1,000,000-point metric series, downsampled to 1,000 points for a chart.
 * Sextant: `engine.tracking.sampleMetric(runId, key, 1000)` in-process (M4 over the per-block
 * aggregates) and its `GET metrics/get-history-bulk-interval` over HTTP. The anchor is MLflow's
 * own way of getting a chart's data, `GET /api/2.0/mlflow/metrics/get-history-bulk-interval`
 * with max_results=1000, on the same series loaded straight into MLflow's SQLite tables.
 * Also checks that each sample keeps the series' global minimum and maximum.
 *
 *   node test/dist/bench/history.js [--quick] [--points N] [--calls C] [--mlflow-workers W] [--strict]
 */
import { Engine } from '@sextant/core';
import fs from 'node:fs';
import path from 'node:path';
import {
  api,
  type BenchServer,
  MLFLOW_DEFAULT_WORKERS,
  ms,
  num,
  numberOption,
  printTable,
  printTargets,
  prng,
  ratio,
  runBenchmark,
  runPython,
  startMlflow,
  startSextant,
  stats,
  type Target,
  tempDir,
  timeCalls,
  type TimingStats,
  writeResults,
} from './harness';

const SEED = 7;
const KEY = 'loss';
const BUDGET = 1000;
const BASE_TS = 1_700_000_000_000;
const LOG_BATCH = 1000;

/**
 * A noisy decaying curve with a slow oscillation, plus one spike up and one dip down planted
 * inside the series, so the global extremes are single points a careless sampler would drop.
 */
function generate(n: number): { values: Float64Array; minIndex: number; maxIndex: number } {
  const random = prng(SEED);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = 2 * Math.exp(-i / (n / 4)) + 0.1 * Math.sin(i / 5000) + 0.05 * (random() - 0.5);
  }
  const maxIndex = Math.floor(n * 0.6180339) + 3;
  const minIndex = Math.floor(n * 0.381966) + 7;
  values[maxIndex] = 10;
  values[minIndex] = -10;
  return { values, minIndex, maxIndex };
}

interface HttpResult {
  timing: TimingStats;
  points: number;
  keepsMin: boolean;
  keepsMax: boolean;
  responseBytes: number;
}

async function timeBulkInterval(
  server: BenchServer,
  runId: string,
  calls: number,
  budgetMs: number,
  extremes: { min: number; max: number },
): Promise<HttpResult> {
  const query = `run_ids=${runId}&metric_key=${KEY}&max_results=${BUDGET}`;
  let values: number[] = [];
  let responseBytes = 0;
  const call = async (): Promise<void> => {
    const res = await api<{ metrics?: { value: number | string }[] }>(
      server,
      'GET',
      'metrics/get-history-bulk-interval',
      query,
    );
    values = (res.metrics ?? []).map((m) => Number(m.value));
    responseBytes = JSON.stringify(res).length;
  };
  // Up to `calls` timed calls after one warm-up, stopping early once `budgetMs` is spent (at least 3).
  await call();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < calls && (samples.length < 3 || performance.now() - started < budgetMs)) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return {
    timing: stats(samples),
    points: values.length,
    keepsMin: values.includes(extremes.min),
    keepsMax: values.includes(extremes.max),
    responseBytes,
  };
}

runBenchmark(async (args, cleanup) => {
  const n = numberOption(args, 'points', args.quick ? 200_000 : 1_000_000);
  const calls = numberOption(args, 'calls', args.quick ? 10 : 20);
  const mlflowBudgetMs = (args.quick ? 10 : 30) * 1000;
  const workers = numberOption(args, 'mlflow-workers', MLFLOW_DEFAULT_WORKERS);
  process.stdout.write(
    `history: one run, ${num(n)}-point series '${KEY}', sampled to ${BUDGET} points\n`,
  );

  const { values, minIndex, maxIndex } = generate(n);
  const extremes = { min: values[minIndex] as number, max: values[maxIndex] as number };
  const work = tempDir('history');
  cleanup(async () => fs.rmSync(work, { recursive: true, force: true }));
  const sextantDir = path.join(work, 'sextant');
  const mlflowDir = path.join(work, 'mlflow');
  fs.mkdirSync(mlflowDir);

  // Sextant: the series through the Engine, 1000 points per logBatch.
  const engine = Engine.open({ storeDir: sextantDir });
  const experimentId = await engine.tracking.createExperiment('bench-history');
  const run = await engine.tracking.createRun({
    experimentId,
    runName: 'long-run',
    startTime: BASE_TS,
  });
  const runId = run.info.runId;

  // MLflow: the same points (same run id) with bulk inserts, in parallel with Sextant's load.
  const valuesFile = path.join(work, 'values.f64');
  fs.writeFileSync(valuesFile, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  const dataFile = path.join(work, 'history.json');
  fs.writeFileSync(
    dataFile,
    JSON.stringify({
      experiment: 'bench-history',
      run_id: runId,
      run_name: 'long-run',
      key: KEY,
      start_time: BASE_TS,
      values_file: valuesFile,
      timestamp_base: BASE_TS,
    }),
  );
  const mlflowLoad = runPython('mlflow_load.py', [
    'history',
    path.join(mlflowDir, 'mlflow.db'),
    dataFile,
  ]);
  mlflowLoad.catch(() => undefined);

  let t = performance.now();
  for (let start = 0; start < n; start += LOG_BATCH) {
    const metrics = [];
    for (let i = start; i < Math.min(n, start + LOG_BATCH); i++) {
      metrics.push({ key: KEY, value: values[i] as number, timestamp: BASE_TS + i, step: i });
    }
    await engine.tracking.logBatch(runId, metrics, [], []);
  }
  const sextantLoadSeconds = (performance.now() - t) / 1000;
  process.stdout.write(
    `  sextant: ${num(n)} points logged through the Engine in ${num(sextantLoadSeconds, 1)} s\n`,
  );

  // In-process sample, the path the editor's charts take.
  let sample = await engine.tracking.sampleMetric(runId, KEY, BUDGET);
  const sampleTiming = stats(
    await timeCalls(calls, 2, async () => {
      sample = await engine.tracking.sampleMetric(runId, KEY, BUDGET);
    }),
  );
  await engine.close();
  const sampleKeeps = {
    min: sample.values.includes(extremes.min),
    max: sample.values.includes(extremes.max),
  };

  t = performance.now();
  const loaded = JSON.parse(await mlflowLoad) as { seconds: number };
  process.stdout.write(
    `  mlflow: ${num(n)} points bulk-inserted in ${num(loaded.seconds, 1)} s (waited ${num((performance.now() - t) / 1000, 1)} s more)\n`,
  );

  const sextant = await startSextant(sextantDir);
  cleanup(() => sextant.stop());
  const sHttp = await timeBulkInterval(sextant, runId, calls, mlflowBudgetMs, extremes);
  await sextant.stop();

  const mlflow = await startMlflow(mlflowDir, workers);
  cleanup(() => mlflow.stop());
  process.stdout.write(`  querying mlflow (${mlflow.url}) ...\n`);
  const mHttp = await timeBulkInterval(mlflow, runId, calls, mlflowBudgetMs, extremes);
  await mlflow.stop();

  const yes = (b: boolean): string => (b ? 'yes' : 'NO');
  printTable(
    `Chart data for a ${num(n)}-point series, ${BUDGET}-point budget`,
    ['path', 'calls', 'p50', 'p95', 'points', 'keeps min', 'keeps max', 'mlflow p50 / this p50'],
    [
      [
        'mlflow get-history-bulk-interval (HTTP)',
        String(mHttp.timing.n),
        ms(mHttp.timing.p50),
        ms(mHttp.timing.p95),
        num(mHttp.points),
        yes(mHttp.keepsMin),
        yes(mHttp.keepsMax),
        '1x',
      ],
      [
        'sextant sampleMetric (in-process)',
        String(sampleTiming.n),
        ms(sampleTiming.p50),
        ms(sampleTiming.p95),
        num(sample.steps.length),
        yes(sampleKeeps.min),
        yes(sampleKeeps.max),
        ratio(mHttp.timing.p50 / sampleTiming.p50),
      ],
      [
        'sextant get-history-bulk-interval (HTTP)',
        String(sHttp.timing.n),
        ms(sHttp.timing.p50),
        ms(sHttp.timing.p95),
        num(sHttp.points),
        yes(sHttp.keepsMin),
        yes(sHttp.keepsMax),
        ratio(mHttp.timing.p50 / sHttp.timing.p50),
      ],
    ],
  );
  process.stdout.write(`\n  mlflow:  ${mlflow.describe}\n  sextant: ${sextant.describe}\n`);

  const targets: Target[] = [
    {
      name: 'sextant sampleMetric p50 < 100 ms',
      met: sampleTiming.p50 < 100,
      detail: `${ms(sampleTiming.p50)} (${ratio(mHttp.timing.p50 / sampleTiming.p50)} faster than mlflow's bulk-interval)`,
    },
    {
      name: 'sample within budget and keeps the global min and max',
      met: sample.steps.length <= BUDGET && sampleKeeps.min && sampleKeeps.max,
      detail: `${num(sample.steps.length)} points, min ${yes(sampleKeeps.min)}, max ${yes(sampleKeeps.max)}`,
    },
  ];
  printTargets(targets);
  const file = writeResults('history', {
    quick: args.quick,
    headline: {
      what: `${num(n)}-point series to ${BUDGET} points, p50 (mlflow bulk-interval vs sampleMetric)`,
      mlflow: ms(mHttp.timing.p50),
      sextant: ms(sampleTiming.p50),
      ratio: mHttp.timing.p50 / sampleTiming.p50,
    },
    config: { points: n, budget: BUDGET, seed: SEED, calls, mlflowWorkers: workers },
    load: { sextantSeconds: sextantLoadSeconds, mlflowSeconds: loaded.seconds },
    mlflow: { server: mlflow.describe, bulkInterval: mHttp },
    sextant: {
      server: sextant.describe,
      sampleMetric: {
        timing: sampleTiming,
        points: sample.steps.length,
        keepsMin: sampleKeeps.min,
        keepsMax: sampleKeeps.max,
      },
      bulkInterval: sHttp,
    },
    ratio: {
      sampleMetricVsMlflow: mHttp.timing.p50 / sampleTiming.p50,
      httpVsMlflow: mHttp.timing.p50 / sHttp.timing.p50,
    },
    targets,
  });
  process.stdout.write(`\nresults: ${file}\n`);
  return targets;
});
