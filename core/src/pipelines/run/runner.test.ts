import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalArtifactStore } from '../../artifacts';
import { Engine } from '../../engine';
import { openDatabase } from '../../store';
import { TrackingService, SqliteTrackingStore } from '../../tracking';
import type {
  PipelineEvent,
  PipelineRun,
  ResolvedPipeline,
  ResolvedStep,
  StepParam,
} from '../../model/pipeline';
import { isAlive, testLocation, testStep } from '../../testing/steps';
import { PipelineService } from './runner';
import { PIPELINE_TAGS } from '../../model/pipeline';
import { artifactRootOf } from './tracking';

/** A resolved step named `name` with the defaults the spec loader fills in. */
const step = (name: string, run: string, extra: Partial<ResolvedStep> = {}): ResolvedStep =>
  testStep(run, { name, ...extra });

function pipelineOf(root: string, steps: ResolvedStep[], name = 'demo'): ResolvedPipeline {
  return {
    name,
    file: path.join(root, 'sextant.yaml'),
    root,
    steps,
    compute: [],
    triggers: [],
    location: testLocation,
  };
}

/** Whether a process has exited (gone, or a zombie waiting for its reaper), within 3 s. */
export async function processGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 3_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const param = (key: string, value: unknown): StepParam => ({ file: 'params.yaml', key, value });

/** prepare → train → evaluate over shell commands, with `scale` as train's param. */
function chain(root: string, scale: number): ResolvedPipeline {
  return pipelineOf(root, [
    step('prepare', 'mkdir -p data && seq 1 5 > data/raw.txt && echo prepared', {
      deps: ['input.txt'],
      outputs: ['data'],
    }),
    step('train', `awk '{s += $1 * ${scale}} END {print s}' data/raw.txt > model.txt`, {
      deps: ['data'],
      params: [param('train.scale', scale)],
      outputs: ['model.txt'],
      upstream: ['prepare'],
      artifacts: ['model.txt'],
    }),
    step(
      'evaluate',
      'echo "{\\"score\\": $(cat model.txt), \\"nested\\": {\\"ok\\": 1}}" > metrics.json',
      {
        deps: ['model.txt'],
        metrics: ['metrics.json'],
        upstream: ['train'],
      },
    ),
  ]);
}

