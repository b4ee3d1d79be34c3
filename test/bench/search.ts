/**
 * search_runs over 100,000 runs (params lr, batch, optimizer; metrics acc, loss) through
 * `POST /api/2.0/mlflow/runs/search` with a params + metrics filter and a metric order_by.
 * Both stores hold the same generated runs (same seed): Sextant's is filled through its Engine,
 * MLflow's with bulk inserts into its SQLite tables (mlflow_load.py, run in parallel). Each
 * server is then queried the same way; the first page of both must equal the expected one.
 *
 * Run ids differ between the two stores: Sextant's Engine assigns its own, and waiting for them
 * before loading MLflow would add the whole load to the run time. Each generated run has a unique
 * name, so pages are compared by run name; the order does not depend on run ids either (acc and
 * start_time are unique, so the run_id tie-breaker never decides).
 *
 * MLflow needs tens of seconds per query at 100k runs, so it gets a time budget rather than a
 * count: as many queries as fit in --mlflow-seconds (at least 2 with max_results 100, 1 with 1000).
 *
 *   node test/dist/bench/search.js [--quick] [--runs N] [--queries Q] [--mlflow-seconds S]
 *                                  [--mlflow-workers W] [--strict]
 */
import { Engine } from '@sextant/core';
import fs from 'node:fs';
import path from 'node:path';
import {
  api,
  type BenchServer,
  hexId,
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

const SEED = 20240601;
const BASE_TS = 1_700_000_000_000;
const LRS = ['0.1', '0.01', '0.001', '0.0001'];
const BATCHES = ['16', '32', '64', '128', '256'];
const OPTIMIZERS = ['adam', 'sgd', 'adamw', 'rmsprop'];

const FILTER = "params.optimizer = 'adam' and metrics.acc > 0.9";
const ORDER_BY = ['metrics.acc DESC'];

interface GeneratedRun {
  /** The run id in MLflow's store (Sextant assigns its own). */
  mlflowId: string;
  name: string;
  startTime: number;
  lr: string;
  batch: string;
  optimizer: string;
  acc: number;
  loss: number;
}

function generate(n: number): GeneratedRun[] {
  const random = prng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: n }, (_, i) => ({
    mlflowId: hexId(random),
    name: `run-${String(i).padStart(6, '0')}`,
    startTime: BASE_TS + i * 1000,
    lr: pick(LRS),
    batch: pick(BATCHES),
    optimizer: pick(OPTIMIZERS),
    acc: random(),
    loss: random() * 2,
  }));
}

/** Names of the runs the query must return, in order (ties: start_time DESC, as MLflow). */
function expectedOrder(runs: GeneratedRun[]): string[] {
  return runs
    .filter((r) => r.optimizer === 'adam' && r.acc > 0.9)
    .sort((a, b) => b.acc - a.acc || b.startTime - a.startTime)
    .map((r) => r.name);
}

/** The store's SQLite connection, when the Engine's store keeps one (SqliteTrackingStore does). */
interface Connection {
  exec(sql: string): unknown;
  readonly inTransaction: boolean;
}

/**
 * Fills Sextant's store through the Engine (createRun + logBatch per run); returns the
 * experiment id. Every call runs its usual transaction, but 1000 runs at a time share one outer
 * transaction on the store's connection (the calls' own become savepoints), as a bulk import
 * would: a commit per call would make this ~40% slower and the benchmark longer, for the same
 * rows in the end.
 */
async function populateSextant(dir: string, runs: GeneratedRun[]): Promise<string> {
  const engine = Engine.open({ storeDir: dir });
  const db = (engine.tracking.store as unknown as { db?: Connection }).db;
  try {
    const experimentId = await engine.tracking.createExperiment('bench-search');
    for (const [i, r] of runs.entries()) {
      if (db && i % 1000 === 0) {
        if (db.inTransaction) db.exec('COMMIT');
        db.exec('BEGIN IMMEDIATE');
      }
      const run = await engine.tracking.createRun({
        experimentId,
        runName: r.name,
        userId: 'bench',
        startTime: r.startTime,
        tags: [{ key: 'mlflow.user', value: 'bench' }],
      });
      await engine.tracking.logBatch(
        run.info.runId,
        [
          { key: 'acc', value: r.acc, timestamp: BASE_TS, step: 0 },
          { key: 'loss', value: r.loss, timestamp: BASE_TS, step: 0 },
        ],
        [
          { key: 'lr', value: r.lr },
          { key: 'batch', value: r.batch },
          { key: 'optimizer', value: r.optimizer },
        ],
        [],
      );
    }
    if (db?.inTransaction) db.exec('COMMIT');
    return experimentId;
  } finally {
    await engine.close();
  }
}

interface QueryResult {
  maxResults: number;
  timing: TimingStats;
  /** Run names of the page, in order. */
  firstPage: string[];
  responseBytes: number;
}

