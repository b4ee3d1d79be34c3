/**
 * The model registry at 1,000 registered models x 20 versions each (tags on models and versions,
 * `champion` and `challenger` aliases), the same seeded data in both stores: Sextant's registered
 * through its Engine (each version from a run, as `create_model_version` does), MLflow's written
 * straight into its registry tables (mlflow_registry_load.py, in parallel). Then, over HTTP on both
 * servers:
 *
 * - `search_model_versions` with a filter: one model's versions of a given quality, newest first
 *   (`name = '<model>' AND tags.quality = 'high'`, order_by version_number DESC), a model picked
 *   at random per call;
 * - `search_registered_models`: `name LIKE 'bench-model-04%'`, max_results 100 (the first page,
 *   with latest versions, tags and aliases).
 *
 * Both answers must list the same models and versions in the same order.
 *
 *   node test/dist/bench/registry.js [--quick] [--models N] [--versions V] [--queries Q]
 *                                    [--mlflow-workers W] [--warmup W] [--keep DIR] [--strict]
 */
import { EVALUATION_TAGS, Engine } from '@sextant/core';
import fs from 'node:fs';
import path from 'node:path';
import {
  hexId,
  keepAliveClient,
  type KeepAliveClient,
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
  type TimingStats,
  writeResults,
} from './harness';
import { startLanguageServer } from './languageServer';

const SEED = 20261204;
const BASE_TS = 1_700_000_000_000;
const TEAMS = ['fraud', 'churn', 'ads', 'search', 'risk'];
const TASKS = ['classification', 'regression', 'ranking'];
const QUALITIES = ['high', 'medium', 'low'];
const MODEL_FILTER = "name LIKE 'bench-model-04%'";

interface GeneratedVersion {
  version: number;
  created: number;
  run_id: string;
  stage: string;
  tags: Record<string, string>;
}

interface GeneratedModel {
  name: string;
  created: number;
  tags: Record<string, string>;
  aliases: Record<string, number>;
  versions: GeneratedVersion[];
}

function generate(models: number, versions: number): GeneratedModel[] {
  const random = prng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: models }, (_, i) => {
    const created = BASE_TS + i * 1000;
    const champion = 1 + Math.floor(random() * versions);
    const challenger = 1 + Math.floor(random() * versions);
    return {
      name: `bench-model-${String(i).padStart(4, '0')}`,
      created,
      tags: { team: pick(TEAMS), task: pick(TASKS) },
      aliases: { champion, ...(challenger !== champion ? { challenger } : {}) },
      versions: Array.from({ length: versions }, (_, j) => ({
        version: j + 1,
        created: created + j + 1,
        run_id: hexId(random),
        stage: j + 1 === champion ? 'Production' : j + 1 === challenger ? 'Staging' : 'None',
        tags: { quality: pick(QUALITIES), dataset: `d-${Math.floor(random() * 10)}` },
      })),
    };
  });
}

type Connection = { exec(sql: string): void; inTransaction: boolean };

