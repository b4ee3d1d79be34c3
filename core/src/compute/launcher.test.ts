import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive, testStep } from '../testing/steps';
import type { ResolvedStep } from '../model/pipeline';
import { wholeEnvironment, type StepEnvironment, type StepLaunch } from './contracts';
import { findPython, LauncherBackend } from './launcher';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-launcher-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Runs one step, collecting its output per stream and its external ids. */
async function run(
  backend: LauncherBackend,
  launch: Partial<StepLaunch> & { step: ResolvedStep },
): Promise<{
  outcome: Awaited<ReturnType<LauncherBackend['execute']>>;
  out: string;
  err: string;
  ids: string[];
}> {
  let out = '';
  let err = '';
  const ids: string[] = [];
  const outcome = await backend.execute({
    root,
    env: { base: baseEnv, vars: {} },
    signal: new AbortController().signal,
    onOutput: (stream, text) => (stream === 'stdout' ? (out += text) : (err += text)),
    onExternalId: (id) => ids.push(id),
    ...launch,
  });
  return { outcome, out, err, ids };
}

const waitFor = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Capacity with two named GPUs, for the GPU hand-out checks. */
const twoGpus = { cpu: 4, gpu: 2, memoryMb: 0, gpuIds: ['3', 'GPU-7'] };

/**
 * Runs two one-GPU steps at once, a step without GPUs, and a two-GPU step that must wait for
 * both: each prints the CUDA_VISIBLE_DEVICES it got. Sextant itself sees both GPUs.
 */
async function checkGpuHandOut(backend: LauncherBackend): Promise<void> {
  const env = { base: { ...baseEnv, CUDA_VISIBLE_DEVICES: '3,GPU-7' }, vars: {} };
  const gpuStep = (gpu: number): ResolvedStep =>
    testStep('echo "$CUDA_VISIBLE_DEVICES"; sleep 0.3', {
      resources: { cpu: 1, gpu, memoryMb: 0 },
    });
  const placed: string[] = [];
  const [x, y, none, both] = await Promise.all(
    [1, 1, 0, 2].map((gpu, i) =>
      run(backend, {
        step: gpuStep(gpu),
        env,
        onStart: (_id, placement) => (placed[i] = placement?.gpus?.join(',') ?? '-'),
      }),
    ),
  );
  // What the backend reports it gave each step is what the step saw.
  assert.deepEqual(placed, [x?.out.trim(), y?.out.trim(), '-', both?.out.trim()]);
  assert.ok([x, y, none, both].every((r) => r?.outcome.exitCode === 0));
  assert.deepEqual([x?.out, y?.out].sort(), ['3\n', 'GPU-7\n'], 'one GPU each, not the same');
  assert.equal(none?.out, '3,GPU-7\n', 'a step that declares no GPU keeps what Sextant has');
  assert.deepEqual(both?.out.trim().split(',').sort(), ['3', 'GPU-7']);
}