interface Plan {
  /** Untimed calls first. */
  warmup: number;
  /** At most this many timed calls... */
  calls: number;
  /** ...and no new one once this much time is spent, provided `min` were made. */
  budgetMs: number;
  min: number;
}

async function timeSearch(
  server: BenchServer,
  experimentId: string,
  maxResults: number,
  plan: Plan,
): Promise<QueryResult> {
  const body = JSON.stringify({
    experiment_ids: [experimentId],
    filter: FILTER,
    order_by: ORDER_BY,
    max_results: maxResults,
  });
  let firstPage: string[] = [];
  let responseBytes = 0;
  const call = async (): Promise<void> => {
    const res = await api<{ runs?: { info: { run_name: string } }[] }>(
      server,
      'POST',
      'runs/search',
      body,
    );
    firstPage = (res.runs ?? []).map((r) => r.info.run_name);
    responseBytes = JSON.stringify(res).length;
  };
  for (let i = 0; i < plan.warmup; i++) await call();
  const samples: number[] = [];
  const started = performance.now();
  while (
    samples.length < plan.calls &&
    (samples.length < plan.min || performance.now() - started < plan.budgetMs)
  ) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return { maxResults, timing: stats(samples), firstPage, responseBytes };
}

function samePage(got: string[], expected: string[]): { ok: boolean; detail: string } {
  if (got.length !== expected.length)
    return { ok: false, detail: `${got.length} runs, expected ${expected.length}` };
  const at = got.findIndex((id, i) => id !== expected[i]);
  return at < 0
    ? { ok: true, detail: `${got.length} runs, same order` }
    : { ok: false, detail: `first difference at #${at}` };
}

