import { isAlive } from '@sextant/core/dist/testing/steps';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sextant, type ProcessResult } from '../support/cli';
import { REPO, SEXTANT_BIN, cleanEnv, spawnTracked, tempStore } from '../support/server';

const EXAMPLE = path.join(REPO, 'examples', 'pipeline');
/** The repository's Python (scikit-learn, pandas) first on PATH, as the example's README asks. */
const ENV = {
  PATH: `${path.join(REPO, '.venv', 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  MLFLOW_EXPERIMENT_NAME: undefined,
  MLFLOW_EXPERIMENT_ID: undefined,
};
const OUTPUTS = [
  'data/train.csv',
  'data/test.csv',
  'models/model.pkl',
  'models/classifier/MLmodel',
  'evaluation/result.json',
  'metrics.json',
];

interface StepJson {
  step: string;
  status: string;
  reason?: string;
  runId?: string;
}
interface RunJson {
  pipelineRunId: string;
  status: string;
  runId?: string;
  steps: StepJson[];
}

const show = (r: ProcessResult): string =>
  `exit ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

const statuses = (run: RunJson): Record<string, string> =>
  Object.fromEntries(run.steps.map((s) => [s.step, s.status]));

/** Copies the example without anything a local run of it left behind. */
function copyExample(to: string): void {
  fs.cpSync(EXAMPLE, to, {
    recursive: true,
    filter: (source) =>
      !['.sextant', 'data', 'models', 'evaluation', 'metrics.json', '__pycache__'].includes(
        path.basename(source),
      ),
  });
}

async function waitFor(what: string, ready: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the example pipeline from the command line', () => {
  const dirs: string[] = [];
  let work: string;
  let store: string;

  const run = async (...args: string[]): Promise<{ result: ProcessResult; run: RunJson }> => {
    const result = await sextant(['pipeline', 'run', '--store', store, '--json', ...args], {
      cwd: work,
      env: ENV,
      timeoutMs: 240_000,
    });
    assert.equal(result.code, 0, show(result));
    return { result, run: JSON.parse(result.stdout) as RunJson };
  };
  const snapshot = (): Record<string, Buffer> =>
    Object.fromEntries(OUTPUTS.map((o) => [o, fs.readFileSync(path.join(work, o))]));

  before(() => {
    const dir = tempStore('sextant-example-');
    dirs.push(dir);
    work = path.join(dir, 'pipeline');
    store = path.join(dir, 'store');
    copyExample(work);
  });
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  let first: Record<string, Buffer>;

  test('the first run runs every step and records each as a tracked run', async () => {
    const { result, run: first_ } = await run();
    assert.equal(first_.status, 'done');
    assert.deepEqual(statuses(first_), {
      prepare: 'done',
      train: 'done',
      evaluate: 'done',
      gate: 'done',
      register: 'done',
    });
    assert.match(result.stderr, /prepare \| prepared 450 training and 150 test rows/);
    assert.match(result.stderr, /gate \| Gate PASSED/);
    assert.match(
      result.stderr,
      /register \| Registered classify-forest version 1, alias challenger/,
    );
    first = snapshot();
    const metrics = JSON.parse(first['metrics.json']!.toString()) as { accuracy_score: number };
    assert.ok(metrics.accuracy_score > 0.75, `accuracy ${metrics.accuracy_score}`);

    const evaluate = first_.steps.find((s) => s.step === 'evaluate')!;
    const shown = await sextant(['runs', 'show', evaluate.runId!, '--store', store, '--json']);
    assert.equal(shown.code, 0, show(shown));
    const tracked = JSON.parse(shown.stdout) as {
      info: { status: string };
      data: { metrics: { key: string; value: number }[]; tags: { key: string; value: string }[] };
    };
    assert.equal(tracked.info.status, 'FINISHED');
    assert.equal(
      tracked.data.metrics.find((m) => m.key === 'accuracy_score')?.value,
      metrics.accuracy_score,
    );
    const tag = (key: string): string | undefined =>
      tracked.data.tags.find((t) => t.key === key)?.value;
    assert.equal(tag('mlflow.parentRunId'), first_.runId);
    assert.equal(tag('sextant.step'), 'evaluate');
    assert.equal(tag('sextant.cached'), 'false');

    // The gate passed and register made version 1, from its step's run, linked to the evaluation.
    const models = await sextant(['models', 'show', 'classify-forest', '--store', store, '--json']);
    assert.equal(models.code, 0, show(models));
    const { versions } = JSON.parse(models.stdout) as {
      versions: { version: string; aliases: string[]; runId: string }[];
    };
    const registerStep = first_.steps.find((s) => s.step === 'register')!;
    assert.deepEqual(
      versions.map((v) => [v.version, v.aliases, v.runId]),
      [['1', ['challenger'], registerStep.runId]],
    );
    const evaluation = JSON.parse(first['evaluation/result.json']!.toString()) as {
      runId: string;
      evalSet: string;
    };
    assert.equal(evaluation.evalSet, 'synthetic-test');
    const evaluated = JSON.parse(
      (await sextant(['runs', 'show', evaluation.runId, '--store', store, '--json'])).stdout,
    ) as { data: { tags: { key: string; value: string }[] } };
    const evalTags = Object.fromEntries(evaluated.data.tags.map((t) => [t.key, t.value]));
    assert.equal(evalTags['sextant.evaluation.registered_model'], 'classify-forest');
    assert.equal(evalTags['sextant.evaluation.registered_version'], '1');
    assert.equal(evalTags['sextant.evaluation.gate'], 'passed');
  });

  test('a second run is fully cached and restores identical outputs', async () => {
    fs.rmSync(path.join(work, 'models'), { recursive: true });
    fs.writeFileSync(path.join(work, 'metrics.json'), '{}');
    const { result, run: second } = await run();
    // gate and register are never cached (they read and change the registry); register reuses
    // the version that holds the same files.
    assert.deepEqual(statuses(second), {
      prepare: 'cached',
      train: 'cached',
      evaluate: 'cached',
      gate: 'done',
      register: 'done',
    });
    assert.match(result.stderr, /Already registered \(same files\): classify-forest version 1/);
    assert.deepEqual(snapshot(), first);
  });

  test('changing one param re-runs exactly the steps downstream of it', async () => {
    const params = path.join(work, 'params.yaml');
    fs.writeFileSync(
      params,
      fs.readFileSync(params, 'utf8').replace('n_estimators: 40', 'n_estimators: 15'),
    );
    const dry = await sextant(['pipeline', 'run', '--store', store, '--dry', '--json'], {
      cwd: work,
      env: ENV,
    });
    assert.equal(dry.code, 0, show(dry));
    assert.deepEqual(JSON.parse(dry.stdout), [
      { step: 'prepare', action: 'cached' },
      { step: 'train', action: 'run' },
      { step: 'evaluate', action: 'run' },
      { step: 'gate', action: 'run' },
      { step: 'register', action: 'run' },
    ]);
    const { result, run: third } = await run();
    assert.deepEqual(statuses(third), {
      prepare: 'cached',
      train: 'done',
      evaluate: 'done',
      gate: 'done',
      register: 'done',
    });
    assert.match(result.stderr, /train \| trained 15 trees/);
    assert.match(result.stderr, /Registered classify-forest version 2, alias challenger/);
    assert.deepEqual(
      fs.readFileSync(path.join(work, 'data', 'train.csv')),
      first['data/train.csv'],
    );
    assert.notDeepEqual(
      fs.readFileSync(path.join(work, 'models', 'model.pkl')),
      first['models/model.pkl'],
    );
  });

  test('lineage answers what produced the metrics and exports OpenLineage events', async () => {
    const up = await sextant(['lineage', 'metrics.json', '--store', store, '--json'], {
      cwd: work,
    });
    assert.equal(up.code, 0, show(up));
    const graph = JSON.parse(up.stdout) as {
      nodes: { kind: string; step?: string; path?: string }[];
    };
    const steps = new Set(graph.nodes.flatMap((n) => (n.kind === 'execution' ? [n.step] : [])));
    assert.deepEqual([...steps].sort(), ['evaluate', 'prepare', 'train']);
    assert.ok(graph.nodes.some((n) => n.path === 'src/prepare.py'));

    const down = await sextant(['lineage', './data/train.csv', '--downstream', '--store', store]);
    assert.equal(down.code, 0, show(down));
    assert.match(down.stdout, /train \(pipeline run [0-9a-f-]+\) consumed data\/train.csv@/);
    assert.match(down.stdout, /produced models\/model.pkl@/);

    const exported = await sextant(['lineage', 'export', '--openlineage', '--store', store]);
    assert.equal(exported.code, 0, show(exported));
    const events = exported.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            eventType: string;
            job: { name: string };
            run: { runId: string; facets: { parent?: unknown } };
            outputs: { name: string; facets: { version?: { datasetVersion: string } } }[];
          },
      );
    // Three runs of five steps each.
    assert.equal(events.filter((e) => e.eventType === 'START').length, 15);
    assert.equal(events.filter((e) => e.eventType === 'COMPLETE').length, 15);
    const trained = events.find(
      (e) => e.eventType === 'COMPLETE' && e.job.name === 'classify.train',
    );
    assert.equal(trained?.outputs[0]?.name, 'models/model.pkl');
    assert.match(trained?.outputs[0]?.facets.version?.datasetVersion ?? '', /^md5:[0-9a-f]{32}$/);
    assert.ok(trained?.run.facets.parent);
  });

  test('pipeline logs prints what each step of a run printed', async () => {
    const [newest] = JSON.parse(
      (await sextant(['pipeline', 'runs', '--store', store, '--json', '--limit', '1'])).stdout,
    ) as RunJson[];
    const one = await sextant([
      'pipeline',
      'logs',
      newest!.pipelineRunId.slice(0, 6),
      'train',
      '--store',
      store,
    ]);
    assert.equal(one.code, 0, show(one));
    assert.equal(one.stdout, 'trained 15 trees of depth at most 5\n');
    const all = await sextant(['pipeline', 'logs', newest!.pipelineRunId, '--store', store]);
    assert.match(
      all.stdout,
      /^== prepare \(cached\) ==\nprepared 450 training and 150 test rows\n== train \(done\) ==\ntrained 15 trees/,
    );
    const missing = await sextant([
      'pipeline',
      'logs',
      newest!.pipelineRunId,
      'nope',
      '--store',
      store,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no step 'nope'/);
  });

  test('pipeline gc keeps the newest version of each step and removes the older ones', async () => {
    const gc = (...args: string[]): Promise<ProcessResult> =>
      sextant(['pipeline', 'gc', '--store', store, ...args], { cwd: work });
    const plan = async (): Promise<Record<string, string>> => {
      const dry = await sextant(['pipeline', 'run', '--store', store, '--dry', '--json'], {
        cwd: work,
        env: ENV,
      });
      assert.equal(dry.code, 0, show(dry));
      const steps = JSON.parse(dry.stdout) as { step: string; action: string }[];
      return Object.fromEntries(steps.map((s) => [s.step, s.action]));
    };
    const bad = await gc('--keep', 'x');
    assert.equal(bad.code, 1, show(bad));
    assert.match(bad.stderr, /--keep takes a whole number \(0 or more\), not 'x'/);

    // prepare has one version; train and evaluate two (40 trees, then 15).
    const dry = await gc('--dry');
    assert.equal(dry.code, 0, show(dry));
    assert.match(
      dry.stdout,
      /^sextant: would remove 2 step versions, \d+ files \([\d.]+ (B|KiB|MiB)\) and keep 3 step versions/,
    );
    const done = await gc('--json');
    assert.equal(done.code, 0, show(done));
    const collected = JSON.parse(done.stdout) as { entries: { kept: number; removed: number } };
    assert.deepEqual(collected.entries, { kept: 3, removed: 2 });
    assert.deepEqual(await plan(), {
      prepare: 'cached',
      train: 'cached',
      evaluate: 'cached',
      gate: 'run',
      register: 'run',
    });

    const params = path.join(work, 'params.yaml');
    const text = fs.readFileSync(params, 'utf8');
    fs.writeFileSync(params, text.replace('n_estimators: 15', 'n_estimators: 40'));
    try {
      assert.deepEqual(
        await plan(),
        { prepare: 'cached', train: 'run', evaluate: 'run', gate: 'run', register: 'run' },
        'the 40-tree version is gone from the cache',
      );
    } finally {
      fs.writeFileSync(params, text);
    }
  });
});

