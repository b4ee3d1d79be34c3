import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Engine } from '@sextant/core';
import { runProcess, sextant, type ProcessResult } from '../support/cli';
import { REPO, tempStore } from '../support/server';

const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const TOKEN = randomBytes(6).toString('hex');
const BRANCH = 'sextant-test-branch';
/** Keeps the child's mlflow on the run that `sextant run` hands it. */
const MLFLOW_ENV = { MLFLOW_EXPERIMENT_NAME: undefined, MLFLOW_EXPERIMENT_ID: undefined };

const TRAIN_PY = `import sys
import mlflow

with mlflow.start_run():
    mlflow.log_param("lr", "0.01")
    mlflow.log_metric("acc", 0.93, step=1)
print("to stdout ${TOKEN}", flush=True)
print("to stderr ${TOKEN}", file=sys.stderr, flush=True)
`;

interface RunJson {
  info: {
    runId: string;
    experimentId: string;
    status: string;
    artifactUri: string;
    endTime: number | null;
  };
  data: {
    params: Array<{ key: string; value: string }>;
    metrics: Array<{ key: string; value: number; step: number }>;
    tags: Array<{ key: string; value: string }>;
  };
}

const show = (result: ProcessResult): string =>
  `exit ${result.code ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

/** Asserts a failed command: `code`, nothing on stdout, one line on stderr matching each pattern. */
function assertOneLineError(result: ProcessResult, code: number, ...patterns: RegExp[]): void {
  assert.equal(result.code, code, show(result));
  assert.equal(result.stdout, '', show(result));
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr:\n${result.stderr}`);
  assert.match(lines[0] as string, /^sextant: /);
  for (const pattern of patterns) assert.match(lines[0] as string, pattern);
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runProcess('git', args, {
    cwd,
    env: {
      GIT_AUTHOR_NAME: 'Sextant Test',
      GIT_AUTHOR_EMAIL: 'test@sextant.invalid',
      GIT_COMMITTER_NAME: 'Sextant Test',
      GIT_COMMITTER_EMAIL: 'test@sextant.invalid',
    },
  });
  assert.equal(result.code, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

describe('the sextant command line', () => {
  const dirs: string[] = [];
  let store: string;
  let repo: string;
  let commit: string;
  let passed: RunJson;
  let failed: RunJson;

  const tempDir = (prefix: string): string => {
    const dir = tempStore(prefix);
    dirs.push(dir);
    return dir;
  };

  async function runJson(runId: string): Promise<RunJson> {
    const result = await sextant(['runs', 'show', runId, '--store', store, '--json']);
    assert.equal(result.code, 0, show(result));
    return JSON.parse(result.stdout) as RunJson;
  }

  const artifact = (run: RunJson, relative: string): string =>
    fs.readFileSync(
      path.join(
        store,
        'artifacts',
        ...run.info.artifactUri.replace(/^mlflow-artifacts:\//, '').split('/'),
        relative,
      ),
      'utf8',
    );

  const tag = (run: RunJson, key: string): string | undefined =>
    run.data.tags.find((t) => t.key === key)?.value;

  before(async () => {
    store = path.join(tempDir('sextant-cli-'), 'store');
    repo = tempDir('sextant-cli-repo-');
    await git(repo, 'init', '-q', '-b', BRANCH);
    fs.writeFileSync(path.join(repo, 'train.py'), TRAIN_PY);
    fs.writeFileSync(path.join(repo, 'notes.txt'), 'committed line\n');
    await git(repo, 'add', 'train.py', 'notes.txt');
    await git(repo, 'commit', '-q', '-m', 'initial');
    commit = await git(repo, 'rev-parse', 'HEAD');
    fs.appendFileSync(path.join(repo, 'notes.txt'), `uncommitted ${TOKEN}\n`);
  });

  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('sextant run tracks a python script that logs through mlflow', async () => {
    const result = await sextant(
      ['run', '--store', store, '--experiment', 'demo', '--', PYTHON, 'train.py'],
      { cwd: repo, env: MLFLOW_ENV, timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, new RegExp(`to stdout ${TOKEN}`), 'the child stdout is not echoed');
    assert.match(result.stderr, new RegExp(`to stderr ${TOKEN}`), 'the child stderr is not echoed');
    const runId = /sextant: run (\w+) in experiment/.exec(result.stderr)?.[1];
    assert.ok(runId, show(result));
    assert.match(result.stderr, new RegExp(`run ${runId} finished \\(exit 0\\)`));

    passed = await runJson(runId);
    assert.equal(passed.info.status, 'FINISHED');
    assert.ok(passed.info.endTime, 'the run has no end time');
    assert.deepEqual(passed.data.params, [{ key: 'lr', value: '0.01' }]);
    assert.deepEqual(
      passed.data.metrics.map((m) => [m.key, m.value, m.step]),
      [['acc', 0.93, 1]],
    );
    assert.equal(tag(passed, 'mlflow.source.git.commit'), commit);
    assert.equal(tag(passed, 'mlflow.source.git.branch'), BRANCH);
    assert.equal(tag(passed, 'sextant.source.git.dirty'), 'true');

    const diff = artifact(passed, 'source/git.diff');
    assert.match(diff, /notes\.txt/);
    assert.match(diff, new RegExp(`^\\+uncommitted ${TOKEN}$`, 'm'));
    const stdout = artifact(passed, 'logs/stdout.txt');
    const stderr = artifact(passed, 'logs/stderr.txt');
    assert.match(stdout, new RegExp(`^to stdout ${TOKEN}$`, 'm'));
    assert.doesNotMatch(stdout, /to stderr/);
    assert.match(stderr, new RegExp(`^to stderr ${TOKEN}$`, 'm'));
    assert.doesNotMatch(stderr, /to stdout/);
  });

  test('a child that exits 3 leaves a FAILED run and sextant exits 3', async () => {
    const outsideGit = tempDir('sextant-cli-plain-');
    const script = "import sys; print('about to fail', flush=True); sys.exit(3)";
    const result = await sextant(
      [
        'run',
        '--store',
        store,
        '--experiment',
        'demo',
        '--name',
        'failing',
        '--',
        PYTHON,
        '-c',
        script,
      ],
      { cwd: outsideGit, env: MLFLOW_ENV },
    );
    assert.equal(result.code, 3, show(result));
    const runId = /sextant: run (\w+) in experiment/.exec(result.stderr)?.[1];
    assert.ok(runId, show(result));
    assert.match(result.stderr, /failed \(exit 3\)/);
    failed = await runJson(runId);
    assert.equal(failed.info.status, 'FAILED');
    assert.equal(
      failed.info.experimentId,
      passed.info.experimentId,
      'the second run went elsewhere',
    );
    assert.equal(
      tag(failed, 'mlflow.source.git.commit'),
      undefined,
      'git tags outside a repository',
    );
    assert.match(artifact(failed, 'logs/stdout.txt'), /^about to fail$/m);
  });

  test('outside git, sextant run keeps a copy of the script as the run source', async () => {
    const plain = tempDir('sextant-cli-script-');
    const body = `print('snapshot ${TOKEN}')\n`;
    fs.writeFileSync(path.join(plain, 'job.py'), body);
    const result = await sextant(['run', '--store', store, '--', PYTHON, 'job.py'], {
      cwd: plain,
      env: MLFLOW_ENV,
    });
    assert.equal(result.code, 0, show(result));
    const runId = /sextant: run (\w+) in experiment/.exec(result.stderr)?.[1];
    assert.ok(runId, show(result));
    const run = await runJson(runId);
    assert.equal(tag(run, 'sextant.source.snapshot'), 'source/job.py');
    assert.equal(artifact(run, 'source/job.py'), body);
    assert.equal(tag(passed, 'sextant.source.diff'), 'source/git.diff');
    assert.equal(tag(passed, 'sextant.source.snapshot'), undefined, 'no copy inside git');
  });

  test('experiments list shows the experiments', async () => {
    const result = await sextant(['experiments', 'list', '--store', store]);
    assert.equal(result.code, 0, show(result));
    const rows = result.stdout.trimEnd().split('\n');
    assert.match(rows[0] as string, /^ID\s+NAME\s+STAGE\s+CREATED$/);
    assert.ok(
      rows.some((r) => /^0\s+Default\s+active\s/.test(r)),
      result.stdout,
    );
    const demo = new RegExp(`^${passed.info.experimentId}\\s+demo\\s+active\\s`);
    assert.ok(
      rows.some((r) => demo.test(r)),
      result.stdout,
    );
    const json = await sextant(['experiments', 'list', '--store', store, '--json']);
    const names = (JSON.parse(json.stdout) as Array<{ name: string }>).map((e) => e.name).sort();
    assert.deepEqual(names, ['Default', 'demo']);
  });

  test('runs list --experiment --filter selects runs with MLflow filters', async () => {
    const list = async (filter: string): Promise<string> => {
      const result = await sextant([
        'runs',
        'list',
        '--store',
        store,
        '--experiment',
        'demo',
        '--filter',
        filter,
      ]);
      assert.equal(result.code, 0, show(result));
      return result.stdout;
    };
    const good = await list("metrics.acc > 0.9 and params.lr = '0.01'");
    assert.match(good, new RegExp(`^${passed.info.runId}\\s.*\\sFINISHED\\s.*acc=0\\.93$`, 'm'));
    assert.doesNotMatch(good, new RegExp(failed.info.runId));
    const none = await list('metrics.acc > 0.99');
    assert.doesNotMatch(none, new RegExp(passed.info.runId));
    assert.match(none, /^RUN ID/);
    const failures = await list("attributes.status = 'FAILED'");
    assert.match(failures, new RegExp(`^${failed.info.runId}\\s+failing\\s`, 'm'));
    assert.doesNotMatch(failures, new RegExp(passed.info.runId));
    const everything = await sextant(['runs', 'list', '--store', store, '--experiment', 'demo']);
    assert.match(everything.stdout, new RegExp(passed.info.runId));
    assert.match(everything.stdout, new RegExp(failed.info.runId));
  });

  test('runs show prints params, metrics and tags', async () => {
    const result = await sextant(['runs', 'show', passed.info.runId, '--store', store]);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, new RegExp(`^Run ${passed.info.runId} `));
    assert.match(result.stdout, /^ {2}status {6}FINISHED /m);
    assert.match(result.stdout, /^Params:\n {2}lr = 0\.01$/m);
    assert.match(result.stdout, /^Metrics \(latest\):\n {2}acc = 0\.93 \(step 1\)$/m);
    assert.match(
      result.stdout,
      new RegExp(`^ {2}mlflow\\.source\\.git\\.commit = ${commit}$`, 'm'),
    );
  });

  test('models list, show and history read the registry', async () => {
    const registryStore = path.join(tempDir('sextant-cli-models-'), 'store');
    const engine = Engine.open({ storeDir: registryStore });
    try {
      const run = await engine.tracking.createRun({ userId: 'ada' });
      const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
      await engine.artifacts.write(`${root}/model/MLmodel`, Buffer.from('flavors:\n  onnx: {}\n'));
      await engine.registry.createModel({ name: 'churn', description: 'who leaves' });
      await engine.registry.createVersion({
        name: 'churn',
        source: `runs:/${run.info.runId}/model`,
      });
      await engine.registry.setAlias('churn', 'champion', '1', { user: 'grace', reason: 'best' });
    } finally {
      await engine.close();
    }
    const list = await sextant(['models', 'list', '--store', registryStore]);
    assert.equal(list.code, 0, show(list));
    assert.match(list.stdout, /^NAME\s+LATEST\s+ALIASES\s+UPDATED$/m);
    assert.match(list.stdout, /^churn\s+1\s+champion=v1\s/m);
    const shown = await sextant(['models', 'show', 'churn', '--store', registryStore]);
    assert.equal(shown.code, 0, show(shown));
    assert.match(shown.stdout, /^Model churn - who leaves$/m);
    assert.match(shown.stdout, /^1\s+None\s+READY\s+champion\s+no: No requirements\.txt/m);
    const history = await sextant([
      'models',
      'history',
      'churn',
      '--store',
      registryStore,
      '--json',
    ]);
    assert.equal(history.code, 0, show(history));
    const events = JSON.parse(history.stdout) as Array<{
      kind: string;
      user: string;
      reason?: string;
    }>;
    assert.deepEqual(
      events.map((e) => [e.kind, e.user, e.reason ?? '']),
      [
        ['model_created', 'unknown', ''],
        ['version_created', 'ada', ''],
        ['alias_set', 'grace', 'best'],
      ],
    );
    const missing = await sextant(['models', 'show', 'nope', '--store', registryStore]);
    assertOneLineError(missing, 1, /nope/);
  });

  test('runs list on a missing store names the store in one line and creates nothing', async () => {
    const missing = path.join(tempDir('sextant-cli-none-'), 'no-store-here');
    const result = await sextant(['runs', 'list', '--store', missing]);
    assertOneLineError(result, 1, new RegExp(missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    assert.ok(!fs.existsSync(missing), 'runs list created the store');
  });

  test('a bad filter, experiment, run id or --max gets a one-line message and exit 1', async () => {
    const list = ['runs', 'list', '--store', store];
    assertOneLineError(
      await sextant([...list, '--filter', 'metrics.acc >>> 1']),
      1,
      /filter/,
      />>>/,
    );
    assertOneLineError(await sextant([...list, '--filter', "metrics.acc = 'high'"]), 1, /acc/);
    assertOneLineError(
      await sextant([...list, '--experiment', 'no-such-experiment']),
      1,
      /no-such-experiment/,
    );
    assertOneLineError(await sextant([...list, '--max', 'lots']), 1, /--max/, /lots/);
    assertOneLineError(
      await sextant(['runs', 'show', 'nosuchrun', '--store', store]),
      1,
      /nosuchrun/,
      /not found/,
    );
  });

  test('server on a busy port says the port is already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await sextant(['server', '--port', String(port), '--store', store], {
        timeoutMs: 15_000,
      });
      assertOneLineError(result, 1, /already in use/, new RegExp(`port ${port}\\b`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