/** Registers the models through the Engine, 1,000 writes per transaction. */
async function populateSextant(dir: string, models: GeneratedModel[]): Promise<void> {
  const engine = Engine.open({ storeDir: dir });
  const db = (engine.tracking.store as unknown as { db?: Connection }).db;
  const who = { user: 'bench' };
  try {
    const experimentId = await engine.tracking.createExperiment('bench-registry');
    const evaluations = await engine.tracking.createExperiment('Evaluations');
    let writes = 0;
    const batch = (): void => {
      if (!db || writes++ % 1000 !== 0) return;
      if (db.inTransaction) db.exec('COMMIT');
      db.exec('BEGIN IMMEDIATE');
    };
    for (const m of models) {
      batch();
      const run = await engine.tracking.createRun({ experimentId, userId: 'bench' });
      await engine.registry.createModel(
        { name: m.name, tags: Object.entries(m.tags).map(([key, value]) => ({ key, value })) },
        who,
      );
      for (const v of m.versions) {
        batch();
        await engine.registry.createVersion(
          {
            name: m.name,
            source: `runs:/${run.info.runId}/model`,
            tags: Object.entries(v.tags).map(([key, value]) => ({ key, value })),
          },
          who,
        );
        if (v.stage !== 'None') {
          await engine.registry.transitionStage(m.name, String(v.version), v.stage, false, who);
        }
      }
      for (const [alias, version] of Object.entries(m.aliases)) {
        await engine.registry.setAlias(m.name, alias, String(version), who);
        // An evaluation of each aliased version, as `sextant evaluate models:/name@alias` records it.
        batch();
        const evaluation = await engine.tracking.createRun({
          experimentId: evaluations,
          userId: 'bench',
          runName: `evaluate ${m.name} v${version} on holdout`,
          tags: [
            { key: EVALUATION_TAGS.evaluation, value: 'true' },
            { key: EVALUATION_TAGS.registeredModel, value: m.name },
            { key: EVALUATION_TAGS.registeredVersion, value: String(version) },
            { key: EVALUATION_TAGS.evalSet, value: 'holdout' },
            { key: EVALUATION_TAGS.task, value: 'classifier' },
          ],
        });
        const runId = evaluation.info.runId;
        await engine.tracking.logBatch(
          runId,
          [{ key: 'accuracy_score', value: 0.8 + version / 1000, timestamp: m.created, step: 0 }],
          [],
          [],
        );
        await engine.tracking.updateRun(runId, { status: 'FINISHED', endTime: m.created + 1 });
      }
    }
    if (db?.inTransaction) db.exec('COMMIT');
  } finally {
    await engine.close();
  }
}

interface QueryResult {
  timing: TimingStats;
  /** `name/version` or model names of the last answer, in order. */
  lastAnswer: string[];
  responseBytes: number;
}

/**
 * Times one query on both servers in alternating blocks of {@link BLOCK} calls (which server goes
 * first alternates too), so both are measured under the same load on the machine rather than one
 * after the other, and each block's calls come back to back as on a server in use. Calls that
 * alternate one by one measured the other server's after-work (a uvicorn worker finishing its
 * request) and the wake-up of an idle process instead.
 */
async function timeQueryOnBoth(
  clients: { mlflow: KeepAliveClient; sextant: KeepAliveClient },
  calls: number,
  warmup: number,
  request: (i: number) => { endpoint: string; query: string },
  read: (body: Record<string, unknown>) => string[],
): Promise<{ mlflow: QueryResult; sextant: QueryResult }> {
  const result = {
    mlflow: { samples: [] as number[], lastAnswer: [] as string[], responseBytes: 0 },
    sextant: { samples: [] as number[], lastAnswer: [] as string[], responseBytes: 0 },
  };
  const call = async (name: 'mlflow' | 'sextant', i: number, timed: boolean): Promise<void> => {
    const { endpoint, query } = request(i);
    const t0 = performance.now();
    const body = await clients[name].get(endpoint, query);
    const took = performance.now() - t0;
    if (timed) result[name].samples.push(took);
    result[name].lastAnswer = read(body);
    result[name].responseBytes = JSON.stringify(body).length;
  };
  await inBlocks(warmup + calls, async (name, i) => call(name, i, i >= warmup));
  const done = (r: typeof result.mlflow): QueryResult => ({
    timing: stats(r.samples),
    lastAnswer: r.lastAnswer,
    responseBytes: r.responseBytes,
  });
  return { mlflow: done(result.mlflow), sextant: done(result.sextant) };
}

/** Calls per server before the other server's turn. */
const BLOCK = 25;

/** Calls `fn` for i = 0 .. total-1 on each server, in blocks of {@link BLOCK} calls in turn. */
async function inBlocks(
  total: number,
  fn: (name: 'mlflow' | 'sextant', i: number) => Promise<void>,
): Promise<void> {
  for (let start = 0, round = 0; start < total; start += BLOCK, round++) {
    const order =
      round % 2 === 0 ? (['sextant', 'mlflow'] as const) : (['mlflow', 'sextant'] as const);
    for (const name of order) {
      for (let i = start; i < Math.min(total, start + BLOCK); i++) await fn(name, i);
    }
  }
}