const LONG_SPEC = `pipelines:
  long:
    steps:
      sleeper:
        run: sh -c 'sleep 300 & echo $! > sleeper.pid; wait'
      after:
        run: echo never
        after: [sleeper]
`;

describe('stopping a pipeline from the command line', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `sextant pipeline run` on the long pipeline; resolves once its step sleeps. */
  async function startLong(): Promise<{
    work: string;
    store: string;
    sleeper: number;
    child: ReturnType<typeof spawnTracked>;
    exited: Promise<number | null>;
  }> {
    const dir = tempStore('sextant-long-');
    dirs.push(dir);
    const work = path.join(dir, 'ws');
    const store = path.join(dir, 'store');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, 'sextant.yaml'), LONG_SPEC);
    const child = spawnTracked(
      process.execPath,
      [SEXTANT_BIN, 'pipeline', 'run', '--store', store],
      // A process group of its own, as a terminal's foreground job.
      { cwd: work, env: cleanEnv(ENV), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    child.stdout?.resume();
    child.stderr?.resume();
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const pidFile = path.join(work, 'sleeper.pid');
    await waitFor(
      'the sleeper to start',
      () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '',
    );
    return { work, store, sleeper: Number(fs.readFileSync(pidFile, 'utf8')), child, exited };
  }

  const runs = async (store: string): Promise<RunJson[]> => {
    const listed = await sextant(['pipeline', 'runs', '--store', store, '--json']);
    assert.equal(listed.code, 0, show(listed));
    return JSON.parse(listed.stdout) as RunJson[];
  };

  /** The long pipeline's run once the store records its sleeper running (within 10 s). */
  const recordedRunning = async (store: string): Promise<RunJson> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [run] = await runs(store);
      if (run?.steps.find((s) => s.step === 'sleeper')?.status === 'running') return run;
      assert.ok(Date.now() < deadline, 'the store records the sleeper running');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test('a failing step exits 1, names why, and skips the steps after it', async () => {
    const dir = tempStore('sextant-fail-');
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, 'sextant.yaml'),
      'pipelines:\n  broken:\n    steps:\n      bad:\n        run: echo boom >&2; exit 7\n        outs: [x.txt]\n      next:\n        run: cp x.txt y.txt\n        deps: [x.txt]\n        outs: [y.txt]\n',
    );
    const result = await sextant(['pipeline', 'run', '--store', path.join(dir, 'store')], {
      cwd: dir,
    });
    assert.equal(result.code, 1, show(result));
    assert.match(result.stderr, /bad \| boom/);
    assert.match(result.stderr, /step bad FAILED: exited with code 7/);
    assert.match(result.stderr, /step next skipped: upstream step 'bad' failed/);
    assert.match(result.stderr, /pipeline broken failed/);
  });

  test('steps that declare a GPU each get one of their own in CUDA_VISIBLE_DEVICES', async () => {
    const dir = tempStore('sextant-gpus-');
    dirs.push(dir);
    const gpuStep = (name: string, gpu: number, extra = ''): string =>
      `      ${name}:\n        run: echo "$CUDA_VISIBLE_DEVICES" > ${name}.txt; sleep 0.3\n` +
      `        outs: [${name}.txt]\n        resources: { gpu: ${gpu} }\n${extra}`;
    fs.writeFileSync(
      path.join(dir, 'sextant.yaml'),
      'pipelines:\n  gpus:\n    steps:\n' +
        gpuStep('a', 1) +
        gpuStep('b', 1) +
        gpuStep('both', 2, '        deps: [a.txt, b.txt]\n') +
        gpuStep('none', 0) +
        gpuStep('greedy', 3, '        deps: [both.txt]\n'),
    );
    // Sextant is given two GPUs by name, as a scheduler or a user hands them out.
    const gpuStore = path.join(dir, 'store');
    const result = await sextant(['pipeline', 'run', '--store', gpuStore, '--json'], {
      cwd: dir,
      env: { CUDA_VISIBLE_DEVICES: 'GPU-aa,GPU-bb' },
    });
    assert.equal(result.code, 0, show(result));
    const got = (name: string): string => fs.readFileSync(path.join(dir, `${name}.txt`), 'utf8');
    assert.deepEqual([got('a'), got('b')].sort(), ['GPU-aa\n', 'GPU-bb\n']);
    assert.deepEqual(got('both').trim().split(',').sort(), ['GPU-aa', 'GPU-bb']);
    assert.equal(got('none'), 'GPU-aa,GPU-bb\n', 'a step that declares none keeps both');
    // More than the machine has: it runs with all of them, and says so in its log.
    assert.deepEqual(got('greedy').trim().split(',').sort(), ['GPU-aa', 'GPU-bb']);
    assert.match(
      result.stderr,
      /greedy \| sextant: the step declares 3 GPUs and this machine offers 2: it runs with all 2/,
    );
    // Each step's tracked run names the GPUs it ran on.
    for (const step of (JSON.parse(result.stdout) as RunJson).steps) {
      const shown = await sextant(['runs', 'show', step.runId!, '--store', gpuStore, '--json']);
      const tags = (
        JSON.parse(shown.stdout) as { data: { tags: { key: string; value: string }[] } }
      ).data.tags;
      const gpus = tags.find((t) => t.key === 'sextant.gpus')?.value;
      if (step.step === 'none') assert.equal(gpus, undefined);
      else assert.equal(gpus, got(step.step).trim(), `step ${step.step}`);
    }
  });

  test('Ctrl-C cancels the run: the step process tree is gone, the run is cancelled', async () => {
    const { store, sleeper, child, exited } = await startLong();
    assert.ok(isAlive(sleeper));
    // Ctrl-C in a terminal: SIGINT to the foreground group, the step launcher as well as Node.
    process.kill(-child.pid!, 'SIGINT');
    assert.equal(await exited, 130);
    await waitFor('the sleeper to be stopped', () => !isAlive(sleeper), 10_000);
    const [run] = await runs(store);
    assert.equal(run?.status, 'cancelled');
    assert.deepEqual(statuses(run!), { sleeper: 'cancelled', after: 'cancelled' });
  });

  test('pipeline cancel, from another terminal, stops a run by the first characters of its id', async () => {
    const { store, sleeper, exited } = await startLong();
    const runId = (await recordedRunning(store)).pipelineRunId;
    const cancel = await sextant(['pipeline', 'cancel', runId.slice(0, 8), '--store', store]);
    assert.equal(cancel.code, 0, show(cancel));
    assert.equal(
      cancel.stdout,
      `sextant: pipeline run ${runId} cancelled (2 cancelled)\n`,
      'it answers once the driving process has recorded the run cancelled',
    );
    assert.equal(await exited, 130, 'the driving sextant exits as on Ctrl-C');
    await waitFor('the sleeper to be stopped', () => !isAlive(sleeper), 10_000);
    const again = await sextant(['pipeline', 'cancel', runId, '--store', store]);
    assert.equal(again.stdout, `sextant: pipeline run ${runId} had already ended: cancelled\n`);
    const logs = await sextant([
      'pipeline',
      'logs',
      runId.slice(0, 8),
      'sleeper',
      '--store',
      store,
    ]);
    assert.equal(logs.code, 0, show(logs));
    const unknown = await sextant(['pipeline', 'cancel', 'ffff', '--store', store]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no pipeline run 'ffff'/);
  });

  test('a run started while another process cleans the cache waits for it, and says so', async () => {
    const dir = tempStore('sextant-wait-');
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, 'sextant.yaml'),
      'pipelines:\n  quick:\n    steps:\n      one:\n        run: echo one > one.txt\n        outs: [one.txt]\n',
    );
    const store = path.join(dir, 'store');
    fs.mkdirSync(store);
    // This test's process stands for a live `sextant pipeline gc`.
    const lock = path.join(store, 'collecting.lock');
    fs.writeFileSync(lock, `${process.pid}\n${os.hostname()}\n`);
    const child = spawnTracked(
      process.execPath,
      [SEXTANT_BIN, 'pipeline', 'run', '--store', store],
      {
        cwd: dir,
        env: cleanEnv(ENV),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor('the wait to be announced', () =>
      stderr.includes(`waiting for the cache clean-up of process ${process.pid}`),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!fs.existsSync(path.join(dir, 'one.txt')), 'no step ran meanwhile');
    fs.rmSync(lock);
    assert.equal(await exited, 0, stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'one.txt'), 'utf8'), 'one\n');
  });

  test('a killed Sextant leaves no step running: reopening fails the run and step with a reason', async () => {
    const { store, sleeper, child, exited } = await startLong();
    // Step records reach the store within the journal's delay (100 ms); a kill inside that window
    // loses them, though the launcher still stops the step (see the launcher's tests).
    await recordedRunning(store);
    child.kill('SIGKILL');
    await exited;
    const [run] = await runs(store);
    assert.equal(run?.status, 'failed');
    const step = run!.steps.find((s) => s.step === 'sleeper')!;
    assert.equal(step.status, 'failed');
    assert.match(step.reason ?? '', /Sextant stopped while this ran \(process \d+ is gone\)/);
    assert.equal(run!.steps.find((s) => s.step === 'after')?.status, 'skipped');
    await waitFor('the orphaned step process to be stopped', () => !isAlive(sleeper), 10_000);
    const shown = await sextant(['runs', 'show', step.runId!, '--store', store, '--json']);
    const tracked = JSON.parse(shown.stdout) as { info: { status: string } };
    assert.equal(tracked.info.status, 'FAILED');
  });
});