describe('the pipeline runner', () => {
  let store: string;
  let root: string;
  let engine: Engine;
  const events: PipelineEvent[] = [];

  before(() => {
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-run-store-'));
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-run-ws-'));
    fs.writeFileSync(path.join(root, 'input.txt'), 'hello\n');
    engine = Engine.open({ storeDir: store });
    engine.pipelines.onEvent((e) => events.push(e));
  });

  after(async () => {
    await engine.close();
    fs.rmSync(store, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  });

  const run = async (p: ResolvedPipeline, options = {}): Promise<PipelineRun> => {
    const started = await engine.pipelines.startPipeline(p, options);
    return started.finished;
  };
  const statuses = (r: PipelineRun): Record<string, string> =>
    Object.fromEntries(r.steps.map((s) => [s.step, s.status]));

  it('plans every step to run at first, runs them in order and records each as a child run', async () => {
    const p = chain(root, 2);
    assert.deepEqual(
      (await engine.pipelines.planPipeline(p)).map((s) => s.action),
      ['run', 'run', 'run'],
    );
    const first = await run(p);
    assert.equal(first.status, 'done', JSON.stringify(first.steps));
    assert.deepEqual(statuses(first), { prepare: 'done', train: 'done', evaluate: 'done' });
    assert.equal(fs.readFileSync(path.join(root, 'model.txt'), 'utf8').trim(), '30');

    const parent = await engine.tracking.getRun(first.runId as string);
    assert.equal(parent.info.status, 'FINISHED');
    const train = first.steps.find((s) => s.step === 'train')!;
    const child = await engine.tracking.getRun(train.runId as string);
    const tags = Object.fromEntries(child.data.tags.map((t) => [t.key, t.value]));
    assert.equal(tags[PIPELINE_TAGS.parent], first.runId);
    assert.equal(tags[PIPELINE_TAGS.step], 'train');
    assert.equal(tags[PIPELINE_TAGS.cached], 'false');
    assert.equal(tags['sextant.command'], p.steps[1]?.run);
    assert.equal(
      tags['mlflow.source.name'],
      p.file,
      'the source of a step run is its pipeline file',
    );
    assert.match(train.cacheKey ?? '', /^[0-9a-f]{64}$/, 'the cache key is in the step record');
    assert.deepEqual(child.data.params, [{ key: 'train.scale', value: '2' }]);
    assert.equal(child.info.status, 'FINISHED');

    const evaluate = first.steps.find((s) => s.step === 'evaluate')!;
    const evalRun = await engine.tracking.getRun(evaluate.runId as string);
    const metrics = Object.fromEntries(evalRun.data.metrics.map((m) => [m.key, m.value]));
    assert.deepEqual(metrics, { score: 30, 'nested.ok': 1 });

    const log = await engine.pipelines.stepLog(first.pipelineRunId, 'prepare');
    assert.equal(log.stdout, 'prepared\n');
    assert.equal(log.truncated, false);
    const kinds = events.filter((e) => e.type === 'step-status').map((e) => e.type);
    assert.ok(kinds.length >= 6);
    assert.ok(events.some((e) => e.type === 'step-log' && e.text.includes('prepared')));
  });

  it('takes unchanged steps from the cache, restoring deleted outputs byte for byte', async () => {
    const p = chain(root, 2);
    assert.deepEqual(
      (await engine.pipelines.planPipeline(p)).map((s) => s.action),
      ['cached', 'cached', 'cached'],
    );
    const before = fs.readFileSync(path.join(root, 'data', 'raw.txt'));
    fs.rmSync(path.join(root, 'data'), { recursive: true });
    fs.writeFileSync(path.join(root, 'model.txt'), 'tampered');
    const changed = new Set<string>();
    const onChanged = ({ runId }: { runId: string }): void => void changed.add(runId);
    engine.tracking.events.on('runChanged', onChanged);
    const second = await run(p).finally(() => engine.tracking.events.off('runChanged', onChanged));
    assert.deepEqual(statuses(second), { prepare: 'cached', train: 'cached', evaluate: 'cached' });
    for (const step of second.steps) {
      const cachedRun = await engine.tracking.getRun(step.runId as string);
      const tags = Object.fromEntries(cachedRun.data.tags.map((t) => [t.key, t.value]));
      assert.equal(cachedRun.info.status, 'FINISHED', step.step);
      assert.ok(cachedRun.info.endTime, step.step);
      assert.equal(tags[PIPELINE_TAGS.parent], second.runId);
      assert.equal(tags[PIPELINE_TAGS.step], step.step);
      assert.ok(tags[PIPELINE_TAGS.cachedFrom], 'a cached run names the run that made it');
      assert.ok(changed.has(step.runId as string), 'a cached run is announced to listeners');
      const edges = engine.pipelines.lineage.byExecution(
        second.pipelineRunId,
        step.step,
        'produced',
      );
      assert.ok(edges.length > 0 && edges.every((e) => e.cached), step.step);
    }
    const cachedEval = await engine.tracking.getRun(
      second.steps.find((s) => s.step === 'evaluate')!.runId as string,
    );
    assert.deepEqual(
      Object.fromEntries(cachedEval.data.metrics.map((m) => [m.key, m.value])),
      { score: 30, 'nested.ok': 1 },
      'a cached step logs the metrics in its metrics files',
    );
    assert.deepEqual(fs.readFileSync(path.join(root, 'data', 'raw.txt')), before);
    assert.equal(fs.readFileSync(path.join(root, 'model.txt'), 'utf8').trim(), '30');
    const train = second.steps.find((s) => s.step === 'train')!;
    const child = await engine.tracking.getRun(train.runId as string);
    assert.equal(child.data.tags.find((t) => t.key === PIPELINE_TAGS.cached)?.value, 'true');
    const artifactRoot = artifactRootOf(child.info.artifactUri);
    assert.ok(
      await engine.artifacts.exists(`${artifactRoot}/model.txt`),
      'artifacts: of a cached step',
    );
    const log = await engine.pipelines.stepLog(second.pipelineRunId, 'prepare');
    assert.equal(log.stdout, 'prepared\n', 'a cached step keeps the log of the run that made it');
    const prepare = second.steps.find((s) => s.step === 'prepare')!;
    const prepareRun = await engine.tracking.getRun(prepare.runId as string);
    const prepareRoot = artifactRootOf(prepareRun.info.artifactUri);
    assert.ok(await engine.artifacts.exists(`${prepareRoot}/logs/stdout.txt`));
    assert.equal(
      await engine.artifacts.exists(`${prepareRoot}/logs/stderr.txt`),
      false,
      'a stream the step wrote nothing to is stored as no log at all',
    );
  });

  it('re-runs exactly the steps downstream of a changed param, and reports them stale first', async () => {
    const p = chain(root, 3);
    const states = await engine.pipelines.statesOf(p);
    assert.equal(states.prepare?.status, 'cached');
    assert.equal(states.train?.status, 'stale');
    assert.equal(
      states.evaluate?.status,
      'stale',
      "it reads train's output: it runs next time too",
    );
    assert.deepEqual(
      (await engine.pipelines.planPipeline(p)).map((s) => `${s.step}:${s.action}`),
      ['prepare:cached', 'train:run', 'evaluate:run'],
    );
    const third = await run(p);
    assert.deepEqual(statuses(third), { prepare: 'cached', train: 'done', evaluate: 'done' });
    assert.equal(fs.readFileSync(path.join(root, 'model.txt'), 'utf8').trim(), '45');
    const forced = await run(p, { force: true, step: 'train' });
    assert.deepEqual(statuses(forced), { prepare: 'done', train: 'done' });
  });

  it('records lineage: what produced the metrics, what used the input', async () => {
    const up = engine.lineage.query({ path: 'metrics.json', direction: 'upstream' });
    const steps = up.nodes.flatMap((n) => (n.kind === 'execution' ? [n.step] : [])).sort();
    assert.deepEqual([...new Set(steps)], ['evaluate', 'prepare', 'train']);
    assert.ok(up.nodes.some((n) => n.kind === 'artifact' && n.path === 'input.txt'));
    const down = engine.lineage.query({ path: 'input.txt', direction: 'downstream', depth: 1 });
    assert.ok(down.nodes.some((n) => n.kind === 'artifact' && n.path === 'data'));
    assert.ok(!down.nodes.some((n) => n.kind === 'artifact' && n.path === 'model.txt'));

    const events = engine.lineage.exportOpenLineage();
    assert.ok(events.length >= 6);
    const complete = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'demo.train');
    assert.ok(complete);
    assert.match(
      complete.run.runId,
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(complete.outputs[0]?.name, 'model.txt');
    assert.match(String(complete.outputs[0]?.facets.version?.datasetVersion), /^md5:[0-9a-f]{32}$/);
    assert.equal(complete.inputs[0]?.name, 'data');
  });

  it('skips the steps downstream of a failure and fails the run', async () => {
    const p = pipelineOf(
      root,
      [
        step('bad', 'echo oops >&2; exit 3', { outputs: ['bad.txt'] }),
        step('after', 'cp bad.txt after.txt', {
          deps: ['bad.txt'],
          outputs: ['after.txt'],
          upstream: ['bad'],
        }),
        step('independent', 'echo fine > fine.txt', { outputs: ['fine.txt'] }),
      ],
      'failing',
    );
    const result = await run(p);
    assert.equal(result.status, 'failed');
    const bad = result.steps.find((s) => s.step === 'bad')!;
    assert.equal(bad.status, 'failed');
    assert.equal(bad.exitCode, 3);
    assert.match(bad.reason ?? '', /exited with code 3/);
    assert.deepEqual(statuses(result), { bad: 'failed', after: 'skipped', independent: 'done' });
    assert.match(result.steps[1]?.reason ?? '', /upstream step 'bad' failed/);
    assert.equal((await engine.pipelines.stepLog(result.pipelineRunId, 'bad')).stderr, 'oops\n');
    assert.equal((await engine.tracking.getRun(bad.runId as string)).info.status, 'FAILED');
  });

  it('retries a failing step and stops one that runs past its timeout', async () => {
    const counter = path.join(root, 'attempts');
    const p = pipelineOf(
      root,
      [
        step(
          'flaky',
          `echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 2 ] && echo ok > flaky.txt`,
          {
            outputs: ['flaky.txt'],
            retries: 2,
          },
        ),
        step('slow', 'sleep 20', { timeoutSec: 1 }),
      ],
      'retrying',
    );
    const started = Date.now();
    const result = await run(p);
    assert.ok(Date.now() - started < 15_000, 'the timeout did not stop the step');
    const flaky = result.steps.find((s) => s.step === 'flaky')!;
    assert.equal(flaky.status, 'done');
    assert.equal(flaky.attempts, 2);
    const slow = result.steps.find((s) => s.step === 'slow')!;
    assert.equal(slow.status, 'failed');
    assert.match(slow.reason ?? '', /timed out after 1 s/);
  });

  it('runs independent steps in parallel only as far as the declared resources allow', async () => {
    const stamp = (name: string): string =>
      `date +%s%N > ${name}.start; sleep 1.5; date +%s%N > ${name}.end`;
    const window = (name: string): [number, number] => [
      Number(fs.readFileSync(path.join(root, `${name}.start`), 'utf8')),
      Number(fs.readFileSync(path.join(root, `${name}.end`), 'utf8')),
    ];
    const overlaps = (a: string, b: string): boolean => {
      const [as, ae] = window(a);
      const [bs, be] = window(b);
      return as < be && bs < ae;
    };
    const light = pipelineOf(root, [step('a', stamp('a')), step('b', stamp('b'))], 'light');
    assert.equal((await run(light)).status, 'done');
    assert.ok(overlaps('a', 'b'), 'two 1-cpu steps did not run at once');
    const whole = { cpu: os.availableParallelism(), gpu: 0, memoryMb: 0 };
    const heavy = pipelineOf(
      root,
      [step('c', stamp('c'), { resources: whole }), step('d', stamp('d'), { resources: whole })],
      'heavy',
    );
    assert.equal((await run(heavy)).status, 'done');
    assert.ok(!overlaps('c', 'd'), 'two steps that each need every core ran at once');
  });

  it('cancels a run: the step process tree is gone and the step is cancelled', async () => {
    const pidFile = path.join(root, 'sleeper.pid');
    const p = pipelineOf(
      root,
      [
        step('long', `echo started; sh -c 'sleep 60 & echo $! > ${pidFile}; wait'`),
        step('later', 'true', { upstream: ['long'] }),
      ],
      'cancelling',
    );
    const { run: started, finished } = await engine.pipelines.startPipeline(p);
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8').trim() === '') {
      assert.ok(Date.now() < deadline, 'the step did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
    await assert.rejects(engine.pipelines.startPipeline(p), /'cancelling' is already running/);
    const live = await engine.pipelines.stepLog(started.pipelineRunId, 'long');
    assert.equal(live.stdout, 'started\n', 'the log of a running step');
    const cancelled = await engine.pipelines.cancel(started.pipelineRunId);
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(statuses(cancelled), { long: 'cancelled', later: 'cancelled' });
    assert.equal((await finished).status, 'cancelled');
    assert.ok(await processGone(sleeper), 'the grandchild sleep survived');
    const stored = engine.pipelines.getRun(started.pipelineRunId);
    assert.equal(stored.status, 'cancelled');
    const runId = stored.steps[0]?.runId as string;
    assert.equal((await engine.tracking.getRun(runId)).info.status, 'KILLED');
  });

  it('cancels a step that waits for its turn: it never starts, and its run is recorded killed', async () => {
    const whole = { cpu: os.availableParallelism(), gpu: 0, memoryMb: 0 };
    const marker = path.join(root, 'waiter-ran.txt');
    const p = pipelineOf(
      root,
      [
        step('hog', 'echo hog; sleep 30', { resources: whole }),
        step('waiter', `touch ${marker}`, { resources: whole }),
      ],
      'queued-cancel',
    );
    const { run: started, finished } = await engine.pipelines.startPipeline(p);
    const deadline = Date.now() + 10_000;
    const now = (): Record<string, string> =>
      statuses(engine.pipelines.getRun(started.pipelineRunId));
    while (now().hog !== 'running') {
      assert.ok(Date.now() < deadline, 'the first step did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(now().waiter, 'queued', 'the second waits for the cores');
    const waiting = engine.pipelines.getRun(started.pipelineRunId).steps[1];
    assert.equal(waiting?.runId, undefined, 'a waiting step has no tracking run yet');

    await engine.pipelines.cancel(started.pipelineRunId);
    const ended = await finished;
    assert.deepEqual(statuses(ended), { hog: 'cancelled', waiter: 'cancelled' });
    assert.ok(!fs.existsSync(marker), 'the waiting step never ran');
    const waiter = ended.steps[1];
    const tracked = await engine.tracking.getRun(waiter?.runId as string);
    assert.equal(tracked.info.status, 'KILLED', 'its run is recorded, ended');
    assert.equal(tracked.info.startTime, tracked.info.endTime);
  });

  it('sends a step to the Ray target it names, and fails one naming an undeclared target', async () => {
    const p: ResolvedPipeline = {
      ...pipelineOf(
        root,
        [
          step('remote', 'echo hi', { compute: 'cluster' }),
          step('nowhere', 'echo hi', { compute: 'moon' }),
        ],
        'computing',
      ),
      compute: [{ name: 'cluster', kind: 'ray', address: 'http://127.0.0.1:9' }],
    };
    const result = await run(p);
    const remote = result.steps.find((s) => s.step === 'remote')!;
    assert.equal(remote.status, 'failed');
    assert.equal(remote.compute, 'cluster');
    assert.match(remote.reason ?? '', /127\.0\.0\.1:9|Ray|ECONNREFUSED/i);
    const nowhere = result.steps.find((s) => s.step === 'nowhere')!;
    assert.equal(nowhere.status, 'failed');
    assert.match(nowhere.reason ?? '', /compute target 'moon'/);
  });

  it('fails a step whose dependency is missing, naming it', async () => {
    const p = pipelineOf(root, [step('needs', 'true', { deps: ['nowhere.csv'] })], 'missing');
    const result = await run(p);
    assert.equal(result.steps[0]?.status, 'failed');
    assert.match(result.steps[0]?.reason ?? '', /'nowhere.csv' does not exist/);
  });

  it('refuses paths outside the workspace before running anything', async () => {
    const p = pipelineOf(root, [step('escape', 'true', { outputs: ['../outside.txt'] })], 'escape');
    await assert.rejects(engine.pipelines.startPipeline(p), /inside the workspace/);
    assert.equal(engine.pipelines.listRuns({ pipeline: 'escape' }).length, 0);
  });
});

describe('environments', () => {
  it('provisions a step with requirements: its bin first on PATH, the file in the cache key', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-'));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-ws-'));
    // The runner shares its database connection with its tracking store, as the engine's does.
    const db = openDatabase(store, { create: true });
    const tracking = new TrackingService(new SqliteTrackingStore(db));
    const requests: string[] = [];
    const service = new PipelineService({
      storeDir: store,
      db,
      tracking,
      artifacts: new LocalArtifactStore(path.join(store, 'artifacts')),
      provision: async (request) => {
        requests.push(request.requirements);
        assert.equal(request.cacheDir, path.join(store, 'envs'));
        const bin = path.join(request.cacheDir, 'fake', 'bin');
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, 'hello'), '#!/bin/sh\necho from the environment\n', {
          mode: 0o755,
        });
        request.onOutput('stderr', 'provisioned\n');
        return {
          binDir: bin,
          id: fs.readFileSync(request.requirements, 'utf8').trim(),
          reused: false,
        };
      },
    });
    try {
      fs.writeFileSync(path.join(root, 'requirements.txt'), 'numpy==2.0\n');
      const p = pipelineOf(root, [
        step('greet', 'hello > out.txt', {
          outputs: ['out.txt'],
          environment: { vars: {}, requirements: 'requirements.txt' },
        }),
      ]);
      const { finished } = await service.startPipeline(p);
      const result = await finished;
      assert.equal(result.status, 'done', JSON.stringify(result.steps));
      assert.equal(fs.readFileSync(path.join(root, 'out.txt'), 'utf8'), 'from the environment\n');
      assert.deepEqual(requests, [path.join(root, 'requirements.txt')]);
      assert.equal(result.steps[0]?.environment, 'numpy==2.0', 'the step records its environment');
      assert.equal(service.getRun(result.pipelineRunId).steps[0]?.environment, 'numpy==2.0');
      assert.equal((await service.stepLog(result.pipelineRunId, 'greet')).stderr, 'provisioned\n');
      assert.deepEqual(
        (await service.planPipeline(p)).map((s) => s.action),
        ['cached'],
      );
      fs.writeFileSync(path.join(root, 'requirements.txt'), 'numpy==2.1\n');
      assert.deepEqual(
        (await service.planPipeline(p)).map((s) => s.action),
        ['run'],
      );
      assert.equal((await (await service.startPipeline(p)).finished).status, 'done');
      // Cleaning the store keeps the environments each step ran in last.
      assert.deepEqual([...service.runs.environmentsInUse(1)], ['numpy==2.1']);
      assert.deepEqual([...service.runs.environmentsInUse(2)].sort(), ['numpy==2.0', 'numpy==2.1']);
    } finally {
      await service.stopAll();
      db.close();
      fs.rmSync(store, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves the requirements of a step on a cluster without the workspace to the cluster', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-'));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-ws-'));
    const db = openDatabase(store, { create: true });
    const provisioned: string[] = [];
    const launched: string[] = [];
    const service = new PipelineService({
      storeDir: store,
      db,
      tracking: new TrackingService(new SqliteTrackingStore(db)),
      artifacts: new LocalArtifactStore(path.join(store, 'artifacts')),
      provision: async (request) => {
        provisioned.push(request.requirements);
        return { binDir: path.join(store, 'unused', 'bin'), id: 'unused', reused: false };
      },
      // Stands in for the Ray backend: the runner's part is what it hands over.
      backendFor: () => ({
        kind: 'ray',
        execute: async (launch) => {
          launched.push(launch.env.vars.VIRTUAL_ENV ?? 'no VIRTUAL_ENV');
          return { exitCode: 0 };
        },
      }),
    });
    try {
      fs.writeFileSync(path.join(root, 'requirements.txt'), 'numpy==2.0\n');
      const p: ResolvedPipeline = {
        ...pipelineOf(root, [
          step('far', 'python fit.py', {
            compute: 'cluster',
            environment: { vars: {}, requirements: 'requirements.txt' },
          }),
        ]),
        compute: [
          { name: 'local', kind: 'local' },
          { name: 'cluster', kind: 'ray', address: 'http://127.0.0.1:9', workspace: 'upload' },
        ],
      };
      const result = await (await service.startPipeline(p)).finished;
      assert.equal(result.status, 'done', JSON.stringify(result.steps));
      assert.deepEqual(provisioned, [], 'a local environment was made for a remote step');
      assert.deepEqual(launched, ['no VIRTUAL_ENV']);
    } finally {
      await service.stopAll();
      db.close();
      fs.rmSync(store, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("runs plain steps with the workspace's .venv or the chosen Python, and names it when an import fails", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-'));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-ws-'));
    const db = openDatabase(store, { create: true });
    const tracking = new TrackingService(new SqliteTrackingStore(db));
    const service = new PipelineService({
      storeDir: store,
      db,
      tracking,
      artifacts: new LocalArtifactStore(path.join(store, 'artifacts')),
    });
    try {
      execFileSync('python3', ['-m', 'venv', '--without-pip', path.join(root, '.venv')]);
      const p = pipelineOf(root, [
        step('where', 'python -c "import sys; print(sys.prefix)" > prefix.txt', {
          outputs: ['prefix.txt'],
        }),
        step('imports', 'python -c "import sextant_no_such_module"'),
      ]);
      const result = await (await service.startPipeline(p)).finished;
      const venv = path.join(root, '.venv');
      assert.equal(fs.readFileSync(path.join(root, 'prefix.txt'), 'utf8').trim(), venv);
      const where = result.steps.find((s) => s.step === 'where')!;
      const tags = (await tracking.getRun(where.runId as string)).data.tags;
      assert.equal(
        tags.find((t) => t.key === PIPELINE_TAGS.python)?.value,
        `${venv}/bin/python (the workspace's .venv)`,
      );
      const failed = result.steps.find((s) => s.step === 'imports')!;
      assert.equal(failed.status, 'failed');
      assert.match(
        failed.reason ?? '',
        new RegExp(
          `exited with code 1: cannot import 'sextant_no_such_module': it ran with ${venv}/bin/python \\(the workspace's \\.venv\\)`,
        ),
      );

      const chosen = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
        encoding: 'utf8',
      }).trim();
      service.python = { path: chosen, source: '--python' };
      const again = await (await service.startPipeline(p, { force: true })).finished;
      assert.notEqual(fs.readFileSync(path.join(root, 'prefix.txt'), 'utf8').trim(), venv);
      assert.match(
        again.steps.find((s) => s.step === 'imports')?.reason ?? '',
        /it ran with .* \(--python\)/,
      );
    } finally {
      await service.stopAll();
      db.close();
      fs.rmSync(store, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a tracking store on another database connection', () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-env-'));
    const db = openDatabase(store, { create: true });
    const other = new Database(path.join(store, 'sextant.db'));
    try {
      assert.throws(
        () =>
          new PipelineService({
            storeDir: store,
            db: other,
            tracking: new TrackingService(new SqliteTrackingStore(db)),
            artifacts: new LocalArtifactStore(path.join(store, 'artifacts')),
          }),
        /same database connection/,
      );
    } finally {
      other.close();
      db.close();
      fs.rmSync(store, { recursive: true, force: true });
    }
  });
});