/**
 * Each server's floor under the same conditions: `GET /health` (a constant answer, no store),
 * called in turn like the searches. A search's p50 minus its server's floor is what the search
 * itself costs there; the floor is the client, the socket and the wake-up of the server process.
 */
async function timeFloorOnBoth(
  clients: { mlflow: KeepAliveClient; sextant: KeepAliveClient },
  calls: number,
  warmup: number,
): Promise<{ mlflow: TimingStats; sextant: TimingStats }> {
  const samples = { mlflow: [] as number[], sextant: [] as number[] };
  await inBlocks(warmup + calls, async (name, i) => {
    const t0 = performance.now();
    await clients[name].getText('/health');
    if (i >= warmup) samples[name].push(performance.now() - t0);
  });
  return { mlflow: stats(samples.mlflow), sextant: stats(samples.sextant) };
}

const versionsOf = (body: Record<string, unknown>): string[] =>
  ((body.model_versions ?? []) as { name: string; version: string }[]).map(
    (v) => `${v.name}/${v.version}`,
  );
const modelsOf = (body: Record<string, unknown>): string[] =>
  ((body.registered_models ?? []) as { name: string }[]).map((m) => m.name);

function versionQuery(
  models: GeneratedModel[],
): (i: number) => { endpoint: string; query: string } {
  return (i) => {
    const model = models[(i * 7919 + 13) % models.length]!;
    const query = new URLSearchParams({
      filter: `name = '${model.name}' AND tags.quality = 'high'`,
      order_by: 'version_number DESC',
    });
    return { endpoint: 'model-versions/search', query: query.toString() };
  };
}

function modelQuery(): { endpoint: string; query: string } {
  return {
    endpoint: 'registered-models/search',
    query: new URLSearchParams({ filter: MODEL_FILTER, max_results: '100' }).toString(),
  };
}

/** One query through the real mlflow client: per server, its timings and its last answer. */
type ClientTimes = Record<'mlflow' | 'sextant', { timing: TimingStats; last: string[] }>;

/**
 * The same two searches as users call them, through the real mlflow client
 * (`MlflowClient().search_model_versions(filter, order_by=...)`, which sends max_results 10000,
 * and `search_registered_models(filter, max_results=100)`), both servers in turn
 * (mlflow_registry_client.py).
 */
async function timeMlflowClient(
  servers: { mlflow: string; sextant: string },
  models: GeneratedModel[],
  calls: number,
  warmup: number,
  specFile: string,
): Promise<{ versions: ClientTimes; models: ClientTimes }> {
  const query = versionQuery(models);
  const filters = Array.from(
    { length: calls + warmup },
    (_, i) => new URLSearchParams(query(i).query).get('filter') as string,
  );
  fs.writeFileSync(
    specFile,
    JSON.stringify({
      servers,
      calls,
      warmup,
      versions: filters,
      order_by: ['version_number DESC'],
      models_filter: MODEL_FILTER,
      models_max_results: 100,
    }),
  );
  type Raw = Record<'mlflow' | 'sextant', { samples: number[]; last: string[] }>;
  const raw = JSON.parse(await runPython('mlflow_registry_client.py', [specFile])) as {
    versions: Raw;
    models: Raw;
  };
  const done = (r: Raw): ClientTimes => ({
    mlflow: { timing: stats(r.mlflow.samples), last: r.mlflow.last },
    sextant: { timing: stats(r.sextant.samples), last: r.sextant.last },
  });
  return { versions: done(raw.versions), models: done(raw.models) };
}

interface ModelsViewResult {
  list: TimingStats;
  expand: TimingStats;
  checked: boolean;
  detail: string;
}

/**
 * The Models view's first page as an IDE asks for it, through the language server process:
 * `sextant/registry/list` (100 models, the tree's page) and `sextant/registry/model` (one model
 * expanded: every version with its key eval metric), a different model per call.
 */
