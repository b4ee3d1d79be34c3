import { RayBackend } from '@sextant/core/dist/compute/ray';
import type { StepLaunch, StepOutcome } from '@sextant/core/dist/compute/index';
import type { ResolvedStep } from '@sextant/core/model';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { sextant } from '../support/cli';
import { REPO } from '../support/server';

const RAY = path.join(REPO, '.venv', 'bin', 'ray');
/** How long `ray start` and the dashboard may take on a slow two-core machine. */
const START_TIMEOUT_MS = 120_000;
/** How often `ray start` is tried before the test gives up. */
const START_ATTEMPTS = 3;

/** `count` distinct free loopback ports: all held open at once, then released. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}

/** Pids of the processes in session `sid` (Linux /proc). */
function sessionMembers(sid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid) members.push(Number(entry));
    } catch {
      // The process ended while it was being read.
    }
  }
  return members;
}

/** Kills every process of session `sid` and waits until none is left. */
async function killSession(sid: number): Promise<void> {
  for (const pid of sessionMembers(sid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 20_000;
  while (sessionMembers(sid).length > 0 && Date.now() < deadline) await delay(200);
}

/**
 * Why the raylet of a starting cluster died, or undefined while it lives. Ray 2.60's raylet gives
 * the dashboard agent 15 s to write its port files and aborts otherwise (no setting changes
 * that), which a busy two-core machine can exceed; `ray start` then waits a minute longer before
 * it notices. This file therefore runs alone, after the other test files (scripts/test.sh).
 */
function rayletCrash(rayTemp: string): string | undefined {
  try {
    const log = path.join(rayTemp, 'session_latest', 'logs', 'raylet.out');
    const failed = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .find((line) => line.includes('Check failed'));
    return failed?.slice(failed.indexOf('Check failed'));
  } catch {
    return undefined;
  }
}

/**
 * One `ray start --head` in a session of its own: its session id and whether it came up. The
 * cluster runs in a mount namespace of its own where `hidden` is an empty folder, as a cluster on
 * another machine sees none of this machine's files there.
 */
async function rayStart(
  rayTemp: string,
  ports: number[],
  hidden: string,
): Promise<{ sid: number; ok: boolean; output: string }> {
  const [gcs, dashboard, agent, client, agentGrpc, runtimeEnv, metrics] = ports;
  // A session of its own: the test stops exactly this cluster's processes, leaving any other
  // Ray cluster on the machine alone (`ray stop` would stop every one).
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o size=1m,mode=755 sextant-hidden "$1" && shift && exec "$@"',
      'sh',
      hidden,
      RAY,
      'start',
      '--head',
      `--port=${gcs}`,
      '--node-ip-address=127.0.0.1',
      '--dashboard-host=127.0.0.1',
      `--dashboard-port=${dashboard}`,
      `--dashboard-agent-listen-port=${agent}`,
      `--ray-client-server-port=${client}`,
      `--dashboard-agent-grpc-port=${agentGrpc}`,
      `--runtime-env-agent-port=${runtimeEnv}`,
      `--metrics-export-port=${metrics}`,
      '--include-dashboard=true',
      '--num-cpus=1',
      `--temp-dir=${rayTemp}`,
      '--disable-usage-stats',
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        RAY_TMPDIR: path.dirname(rayTemp),
        RAY_USAGE_STATS_ENABLED: '0',
        // A busy two-core machine can take longer than Ray's 60 s default to register the node.
        RAY_raylet_start_wait_time_s: '180',
      },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let code: number | null | undefined;
  child.once('exit', (exitCode) => (code = exitCode));
  while (code === undefined) {
    const crash = rayletCrash(rayTemp);
    if (crash) {
      return { sid: child.pid!, ok: false, output: `${output}\nthe raylet aborted: ${crash}` };
    }
    await delay(500);
  }
  return { sid: child.pid!, ok: code === 0, output };
}

function step(name: string, run: string, vars: Record<string, string> = {}): ResolvedStep {
  return {
    name,
    run,
    wd: 'work',
    deps: [],
    params: [],
    outputs: [],
    metrics: [],
    artifacts: [],
    environment: { vars },
    resources: { cpu: 1, gpu: 0, memoryMb: 0 },
    compute: 'cluster',
    retries: 0,
    upstream: [],
    location: {
      file: '/dev/null',
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    },
  };
}

interface Execution {
  outcome: StepOutcome;
  log: string;
  externalId?: string;
}

describe('Ray compute backend on a real Ray cluster', () => {
  let temp = '';
  let root = '';
  /** A folder the cluster's processes do not see (see {@link rayStart}). */
  let hidden = '';
  const sids: number[] = [];
  let address = '';
  const started = Date.now();

  const execute = async (
    backend: RayBackend,
    target: ResolvedStep,
    controller = new AbortController(),
    onLog?: (log: string) => void,
  ): Promise<Execution> => {
    const execution: Partial<Execution> = { log: '' };
    const launch: StepLaunch = {
      step: target,
      root,
      env: { base: { ...(process.env as Record<string, string>) }, vars: {} },
      signal: controller.signal,
      onOutput: (stream, text) => {
        assert.equal(stream, 'stdout', 'a Ray job has one log');
        execution.log += text;
        onLog?.(execution.log!);
      },
      onExternalId: (id) => (execution.externalId = id),
    };
    execution.outcome = await backend.execute(launch);
    return execution as Execution;
  };

  const jobStatus = async (id: string): Promise<string> => {
    const response = await fetch(`${address}/api/jobs/${id}`);
    return ((await response.json()) as { status: string }).status;
  };

  before(async () => {
    assert.ok(
      fs.existsSync(RAY),
      `Ray is missing at ${RAY}: the Ray test needs ray[default] in the repository's venv (npm run setup)`,
    );
    temp = fs.mkdtempSync('/tmp/sxray-');
    root = path.join(temp, 'workspace');
    hidden = path.join(temp, 'hidden');
    fs.mkdirSync(hidden);
    fs.mkdirSync(path.join(root, 'work'), { recursive: true });
    // Every port fixed: the raylet then waits for fewer of the agent's port files.
    let output = '';
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const ports = await freePorts(7);
      address = `http://127.0.0.1:${ports[1]}`;
      const start = await rayStart(path.join(temp, `ray-${attempt}`), ports, hidden);
      sids.push(start.sid);
      output = start.output;
      if (start.ok) break;
      const reason = output.trim().split('\n').slice(-3).join('\n# ');
      process.stdout.write(`# ray start attempt ${attempt} failed:\n# ${reason}\n`);
      await killSession(start.sid);
      assert.ok(attempt < START_ATTEMPTS, `ray start failed ${attempt} times; last:\n${output}`);
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = await fetch(`${address}/api/version`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      assert.ok(Date.now() < deadline, `Ray's dashboard did not answer at ${address}:\n${output}`);
      await delay(500);
    }
    process.stdout.write(`# Ray cluster up in ${Date.now() - started} ms\n`);
  });

  after(async () => {
    for (const sid of sids) {
      await killSession(sid);
      assert.deepEqual(sessionMembers(sid), [], 'processes of the Ray cluster were left behind');
    }
    delete process.env.SEXTANT_RAY_TEST;
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
    process.stdout.write(`# Ray test took ${Date.now() - started} ms\n`);
  });

  test('runs a step as a Ray job: its log streamed, its file written, SUCCEEDED', async () => {
    // Set after the cluster started, so only the job's runtime environment can carry it.
    process.env.SEXTANT_RAY_TEST = 'and its tracking variables';
    const backend = new RayBackend(address, { pollIntervalMs: 200 });
    const seen: string[] = [];
    const run = await execute(
      backend,
      step(
        'hello',
        'echo "first line"; echo "to stderr" >&2; printf "%s" "$GREETING $SEXTANT_RAY_TEST" > out.txt; echo "last line"',
        { GREETING: 'hello from Ray' },
      ),
      undefined,
      (log) => seen.push(log),
    );
    assert.deepEqual(run.outcome, { exitCode: 0 }, run.log);
    assert.match(run.log, /^first line$/m);
    assert.match(run.log, /^to stderr$/m);
    assert.match(run.log, /^last line$/m);
    assert.ok(seen.length >= 1);
    assert.equal(
      fs.readFileSync(path.join(root, 'work', 'out.txt'), 'utf8'),
      'hello from Ray and its tracking variables',
    );
    assert.ok(run.externalId?.startsWith('sextant-'), `external id: ${run.externalId}`);
    assert.equal(await jobStatus(run.externalId!), 'SUCCEEDED');
    const whole = (await (await fetch(`${address}/api/jobs/${run.externalId}/logs`)).json()) as {
      logs: string;
    };
    assert.equal(run.log, whole.logs, 'the log handed on is the job log, once, in order');
  });

  test("the log arrives as the job writes it (Ray's tail), not at the next status poll", async () => {
    // Status is read every 8 s: a log read only with the status would bring both lines at once.
    const backend = new RayBackend(address, { pollIntervalMs: 8_000 });
    const arrived: { text: string; at: number }[] = [];
    const run = await execute(
      backend,
      step('ticks', 'echo tick; sleep 4; echo tock'),
      undefined,
      (log) => arrived.push({ text: log, at: Date.now() }),
    );
    assert.deepEqual(run.outcome, { exitCode: 0 }, run.log);
    // Whole lines: Ray's own line naming the entrypoint holds both words.
    const tick = arrived.find((a) => /^tick$/m.test(a.text));
    const tock = arrived.find((a) => /^tock$/m.test(a.text));
    assert.ok(tick && tock, `log: ${run.log}`);
    assert.ok(
      tock.at - tick.at >= 2_000,
      `tick and tock arrived ${tock.at - tick.at} ms apart: the log was not followed live`,
    );
    assert.equal(run.log.match(/^tick$/gm)?.length, 1, run.log);
  });

  test('a failing step ends with its exit code and the reason', async () => {
    const backend = new RayBackend(address, { pollIntervalMs: 200 });
    const run = await execute(backend, step('fails', 'echo "about to fail"; exit 7'));
    assert.equal(run.outcome.exitCode, 7, run.log);
    assert.match(run.outcome.reason ?? '', /failed/);
    assert.match(run.log, /^about to fail$/m);
    assert.equal(await jobStatus(run.externalId!), 'FAILED');
  });

  test('an aborted step is stopped on the cluster', async () => {
    const backend = new RayBackend(address, { pollIntervalMs: 200 });
    const controller = new AbortController();
    const began = Date.now();
    const run = await execute(
      backend,
      step('long', 'echo "long step started"; sleep 300'),
      controller,
      (log) => {
        if (log.includes('long step started')) controller.abort();
      },
    );
    assert.equal(run.outcome.exitCode, null, run.log);
    assert.match(run.outcome.reason ?? '', /cancelled/);
    assert.equal(await jobStatus(run.externalId!), 'STOPPED');
    assert.ok(Date.now() - began < 60_000, 'the stop took too long');
  });

  test('a cluster that does not share the workspace: inputs uploaded, outputs sent back', async () => {
    // Where the cluster sees an empty folder: it shares no file with this workspace.
    const work = path.join(hidden, 'upload-ws');
    const store = path.join(hidden, 'upload-store');
    fs.mkdirSync(path.join(work, 'data'), { recursive: true });
    fs.mkdirSync(path.join(work, 'src'), { recursive: true });
    fs.writeFileSync(path.join(work, 'data', 'in.txt'), 'three little words\n');
    fs.writeFileSync(path.join(work, 'params.yaml'), 'shout: 2\n');
    fs.writeFileSync(path.join(work, 'unlisted.txt'), 'not a dependency of any step\n');
    // The script is not a declared dependency: the package takes it from the command.
    fs.writeFileSync(
      path.join(work, 'src', 'remote.py'),
      [
        'import json, os, pathlib',
        'text = pathlib.Path("data/in.txt").read_text().strip()',
        'times = int(pathlib.Path("params.yaml").read_text().split(":")[1])',
        'pathlib.Path("out/parts").mkdir(parents=True, exist_ok=True)',
        'pathlib.Path("out/result.txt").write_text(" ".join([text.upper()] * times))',
        'pathlib.Path("out/parts/cwd.txt").write_text(os.getcwd())',
        'pathlib.Path("out/parts/unlisted.txt").write_text(str(os.path.exists("unlisted.txt")))',
        `pathlib.Path("out/parts/sees.txt").write_text(str(os.path.exists(${JSON.stringify(work)})))`,
        'pathlib.Path("metrics.json").write_text(json.dumps({"words": len(text.split())}))',
        'print("remote step done")',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(work, 'sextant.yaml'),
      [
        'version: 1',
        'compute:',
        '  cluster:',
        '    kind: ray',
        `    address: ${address}`,
        '    workspace: upload',
        'pipelines:',
        '  shipped:',
        '    steps:',
        '      remote:',
        '        run: python3 src/remote.py',
        '        compute: cluster',
        '        deps: [data/in.txt]',
        '        params: [shout]',
        '        outs: [out]',
        '        metrics: [metrics.json]',
        '      after:',
        '        run: wc -w < out/result.txt > count.txt',
        '        deps: [out/result.txt]',
        '        outs: [count.txt]',
        '',
      ].join('\n'),
    );
    const first = await sextant(['pipeline', 'run', '--store', store], {
      cwd: work,
      timeoutMs: 240_000,
    });
    const shown = `${first.stdout}\n${first.stderr}`;
    assert.equal(first.code, 0, shown);
    assert.match(shown, /remote step done/);
    assert.equal(
      fs.readFileSync(path.join(work, 'out', 'result.txt'), 'utf8'),
      'THREE LITTLE WORDS THREE LITTLE WORDS',
    );
    const jobCwd = fs.readFileSync(path.join(work, 'out', 'parts', 'cwd.txt'), 'utf8');
    assert.notEqual(jobCwd, work, 'the job ran in the workspace, not in its package');
    assert.match(jobCwd, /_ray_pkg_[0-9a-f]{40}/);
    assert.equal(
      fs.readFileSync(path.join(work, 'out', 'parts', 'unlisted.txt'), 'utf8'),
      'False',
      'the package held a file no step reads',
    );
    assert.equal(
      fs.readFileSync(path.join(work, 'out', 'parts', 'sees.txt'), 'utf8'),
      'False',
      'the cluster saw the workspace: this test would not show that it needs none',
    );
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(work, 'metrics.json'), 'utf8')), {
      words: 3,
    });
    assert.equal(fs.readFileSync(path.join(work, 'count.txt'), 'utf8').trim(), '6');
    const staging = path.join(store, 'artifacts', 'sextant-transfers');
    assert.ok(
      !fs.existsSync(staging) || fs.readdirSync(staging).length === 0,
      'the staging folder was left behind',
    );
    const runsJson = await sextant(['pipeline', 'runs', '--store', store, '--json'], { cwd: work });
    const runs = JSON.parse(runsJson.stdout) as {
      steps: { step: string; status: string; externalId?: string }[];
    }[];
    const remote = runs[0]?.steps.find((s) => s.step === 'remote');
    assert.equal(remote?.status, 'done', runsJson.stdout);
    assert.equal(await jobStatus(remote!.externalId!), 'SUCCEEDED');

    const second = await sextant(['pipeline', 'run', '--store', store], { cwd: work });
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stderr, /2 cached/);
  });

  test('an unreachable cluster is a clear error', async () => {
    const [port] = await freePorts(1);
    const backend = new RayBackend(`http://127.0.0.1:${port}`);
    await assert.rejects(
      execute(backend, step('nowhere', 'true')),
      /cannot reach the Ray cluster at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
  });
});