describe('the step launcher', { skip: findPython() ? false : 'no python3 here' }, () => {
  const backend = new LauncherBackend(300);
  after(() => backend.close());

  it('runs sh -c in the working directory with exactly the given environment', async () => {
    fs.mkdirSync(path.join(root, 'sub dir'), { recursive: true });
    const { outcome, out, err, ids } = await run(backend, {
      step: testStep('pwd; echo "$GREETING"; env | sort; echo warn >&2; exit 4', { wd: 'sub dir' }),
      env: { base: baseEnv, vars: { GREETING: 'hi there', ODD_NAME: 'x y "z" ü' } },
    });
    assert.equal(backend.fallbackReason, undefined);
    assert.deepEqual(outcome, { exitCode: 4, reason: 'exited with code 4' });
    const lines = out.split('\n');
    assert.equal(lines[0], path.join(fs.realpathSync(root), 'sub dir'));
    assert.equal(lines[1], 'hi there');
    const names = lines
      .slice(2)
      .filter(Boolean)
      .map((l) => l.slice(0, l.indexOf('=')));
    // sh itself adds PWD; nothing of Node's or the launcher's environment leaks in.
    assert.deepEqual(names, ['GREETING', 'ODD_NAME', 'PATH', 'PWD']);
    assert.equal(err, 'warn\n');
    assert.equal(ids.length, 1);
    assert.match(ids[0] ?? '', /^pid:\d+$/);
  });

  it('gives each step exactly its environment when a base is sent once for many steps', async () => {
    const big: Record<string, string> = { ...baseEnv };
    for (let i = 0; i < 40; i++) big[`VAR_${i}`] = `value ${i}`;
    const small = { PATH: baseEnv.PATH };
    const envs: StepEnvironment[] = [
      { base: big, vars: {} },
      { base: big, vars: { VAR_3: 'changed', EXTRA: 'new' } },
      { base: small, vars: { ONLY: 'this' } },
      { base: big, vars: { N: '4' } },
      { base: big, vars: {} },
    ];
    const seen = await Promise.all(
      envs.map((env) => run(backend, { step: testStep('env | sort'), env }).then((r) => r.out)),
    );
    envs.forEach((env, i) => {
      const expected = Object.entries({ ...wholeEnvironment(env), PWD: fs.realpathSync(root) })
        .map(([k, v]) => `${k}=${v}`)
        .sort();
      assert.deepEqual(seen[i]?.split('\n').filter(Boolean).sort(), expected, `step ${i}`);
    });
  });

  it('starts steps only within its capacity, first come first served, and reports each start', async () => {
    const own = new LauncherBackend(300, findPython() ?? null, { cpu: 2, gpu: 0, memoryMb: 0 });
    try {
      const log = path.join(root, 'capacity.log');
      fs.writeFileSync(log, '');
      const starts: string[] = [];
      const steps = [
        { name: 'a', cpu: 1 },
        { name: 'big', cpu: 2 },
        { name: 'b', cpu: 1 },
        { name: 'huge', cpu: 64 },
      ].map(({ name, cpu }) =>
        run(own, {
          step: testStep(
            `echo "start ${name}" >> capacity.log; sleep 0.2; echo "end ${name}" >> capacity.log`,
            {
              resources: { cpu, gpu: 0, memoryMb: 0 },
            },
          ),
          onStart: () => starts.push(name),
        }),
      );
      const outcomes = await Promise.all(steps);
      assert.ok(outcomes.every((o) => o.outcome.exitCode === 0));
      assert.deepEqual(starts, ['a', 'big', 'b', 'huge']);
      // 'big' needs both cores: it waits for 'a', and 'b' waits behind it; 'huge' is clamped to
      // the whole machine, so it runs alone, last.
      assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), [
        'start a',
        'end a',
        'start big',
        'end big',
        'start b',
        'end b',
        'start huge',
        'end huge',
      ]);
    } finally {
      own.close();
    }
  });

  it('gives a step that declares GPUs its own in CUDA_VISIBLE_DEVICES', async () => {
    const own = new LauncherBackend(300, findPython() ?? null, twoGpus);
    try {
      await checkGpuHandOut(own);
      assert.equal(own.fallbackReason, undefined);
    } finally {
      await own.close();
    }
  });

  it('drops a step cancelled while it waits, which then never runs', async () => {
    const own = new LauncherBackend(300, findPython() ?? null, { cpu: 1, gpu: 0, memoryMb: 0 });
    try {
      const marker = path.join(root, 'never-ran');
      const first = run(own, { step: testStep('sleep 0.3') });
      const controller = new AbortController();
      let started = false;
      const waiting = run(own, {
        step: testStep(`touch ${JSON.stringify(marker)}`),
        signal: controller.signal,
        onStart: () => (started = true),
      });
      await new Promise((r) => setTimeout(r, 50));
      controller.abort(new Error('cancelled by the test'));
      assert.deepEqual((await waiting).outcome, {
        exitCode: null,
        reason: 'cancelled by the test',
      });
      assert.equal((await first).outcome.exitCode, 0);
      await run(own, { step: testStep('true') });
      assert.equal(started, false);
      assert.equal(fs.existsSync(marker), false);
    } finally {
      own.close();
    }
  });

  it('passes commands with quotes, newlines and unicode through unchanged', async () => {
    const text = `it's "quoted" \\ $HOME \`x\` — ünïcødé 🚀`;
    const command = `cat <<'EOF'\n${text}\nline two\nEOF\nprintf '%s\\n' 'a\nb'`;
    const { outcome, out } = await run(backend, { step: testStep(command) });
    assert.deepEqual(outcome, { exitCode: 0 });
    assert.equal(out, `${text}\nline two\na\nb\n`);
  });

  it('streams large output complete and in order, split unicode included', async () => {
    const { outcome, out, err } = await run(backend, {
      step: testStep(`seq 1 200000; printf 'é%.0s' $(seq 1 50000) >&2`),
    });
    assert.deepEqual(outcome, { exitCode: 0 });
    const expected = Array.from({ length: 200_000 }, (_, i) => `${i + 1}\n`).join('');
    assert.equal(out, expected);
    assert.equal(err, 'é'.repeat(50_000));
  });

  it('runs many steps at once, each with its own output and exit code', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        run(backend, {
          step: testStep(`echo step-$N; exit $((N % 3))`),
          env: { base: baseEnv, vars: { N: `${i}` } },
        }),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.out, `step-${i}\n`);
      assert.equal(r.outcome.exitCode, i % 3);
    });
  });

  it('reports a step killed by a signal, and a working directory that does not exist', async () => {
    const killed = await run(backend, { step: testStep('kill -KILL $$') });
    assert.deepEqual(killed.outcome, { exitCode: null, reason: 'killed by SIGKILL' });
    const missing = await run(backend, { step: testStep('true', { wd: 'no-such-dir' }) });
    assert.equal(missing.outcome.exitCode, null);
    assert.match(missing.outcome.reason ?? '', /^could not start the step: .*no-such-dir/);
  });

  it('waits for a grandchild that holds the output open, like a piped spawn', async () => {
    const { outcome, out } = await run(backend, {
      step: testStep(`(sleep 0.3; echo late) & echo early`),
    });
    assert.deepEqual(outcome, { exitCode: 0 });
    assert.equal(out, 'early\nlate\n');
  });

  for (const [how, reason] of [
    ['cancelled', 'cancelled'],
    ['timed out', 'timed out after 1 s'],
  ] as const) {
    it(`stops the whole process group when ${how}, SIGKILL after the grace period`, async () => {
      const pidFile = path.join(root, `pid-${how.replace(' ', '-')}`);
      const controller = new AbortController();
      const started = Date.now();
      const running = run(backend, {
        // The grandchild ignores SIGTERM, so only the SIGKILL after the grace period ends it.
        step: testStep(`sh -c 'trap "" TERM; sleep 60 & echo $! > "${pidFile}"; wait' ; true`),
        signal: controller.signal,
      });
      await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
      const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
      controller.abort(new Error(reason));
      const { outcome } = await running;
      assert.equal(outcome.reason, reason);
      await waitFor(() => !isAlive(sleeper), 3_000).catch(() => undefined);
      assert.equal(isAlive(sleeper), false, 'the grandchild outlived the step');
      assert.ok(Date.now() - started < 10_000);
    });
  }

  it('starts a new launcher for the next step once an idle one is closed', async () => {
    const own = new LauncherBackend(300);
    assert.equal((await run(own, { step: testStep('echo one') })).out, 'one\n');
    const first = own.launcherPid as number;
    own.close();
    assert.equal(own.launcherPid, undefined);
    await waitFor(() => !isAlive(first));
    assert.equal((await run(own, { step: testStep('echo two') })).out, 'two\n');
    assert.notEqual(own.launcherPid, first);
    own.close();
  });

  it('stops the steps it started when Node closes its end, as when Node is killed', async () => {
    const own = new LauncherBackend(300);
    const ids: string[] = [];
    const running = run(own, {
      step: testStep('sleep 30 & sleep 30; wait'),
      onExternalId: (id) => ids.push(id),
    });
    await waitFor(() => ids.length === 1);
    const pgid = Number(ids[0]?.slice('pid:'.length));
    own.close();
    const { outcome } = await running;
    assert.equal(outcome.exitCode, null);
    await waitFor(() => {
      try {
        process.kill(-pgid, 0);
        return false;
      } catch {
        return true;
      }
    });
  });

  it('outlives a Ctrl-C meant for Node (SIGINT to the group), and its steps take SIGINT as usual', async () => {
    const own = new LauncherBackend(300);
    const controller = new AbortController();
    const ids: string[] = [];
    const waiting = run(own, {
      step: testStep('sleep 30'),
      signal: controller.signal,
      onExternalId: (id) => ids.push(id),
    });
    await waitFor(() => ids.length === 1);
    const launcher = own.launcherPid as number;
    process.kill(launcher, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(isAlive(launcher), 'the launcher was stopped by SIGINT');
    // The step's shell has SIGINT at its default, not ignored as the launcher has it (bit 2 of
    // the ignored-signals mask), so a step's own Ctrl-C handling works.
    const mask = await run(own, { step: testStep("grep '^SigIgn:' /proc/$$/status") });
    const ignored = BigInt(`0x${mask.out.trim().split(/\s+/)[1]}`);
    assert.equal(ignored & 2n, 0n, `SIGINT is ignored in the step: ${mask.out}`);
    controller.abort(new Error('cancelled'));
    assert.equal((await waiting).outcome.exitCode, null);
    assert.equal(own.launcherPid, launcher, 'the same launcher ran both');
    own.close();
  });

  it('fails the running steps with the reason when the launcher dies, and stops them', async () => {
    const own = new LauncherBackend(300);
    const pidFile = path.join(root, 'pid-launcher');
    const ids: string[] = [];
    const running = run(own, {
      step: testStep(`sleep 60 & echo $! > "${pidFile}"; wait`),
      onExternalId: (id) => ids.push(id),
    });
    // Killed once Node has heard the step started (it can stop only the groups it knows of).
    await waitFor(
      () =>
        ids.length === 1 &&
        fs.existsSync(pidFile) &&
        fs.readFileSync(pidFile, 'utf8').trim() !== '',
    );
    const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
    const launcher = own.launcherPid as number;
    process.kill(launcher, 'SIGKILL');
    const { outcome } = await running;
    assert.equal(outcome.exitCode, null);
    assert.equal(
      outcome.reason,
      `the step launcher (process ${launcher}) killed by SIGKILL; the step was stopped`,
    );
    await waitFor(() => !isAlive(sleeper), 3_000).catch(() => undefined);
    assert.equal(isAlive(sleeper), false, 'the step outlived its launcher');
    // The next step starts a new launcher.
    const next = await run(own, { step: testStep('echo again') });
    assert.deepEqual(next.outcome, { exitCode: 0 });
    assert.equal(next.out, 'again\n');
    assert.notEqual(own.launcherPid, launcher);
    own.close();
  });
});