async function measureModelsView(
  storeDir: string,
  folder: string,
  models: GeneratedModel[],
  calls: number,
  warmup: number,
): Promise<ModelsViewResult> {
  const server = await startLanguageServer(storeDir, folder);
  type Summary = { name: string };
  type Expanded = { versions: { version: string; keyMetric?: { value: number } }[] };
  try {
    const list = (): Promise<{ models: Summary[] }> =>
      server.request('sextant/registry/list', { maxResults: 100 });
    const expand = (i: number): Promise<Expanded> =>
      server.request('sextant/registry/model', {
        name: models[(i * 7919 + 13) % models.length]!.name,
      });
    for (let i = 0; i < warmup; i++) await Promise.all([list(), expand(i)]);
    const listSamples: number[] = [];
    const expandSamples: number[] = [];
    let page: { models: Summary[] } = { models: [] };
    let expanded: Expanded = { versions: [] };
    for (let i = 0; i < calls; i++) {
      let t0 = performance.now();
      page = await list();
      listSamples.push(performance.now() - t0);
      t0 = performance.now();
      expanded = await expand(i);
      expandSamples.push(performance.now() - t0);
    }
    const model = models[((calls - 1) * 7919 + 13) % models.length]!;
    const withMetric = expanded.versions.filter((v) => v.keyMetric !== undefined).length;
    const evaluated = new Set(Object.values(model.aliases)).size;
    const checked =
      page.models.length === 100 &&
      page.models[0]?.name === models[0]!.name &&
      expanded.versions.length === model.versions.length &&
      withMetric === evaluated;
    return {
      list: stats(listSamples),
      expand: stats(expandSamples),
      checked,
      detail: `${page.models.length} models listed; ${model.name}: ${expanded.versions.length} versions, ${withMetric} with an eval metric (${evaluated} evaluated)`,
    };
  } finally {
    await server.stop();
  }
}