runBenchmark(async (args, cleanup) => {
  const n = numberOption(args, 'runs', args.quick ? 20_000 : 100_000);
  const queries = numberOption(args, 'queries', args.quick ? 10 : 30);
  const queries1000 = Math.max(3, Math.round(queries / 3));
  const mlflowSeconds = numberOption(args, 'mlflow-seconds', args.quick ? 15 : 45);
  const workers = numberOption(args, 'mlflow-workers', MLFLOW_DEFAULT_WORKERS);
  process.stdout.write(
    `search: ${num(n)} runs; filter "${FILTER}", order_by ${ORDER_BY.join(', ')}\n` +
      `  sextant: ${queries} queries with max_results 100, ${queries1000} with max_results 1000;\n` +
      `  mlflow: the same counts at most, within ${mlflowSeconds} s (at least 2 and 1)\n`,
  );

  const runs = generate(n);
  const work = tempDir('search');
  cleanup(async () => fs.rmSync(work, { recursive: true, force: true }));
  const sextantDir = path.join(work, 'sextant');
  const mlflowDir = path.join(work, 'mlflow');
  fs.mkdirSync(mlflowDir);

  // The same runs straight into MLflow's tables, in a second process while Sextant's fills.
  const dataFile = path.join(work, 'runs.json');
  fs.writeFileSync(
    dataFile,
    JSON.stringify({
      experiment: 'bench-search',
      metric_timestamp: BASE_TS,
      runs: runs.map((r) => [
        r.mlflowId,
        r.name,
        r.startTime,
        r.lr,
        r.batch,
        r.optimizer,
        r.acc,
        r.loss,
      ]),
    }),
  );
  const mlflowLoad = runPython('mlflow_load.py', [
    'runs',
    path.join(mlflowDir, 'mlflow.db'),
    dataFile,
  ]);
  mlflowLoad.catch(() => undefined);

  const t = performance.now();
  const sextantExperiment = await populateSextant(sextantDir, runs);
  const sextantLoadSeconds = (performance.now() - t) / 1000;
  process.stdout.write(
    `  sextant store filled through the Engine in ${num(sextantLoadSeconds, 1)} s\n`,
  );
  const loaded = JSON.parse(await mlflowLoad) as { experiment_id: string; seconds: number };
  const mlflowLoadSeconds = loaded.seconds;
  process.stdout.write(
    `  mlflow database filled with bulk inserts in ${num(mlflowLoadSeconds, 1)} s (in parallel)\n`,
  );

  const expected = expectedOrder(runs);
  process.stdout.write(`  ${num(expected.length)} runs match the filter\n`);

  const sextant = await startSextant(sextantDir);
  cleanup(() => sextant.stop());
  const sextantPlan = (calls: number): Plan => ({
    warmup: 2,
    calls,
    budgetMs: Infinity,
    min: calls,
  });
  const s100 = await timeSearch(sextant, sextantExperiment, 100, sextantPlan(queries));
  const s1000 = await timeSearch(sextant, sextantExperiment, 1000, sextantPlan(queries1000));
  await sextant.stop();

  // The same query in-process (no HTTP, no JSON), to split query time from serving time.
  const engine = Engine.open({ storeDir: sextantDir, create: false });
  const inProcess = stats(
    await timeCalls(queries, 2, () =>
      engine.tracking.searchRuns({
        experimentIds: [sextantExperiment],
        filter: FILTER,
        orderBy: ORDER_BY,
        maxResults: 100,
      }),
    ),
  );
  await engine.close();

  const mlflow = await startMlflow(mlflowDir, workers);
  cleanup(() => mlflow.stop());
  process.stdout.write(`  querying mlflow (${mlflow.url}) ...\n`);
  // No warm-up call: at seconds per query, a cold worker's start-up is noise.
  const m100 = await timeSearch(mlflow, loaded.experiment_id, 100, {
    warmup: 0,
    calls: queries,
    budgetMs: (mlflowSeconds * 1000 * 2) / 3,
    min: 2,
  });
  const m1000 = await timeSearch(mlflow, loaded.experiment_id, 1000, {
    warmup: 0,
    calls: queries1000,
    budgetMs: (mlflowSeconds * 1000) / 3,
    min: 1,
  });
  await mlflow.stop();

  const rows = [
    ['max_results 100', m100, s100],
    ['max_results 1000', m1000, s1000],
  ] as const;
  printTable(
    `search_runs over ${num(n)} runs (${FILTER}; order_by ${ORDER_BY.join(', ')})`,
    [
      'query',
      'mlflow n',
      'mlflow p50',
      'mlflow p95',
      'sextant n',
      'sextant p50',
      'sextant p95',
      'ratio p50',
    ],
    rows.map(([name, m, s]) => [
      name,
      String(m.timing.n),
      ms(m.timing.p50),
      ms(m.timing.p95),
      String(s.timing.n),
      ms(s.timing.p50),
      ms(s.timing.p95),
      ratio(m.timing.p50 / s.timing.p50),
    ]),
  );
  process.stdout.write(
    `\n  sextant in-process (engine.tracking.searchRuns, max_results 100): p50 ${ms(inProcess.p50)}, p95 ${ms(inProcess.p95)}\n`,
  );
  process.stdout.write(`  mlflow:  ${mlflow.describe}\n  sextant: ${sextant.describe}\n`);

  const checks = {
    sextant100: samePage(s100.firstPage, expected.slice(0, 100)),
    mlflow100: samePage(m100.firstPage, expected.slice(0, 100)),
    sextant1000: samePage(s1000.firstPage, expected.slice(0, 1000)),
    mlflow1000: samePage(m1000.firstPage, expected.slice(0, 1000)),
  };
  process.stdout.write('\nFirst pages against the expected order (by run name)\n');
  for (const [name, c] of Object.entries(checks))
    process.stdout.write(`  ${name}: ${c.ok ? 'ok' : 'DIFFERENT'} (${c.detail})\n`);

  const speedup = m100.timing.p50 / s100.timing.p50;
  const targets: Target[] = [
    {
      name: 'sextant p50 < 100 ms (max_results 100)',
      met: s100.timing.p50 < 100,
      detail: ms(s100.timing.p50),
    },
    {
      name: 'sextant >= 10x faster than mlflow (p50, max_results 100)',
      met: speedup >= 10,
      detail: ratio(speedup),
    },
    {
      name: 'same runs in the same order (both, both page sizes)',
      met: Object.values(checks).every((c) => c.ok),
      detail: Object.values(checks).every((c) => c.ok) ? 'yes' : 'no, see above',
    },
  ];
  printTargets(targets);
  const file = writeResults('search', {
    quick: args.quick,
    headline: {
      what: `search_runs p50, ${num(n)} runs, max_results 100`,
      mlflow: ms(m100.timing.p50),
      sextant: ms(s100.timing.p50),
      ratio: speedup,
    },
    config: {
      runs: n,
      seed: SEED,
      filter: FILTER,
      orderBy: ORDER_BY,
      queries,
      queries1000,
      mlflowSeconds,
      mlflowWorkers: workers,
    },
    matching: expected.length,
    load: { sextantSeconds: sextantLoadSeconds, mlflowSeconds: mlflowLoadSeconds },
    mlflow: {
      server: mlflow.describe,
      max100: { ...m100, firstPage: undefined },
      max1000: { ...m1000, firstPage: undefined },
    },
    sextant: {
      server: sextant.describe,
      max100: { ...s100, firstPage: undefined },
      max1000: { ...s1000, firstPage: undefined },
      inProcess100: inProcess,
    },
    ratio: { max100: speedup, max1000: m1000.timing.p50 / s1000.timing.p50 },
    checks,
    targets,
  });
  process.stdout.write(`\nresults: ${file}\n`);
  return targets;
});