describe('without a usable launcher', () => {
  it('runs steps with Node spawn when there is no python3', async () => {
    const backend = new LauncherBackend(300, null);
    const { outcome, out } = await run(backend, { step: testStep('echo direct; exit 3') });
    assert.deepEqual(outcome, { exitCode: 3, reason: 'exited with code 3' });
    assert.equal(out, 'direct\n');
    assert.equal(backend.fallbackReason, 'no python3 found');
  });

  it('gives GPUs out the same way with Node spawn', async () => {
    const backend = new LauncherBackend(300, null, twoGpus);
    await checkGpuHandOut(backend);
    assert.equal(backend.fallbackReason, 'no python3 found');
  });

  it('runs steps with Node spawn when the launcher fails before it is ready', async () => {
    const backend = new LauncherBackend(300, '/bin/false');
    const results = await Promise.all([
      run(backend, { step: testStep('echo one') }),
      run(backend, { step: testStep('echo two >&2; exit 1') }),
    ]);
    assert.deepEqual(results[0]?.outcome, { exitCode: 0 });
    assert.equal(results[0]?.out, 'one\n');
    assert.deepEqual(results[1]?.outcome, { exitCode: 1, reason: 'exited with code 1' });
    assert.equal(results[1]?.err, 'two\n');
    assert.match(
      backend.fallbackReason ?? '',
      /the step launcher \(process \d+\) exited with code 1/,
    );
    const later = await run(backend, { step: testStep('echo later') });
    assert.equal(later.out, 'later\n');
  });
});