runBenchmark(async (args, cleanup) => {
  const nModels = numberOption(args, 'models', 1000);
  const nVersions = numberOption(args, 'versions', 20);
  const queries = numberOption(args, 'queries', args.quick ? 20 : 100);
  const workers = numberOption(args, 'mlflow-workers', MLFLOW_DEFAULT_WORKERS);
  process.stdout.write(
    `registry: ${num(nModels)} registered models x ${nVersions} versions (tags, aliases); ${queries} queries each\n`,
  );
  const models = generate(nModels, nVersions);
  // --keep DIR: build both stores in DIR and leave them there (to profile either server after); a
  // later run with the same DIR and sizes reuses them instead of filling them again.
  const keep = args.options.get('keep');
  const work = keep ? path.resolve(keep) : tempDir('registry');
  if (keep) fs.mkdirSync(work, { recursive: true });
  else cleanup(async () => fs.rmSync(work, { recursive: true, force: true }));
  const sextantDir = path.join(work, 'sextant');
  const mlflowDir = path.join(work, 'mlflow');
  const filledFile = path.join(work, 'filled.json');
  const filledAs = JSON.stringify({ seed: SEED, models: nModels, versions: nVersions });
  let load = { sextantSeconds: 0, mlflowSeconds: 0, reused: false };
  if (keep && fs.existsSync(filledFile) && fs.readFileSync(filledFile, 'utf8') === filledAs) {
    load.reused = true;
    process.stdout.write(`  reusing the stores filled before in ${work}\n`);
  } else {
    fs.mkdirSync(mlflowDir);
    const dataFile = path.join(work, 'models.json');
    fs.writeFileSync(dataFile, JSON.stringify({ models }));
    const mlflowLoad = runPython('mlflow_registry_load.py', [
      path.join(mlflowDir, 'mlflow.db'),
      dataFile,
    ]);
    mlflowLoad.catch(() => undefined);
    const t = performance.now();
    await populateSextant(sextantDir, models);
    const sextantSeconds = (performance.now() - t) / 1000;
    process.stdout.write(
      `  sextant registry filled through the Engine in ${num(sextantSeconds, 1)} s\n`,
    );
    const loaded = JSON.parse(await mlflowLoad) as { seconds: number };
    process.stdout.write(
      `  mlflow registry filled with bulk inserts in ${num(loaded.seconds, 1)} s\n`,
    );
    load = { sextantSeconds, mlflowSeconds: loaded.seconds, reused: false };
    if (keep) fs.writeFileSync(filledFile, filledAs);
  }

  // The same untimed calls on both servers first: a cold server's first calls time its JIT (V8
  // optimises a handler after some hundreds of calls; a served registry is called far more).
  // The slow model search warms with fewer calls, as does the Python client (its own process).
  const warmup = numberOption(args, 'warmup', args.quick ? 20 : 200);
  const fewer = Math.max(10, Math.round(warmup / 10));
  // One client, the same for both servers: node:http over one reused keep-alive connection each.
  // Both servers are up together and called in turn, so a busy machine weighs on both alike.
  const sextant = await startSextant(sextantDir);
  cleanup(() => sextant.stop());
  const mlflow = await startMlflow(mlflowDir, workers);
  cleanup(() => mlflow.stop());
  process.stdout.write(
    `  querying mlflow (${mlflow.url}) and sextant (${sextant.url}) in turn ...\n`,
  );
  const clients = { mlflow: keepAliveClient(mlflow), sextant: keepAliveClient(sextant) };
  const versionTimes = await timeQueryOnBoth(
    clients,
    queries,
    warmup,
    versionQuery(models),
    versionsOf,
  );
  const modelTimes = await timeQueryOnBoth(clients, queries, fewer, modelQuery, modelsOf);
  const floor = await timeFloorOnBoth(clients, queries, warmup);
  const connectionsUsed = {
    mlflow: clients.mlflow.connections,
    sextant: clients.sextant.connections,
  };
  clients.mlflow.close();
  clients.sextant.close();
  const client = await timeMlflowClient(
    { mlflow: mlflow.url, sextant: sextant.url },
    models,
    queries,
    fewer,
    path.join(work, 'client.json'),
  );
  await mlflow.stop();
  await sextant.stop();
  const s = { versions: versionTimes.sextant, models: modelTimes.sextant };
  const m = { versions: versionTimes.mlflow, models: modelTimes.mlflow };
  const view = await measureModelsView(sextantDir, work, models, args.quick ? 20 : 50, fewer);

  const rows = [
    ['search_model_versions (name + tag filter)', m.versions, s.versions],
    [`search_registered_models (${MODEL_FILTER}, 100)`, m.models, s.models],
  ] as const;
  printTable(
    `registry over ${num(nModels)} models x ${nVersions} versions`,
    ['query', 'mlflow p50', 'mlflow p95', 'sextant p50', 'sextant p95', 'ratio p50'],
    rows.map(([name, mr, sr]) => [
      name,
      ms(mr.timing.p50),
      ms(mr.timing.p95),
      ms(sr.timing.p50),
      ms(sr.timing.p95),
      ratio(mr.timing.p50 / sr.timing.p50),
    ]),
  );
  process.stdout.write(
    `  floor (GET /health, in turn, same client): mlflow p50 ${ms(floor.mlflow.p50)}, sextant p50 ${ms(floor.sextant.p50)}; search_model_versions above the floor: mlflow ${ms(m.versions.timing.p50 - floor.mlflow.p50)}, sextant ${ms(s.versions.timing.p50 - floor.sextant.p50)}\n`,
  );
  process.stdout.write(`  mlflow:  ${mlflow.describe}\n  sextant: ${sextant.describe}\n`);
  process.stdout.write(
    `  client:  node:http keep-alive, one connection reused (connections opened: mlflow ${connectionsUsed.mlflow}, sextant ${connectionsUsed.sextant})\n`,
  );
  printTable(
    'the same searches through the real mlflow client (MlflowClient, requests session)',
    ['call', 'mlflow p50', 'mlflow p95', 'sextant p50', 'sextant p95', 'ratio p50'],
    [
      ['search_model_versions(filter, order_by)', client.versions],
      ['search_registered_models(filter, max_results=100)', client.models],
    ].map(([name, t]) => {
      const times = t as ClientTimes;
      return [
        name as string,
        ms(times.mlflow.timing.p50),
        ms(times.mlflow.timing.p95),
        ms(times.sextant.timing.p50),
        ms(times.sextant.timing.p95),
        ratio(times.mlflow.timing.p50 / times.sextant.timing.p50),
      ];
    }),
  );
  process.stdout.write(
    `  response bytes (last call): search_model_versions mlflow ${num(m.versions.responseBytes)}, sextant ${num(s.versions.responseBytes)}; search_registered_models mlflow ${num(m.models.responseBytes)}, sextant ${num(s.models.responseBytes)}\n`,
  );
  const same = (a: string[], b: string[]): boolean => a.join('\n') === b.join('\n');
  const checks = {
    versions: same(s.versions.lastAnswer, m.versions.lastAnswer),
    models: same(s.models.lastAnswer, m.models.lastAnswer) && s.models.lastAnswer.length === 100,
    clientVersions:
      same(client.versions.sextant.last, client.versions.mlflow.last) &&
      client.versions.sextant.last.length > 0,
    clientModels:
      same(client.models.sextant.last, client.models.mlflow.last) &&
      client.models.sextant.last.length === 100,
  };
  const versionRatio = m.versions.timing.p50 / s.versions.timing.p50;
  const modelRatio = m.models.timing.p50 / s.models.timing.p50;
  const targets: Target[] = [
    {
      name: 'sextant p50 < 50 ms (both queries)',
      met: s.versions.timing.p50 < 50 && s.models.timing.p50 < 50,
      detail: `${ms(s.versions.timing.p50)}, ${ms(s.models.timing.p50)}`,
    },
    {
      name: 'sextant >= 10x faster than mlflow (p50, both queries)',
      met: versionRatio >= 10 && modelRatio >= 10,
      detail: `${ratio(versionRatio)}, ${ratio(modelRatio)}`,
    },
    {
      name: 'same answers in the same order',
      met: Object.values(checks).every(Boolean),
      detail: JSON.stringify(checks),
    },
  ];
  printTable(
    `the Models view through the language server (stdio), ${num(nModels)} models`,
    ['request', 'p50', 'p95', 'max'],
    [
      ['sextant/registry/list (first page, 100 models)', view.list],
      ['sextant/registry/model (expand one model)', view.expand],
    ].map(([name, t]) => {
      const timing = t as TimingStats;
      return [name as string, ms(timing.p50), ms(timing.p95), ms(timing.max)];
    }),
  );
  targets.push(
    {
      name: "Models view's first page < 300 ms (list + expanding one model, p95)",
      met: view.list.p95 + view.expand.p95 < 300,
      detail: `${ms(view.list.p95)} + ${ms(view.expand.p95)}`,
    },
    {
      name: 'Models view shows what the registry holds',
      met: view.checked,
      detail: view.detail,
    },
  );
  printTargets(targets);
  const file = writeResults('registry', {
    quick: args.quick,
    headline: {
      what: `search_model_versions p50, ${num(nModels)} models x ${nVersions} versions`,
      mlflow: ms(m.versions.timing.p50),
      sextant: ms(s.versions.timing.p50),
      ratio: versionRatio,
    },
    config: {
      models: nModels,
      versions: nVersions,
      seed: SEED,
      queries,
      warmup: { versions: warmup, others: fewer },
      mlflowWorkers: workers,
    },
    load,
    mlflow: { server: mlflow.describe, versions: m.versions.timing, models: m.models.timing },
    sextant: { server: sextant.describe, versions: s.versions.timing, models: s.models.timing },
    ratio: { versions: versionRatio, models: modelRatio },
    floor,
    mlflowClient: {
      versions: {
        mlflow: client.versions.mlflow.timing,
        sextant: client.versions.sextant.timing,
      },
      models: { mlflow: client.models.mlflow.timing, sextant: client.models.sextant.timing },
    },
    responseBytes: {
      versions: { mlflow: m.versions.responseBytes, sextant: s.versions.responseBytes },
      models: { mlflow: m.models.responseBytes, sextant: s.models.responseBytes },
    },
    checks,
    modelsView: view,
    targets,
  });
  process.stdout.write(`\nresults: ${file}\n`);
  return targets;
});
