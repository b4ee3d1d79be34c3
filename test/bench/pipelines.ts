/**
 * Pipelines against their anchors, in one run:
 *
 * 1. **No-op re-run** of a 100-step pipeline whose data dependencies total 2 GB: `sextant
 *    pipeline run` against `dvc repro` on the equivalent `dvc.yaml` (DVC from PyPI). Both have
 *    run the pipeline once; the timed runs find everything up to date. Target: Sextant >= 5x faster.
 * 2. **Scheduling overhead** of 1,000 trivial steps: `sextant pipeline run --force` against
 *    spawning the same 1,000 commands with `xargs -P <cores>`. Target: within 1.5x of xargs.
 *    Also timed: the editor's path (one long-lived engine runs the pipeline, as the language
 *    server does: no process start), the CPU seconds each takes (children included: where the
 *    steps keep every core busy, a runner's own CPU shows in its wall time), and two floors for
 *    reference: Node with only Sextant's step launcher, handed the same commands with nothing
 *    loaded, planned or recorded (`launcherFloor.ts`: what the command line pays before
 *    Sextant's own work), and a bare Node process spawning them as Sextant's fallback does
 *    (`sh -c`, output piped, <cores> at a time): the floor of any runner built on Node's spawn.
 *
 * Each Sextant run prints where its time went (`SEXTANT_TIMINGS=1`): Node's start, loading
 * Sextant, loading and planning the pipeline, executing it, closing; the medians are reported.
 *
 *   node test/dist/bench/pipelines.js [--quick] [--strict] [--repeats N] [--dvc PATH]
 *     [--sextant path/to/core/bin/sextant.js] [--only noop|trivial]
 *
 * DVC comes from a venv of its own (`~/.cache/sextant-bench/dvc-venv`, created with pip on first
 * use) so the project's test venv stays as CI installs it. `--quick` uses 200 MB over 20 steps and
 * 200 trivial steps. `--only noop` (or `trivial`) runs one of the two parts.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ms,
  num,
  numberOption,
  printTable,
  printTargets,
  REPO,
  runBenchmark,
  stats,
  tempDir,
  type Target,
  writeResults,
} from './harness';

const DEFAULT_SEXTANT = path.join(REPO, 'core', 'bin', 'sextant.js');
const WARM_SCRIPT = path.join(__dirname, 'warmPipeline.js');
const LAUNCHER_FLOOR = path.join(__dirname, 'launcherFloor.js');
const DVC_VERSION = '3.67.1';
const DEFAULT_DVC_VENV = path.join(os.homedir(), '.cache', 'sextant-bench', 'dvc-venv');

/** Runs a command to completion; throws with its output when it fails. Answers wall milliseconds. */
async function timed(
  command: string,
  args: string[],
  cwd: string,
  env = process.env,
): Promise<number> {
  return (await timedWithOutput(command, args, cwd, env)).ms;
}

/** {@link timed}, also answering the last 4000 characters of the command's output. */
function timedWithOutput(
  command: string,
  args: string[],
  cwd: string,
  env = process.env,
): Promise<{ ms: number; output: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve({ ms: elapsed, output });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

/**
 * CPU seconds (user + system, children included) that a shell command takes, from bash's `time`:
 * on a machine whose cores the steps themselves keep busy, every CPU second a runner adds shows
 * in its wall time.
 */
async function cpuSeconds(command: string, cwd: string): Promise<number> {
  const script = `TIMEFORMAT='@cpu %U %S'; time { ${command} >/dev/null 2>&1; }`;
  const { output } = await timedWithOutput('bash', ['-c', script], cwd);
  const found = /@cpu ([\d.]+) ([\d.]+)/.exec(output);
  if (!found) throw new Error(`no CPU time in: ${output}`);
  return Number(found[1]) + Number(found[2]);
}

/** Where one `sextant pipeline run` spent its time (its `sextant-timings` line), in ms. */
interface SextantSplit {
  /** Wall time of the whole process, as the benchmark measured it. */
  total: number;
  boot: number;
  modules: number;
  open: number;
  plan: number;
  execute: number;
  close: number;
  record: number;
  /** CPU time (user + system) of the process until it closed the store. */
  cpu: number;
}

const SEXTANT_ENV = { ...process.env, SEXTANT_TIMINGS: '1' };

/** Times one `sextant pipeline run` and reads its split. */
async function sextantRun(args: string[], cwd: string): Promise<SextantSplit> {
  const { ms, output } = await timedWithOutput(process.execPath, args, cwd, SEXTANT_ENV);
  const line = /^sextant-timings (.*)$/m.exec(output);
  if (!line) {
    // A Sextant from before the split (`--sextant`, to compare with an older build).
    const unknown = Number.NaN;
    return {
      total: ms,
      ...{ boot: unknown, modules: unknown, open: unknown, plan: unknown, execute: unknown },
      ...{ close: unknown, record: unknown, cpu: unknown },
    };
  }
  const t = JSON.parse(line[1] as string) as Omit<SextantSplit, 'total' | 'cpu'> & {
    cpu: Record<string, number>;
  };
  const cpu = Object.values(t.cpu).reduce((a, b) => a + b, 0);
  return { ...t, total: ms, cpu };
}

/** The split of the run whose total is the median (parts of one run add up). */
function medianSplit(runs: SextantSplit[]): SextantSplit {
  const sorted = [...runs].sort((a, b) => a.total - b.total);
  return sorted[Math.floor((sorted.length - 1) / 2)] as SextantSplit;
}

/** `boot 150 + load 300 + plan 200 + execute 90 + close 10 (exit 20)` for a table. */
function describeSplit(s: SextantSplit): string {
  const exit = s.total - (s.boot + s.modules + s.open + s.plan + s.execute + s.close);
  return (
    `node start ${ms(s.boot)}, load ${ms(s.modules)}, open+plan ${ms(s.open + s.plan)}, ` +
    `execute ${ms(s.execute)} (recording ${ms(s.record)}), close+exit ${ms(s.close + exit)}; ` +
    `CPU ${ms(s.cpu)}`
  );
}

/** A bare Node process spawning each line of `commands.txt` with `sh -c`, `parallel` at a time. */
const NODE_SPAWN_FLOOR = `
const { spawn } = require('node:child_process');
const lines = require('node:fs').readFileSync('commands.txt', 'utf8').split('\\n').filter(Boolean);
let next = 0;
const one = () => {
  const command = lines[next++];
  if (command === undefined) return;
  const child = spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  child.once('close', (code) => (code === 0 ? one() : process.exit(1)));
};
for (let i = 0; i < Number(process.argv[1]); i++) one();
`;

/** The dvc executable: `--dvc`, else a venv of its own made on first use. */
function dvcExecutable(option: string | undefined): string {
  if (option) return option;
  const dvc = path.join(DEFAULT_DVC_VENV, 'bin', 'dvc');
  if (fs.existsSync(dvc)) return dvc;
  process.stdout.write(`installing dvc==${DVC_VERSION} into ${DEFAULT_DVC_VENV} (once)\n`);
  fs.mkdirSync(path.dirname(DEFAULT_DVC_VENV), { recursive: true });
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', DEFAULT_DVC_VENV]],
    [path.join(DEFAULT_DVC_VENV, 'bin', 'pip'), ['install', '-q', `dvc==${DVC_VERSION}`]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  }
  return dvc;
}

/** Writes `count` files of `bytes` random bytes each under `dir`. */
function writeData(dir: string, count: number, bytes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < count; i++) {
    const fd = fs.openSync(path.join(dir, `part-${i}.bin`), 'w');
    for (let written = 0; written < bytes; written += chunk.length) {
      for (let j = 0; j < chunk.length; j += 4)
        chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
    }
    fs.closeSync(fd);
  }
}

/** The same 100-step pipeline for both tools: step i reads data part i, writes a small file. */
function writeNoopPipelines(root: string, steps: number): void {
  const sextant = ['version: 1', 'pipelines:', '  noop:', '    steps:'];
  const dvc = ['stages:'];
  for (let i = 0; i < steps; i++) {
    const command = `wc -c data/part-${i}.bin >`;
    sextant.push(
      `      step-${i}:`,
      `        run: ${command} out-sextant/s-${i}.txt`,
      `        deps: [data/part-${i}.bin]`,
      `        outs: [out-sextant/s-${i}.txt]`,
    );
    dvc.push(
      `  step-${i}:`,
      `    cmd: ${command} out-dvc/s-${i}.txt`,
      `    deps: [data/part-${i}.bin]`,
      `    outs: [out-dvc/s-${i}.txt]`,
    );
  }
  fs.mkdirSync(path.join(root, 'out-sextant'), { recursive: true });
  fs.mkdirSync(path.join(root, 'out-dvc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sextant.yaml'), `${sextant.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'dvc.yaml'), `${dvc.join('\n')}\n`);
}

/** 1,000 independent trivial steps, and the same commands as lines for xargs. */
function writeTrivialPipeline(root: string, steps: number): string[] {
  const lines = ['version: 1', 'pipelines:', '  trivial:', '    steps:'];
  const commands: string[] = [];
  for (let i = 0; i < steps; i++) {
    const command = `echo ${i} > /dev/null`;
    lines.push(`      t-${i}:`, `        run: ${command}`);
    commands.push(command);
  }
  fs.writeFileSync(path.join(root, 'sextant.yaml'), `${lines.join('\n')}\n`);
  return commands;
}

/** What one part of the benchmark adds to the table, the split, the targets and the results. */
interface Part {
  rows: string[][];
  /** Where Sextant's time went; undefined for an older build (`--sextant`), which prints none. */
  split: string | undefined;
  target: Target;
  results: Record<string, unknown>;
}

/** 1. The no-op re-run of a `steps`-step pipeline over `totalBytes` of data, against dvc. */
async function noopPart(
  work: string,
  sextantArgs: string[],
  dvcOption: string | undefined,
  sizes: { steps: number; totalBytes: number; repeats: number },
): Promise<Part> {
  const { steps, totalBytes, repeats } = sizes;
  const dvc = dvcExecutable(dvcOption);
  const noop = path.join(work, 'noop');
  process.stdout.write(`writing ${steps} data files, ${num(totalBytes / 2 ** 20)} MiB in all\n`);
  writeData(path.join(noop, 'data'), steps, Math.ceil(totalBytes / steps));
  writeNoopPipelines(noop, steps);
  await timed(dvc, ['init', '--no-scm', '-q'], noop);
  await timed(dvc, ['config', 'core.analytics', 'false'], noop);
  process.stdout.write('first runs (not timed as no-op): sextant, then dvc\n');
  const sextantFirst = await timed(process.execPath, sextantArgs, noop);
  const dvcFirst = await timed(dvc, ['repro', '-q'], noop);
  for (let i = 0; i < steps; i++) {
    const a = fs.readFileSync(path.join(noop, 'out-sextant', `s-${i}.txt`), 'utf8');
    const b = fs.readFileSync(path.join(noop, 'out-dvc', `s-${i}.txt`), 'utf8');
    if (a.trim().split(/\s+/)[0] !== b.trim().split(/\s+/)[0])
      throw new Error(`step ${i}: outputs differ (${a.trim()} vs ${b.trim()})`);
  }
  const outputTimes = (): string =>
    ['out-sextant', 'out-dvc']
      .flatMap((dir) =>
        fs
          .readdirSync(path.join(noop, dir))
          .map((f) => fs.statSync(path.join(noop, dir, f)).mtimeMs),
      )
      .join(',');
  const before = outputTimes();
  const sextantNoopRuns: SextantSplit[] = [];
  const dvcNoop: number[] = [];
  for (let r = 0; r < repeats; r++) {
    sextantNoopRuns.push(await sextantRun(sextantArgs, noop));
    dvcNoop.push(await timed(dvc, ['repro', '-q'], noop));
  }
  const sextantNoop = sextantNoopRuns.map((r) => r.total);
  if (outputTimes() !== before) throw new Error('a no-op run rewrote outputs: something re-ran');
  const s1 = stats(sextantNoop);
  const d1 = stats(dvcNoop);
  const noopSplit = medianSplit(sextantNoopRuns);
  const noopRatio = d1.p50 / s1.p50;
  return {
    rows: [
      [
        `no-op re-run, ${steps} steps, ${num(totalBytes / 2 ** 30, 2)} GiB deps (p50)`,
        `dvc ${ms(d1.p50)}`,
        ms(s1.p50),
        `${noopRatio.toFixed(1)}x faster`,
      ],
      [
        `first run, ${steps} steps (once)`,
        `dvc ${ms(dvcFirst)}`,
        ms(sextantFirst),
        `${(dvcFirst / sextantFirst).toFixed(1)}x`,
      ],
    ],
    split: Number.isNaN(noopSplit.cpu) ? undefined : describeSplit(noopSplit),
    target: {
      name: 'no-op re-run >= 5x faster than dvc repro',
      met: noopRatio >= 5,
      detail: `${noopRatio.toFixed(1)}x (dvc ${ms(d1.p50)}, sextant ${ms(s1.p50)})`,
    },
    results: {
      headline: {
        what: 'no-op re-run vs dvc repro (p50)',
        mlflow: ms(d1.p50),
        sextant: ms(s1.p50),
        ratio: noopRatio,
      },
      noop: { steps, totalBytes, sextant: s1, dvc: d1, sextantFirst, dvcFirst, split: noopSplit },
    },
  };
}

/** 2. Scheduling overhead: `trivialSteps` trivial steps against xargs -P and a bare Node spawn. */
async function trivialPart(
  work: string,
  sextantArgs: string[],
  sizes: { trivialSteps: number; repeats: number; cores: number },
): Promise<Part> {
  const { trivialSteps, repeats, cores } = sizes;
  const trivial = path.join(work, 'trivial');
  fs.mkdirSync(trivial);
  const commands = writeTrivialPipeline(trivial, trivialSteps);
  fs.writeFileSync(path.join(trivial, 'commands.txt'), `${commands.join('\n')}\n`);
  const xargsArgs = ['-c', `xargs -P ${cores} -d '\\n' -I{} sh -c '{}' < commands.txt`];
  const floorArgs = ['-e', NODE_SPAWN_FLOOR, String(cores)];
  await timed(process.execPath, [...sextantArgs, '--force'], trivial);
  const sextantTrivialRuns: SextantSplit[] = [];
  const xargsTrivial: number[] = [];
  const floorTrivial: number[] = [];
  const launcherTrivial: number[] = [];
  for (let r = 0; r < Math.max(2, Math.ceil(repeats / 2)); r++) {
    xargsTrivial.push(await timed('sh', xargsArgs, trivial));
    floorTrivial.push(await timed(process.execPath, floorArgs, trivial));
    launcherTrivial.push(await timed(process.execPath, [LAUNCHER_FLOOR, trivial], trivial));
    sextantTrivialRuns.push(await sextantRun([...sextantArgs, '--force'], trivial));
  }
  // The editor's path: one long-lived engine (as the language server holds) runs the pipeline.
  const warm = JSON.parse(
    (
      await timedWithOutput(
        process.execPath,
        [WARM_SCRIPT, trivial, String(Math.max(3, repeats))],
        trivial,
      )
    ).output.trim(),
  ) as number[];
  const quote = (word: string): string => `'${word.replace(/'/g, "'\\''")}'`;
  const xargsCpu = await cpuSeconds(`sh ${xargsArgs.map(quote).join(' ')}`, trivial);
  const sextantCpu = await cpuSeconds(
    [process.execPath, ...sextantArgs, '--force'].map(quote).join(' '),
    trivial,
  );
  const sextantTrivial = sextantTrivialRuns.map((r) => r.total);
  const s2 = stats(sextantTrivial);
  const x2 = stats(xargsTrivial);
  const f2 = stats(floorTrivial);
  const l2 = stats(launcherTrivial);
  const w2 = stats(warm);
  const trivialSplit = medianSplit(sextantTrivialRuns);
  const overhead = s2.p50 / x2.p50;
  return {
    rows: [
      [
        `${trivialSteps} trivial steps (p50)`,
        `xargs -P ${cores} ${ms(x2.p50)}`,
        ms(s2.p50),
        `${overhead.toFixed(2)}x of xargs`,
      ],
      [
        `${trivialSteps} trivial steps, editor's path: one long-lived engine (p50)`,
        `xargs -P ${cores} ${ms(x2.p50)}`,
        ms(w2.p50),
        `${(w2.p50 / x2.p50).toFixed(2)}x of xargs`,
      ],
      [
        `${trivialSteps} trivial steps: CPU seconds, children included`,
        `xargs ${xargsCpu.toFixed(2)} s`,
        `${sextantCpu.toFixed(2)} s`,
        `${(sextantCpu / xargsCpu).toFixed(2)}x of xargs`,
      ],
      [
        `${trivialSteps} trivial steps: Node + Sextant's launcher alone, nothing recorded (p50)`,
        `xargs -P ${cores} ${ms(x2.p50)}`,
        `floor ${ms(l2.p50)}`,
        `${(l2.p50 / x2.p50).toFixed(2)}x of xargs`,
      ],
      [
        `${trivialSteps} trivial steps: bare Node spawn, ${cores} at a time (p50)`,
        `xargs -P ${cores} ${ms(x2.p50)}`,
        `node ${ms(f2.p50)}`,
        `${(f2.p50 / x2.p50).toFixed(2)}x of xargs`,
      ],
    ],
    split: Number.isNaN(trivialSplit.cpu) ? undefined : describeSplit(trivialSplit),
    target: {
      name: `${trivialSteps} trivial steps within 1.5x of xargs -P`,
      met: overhead <= 1.5,
      detail: `${overhead.toFixed(2)}x (xargs ${ms(x2.p50)}, sextant ${ms(s2.p50)})`,
    },
    results: {
      trivial: {
        steps: trivialSteps,
        cores,
        sextant: s2,
        xargs: x2,
        nodeSpawn: f2,
        launcherFloor: l2,
        warmEngine: w2,
        cpuSeconds: { xargs: xargsCpu, sextant: sextantCpu },
        split: trivialSplit,
      },
    },
  };
}

runBenchmark(async (args, cleanup) => {
  const quick = args.quick;
  const steps = numberOption(args, 'steps', quick ? 20 : 100);
  const totalBytes = numberOption(args, 'bytes', quick ? 200 * 2 ** 20 : 2 * 2 ** 30);
  const trivialSteps = numberOption(args, 'trivial-steps', quick ? 200 : 1000);
  const repeats = numberOption(args, 'repeats', quick ? 3 : 5);
  const cores = os.availableParallelism();
  const only = args.options.get('only');
  if (only !== undefined && only !== 'noop' && only !== 'trivial') {
    throw new Error(`--only takes 'noop' or 'trivial', not '${only}'`);
  }
  const work = tempDir('pipelines');
  cleanup(async () => fs.rmSync(work, { recursive: true, force: true }));
  // `--sextant <bin/sextant.js>` times another build (an older commit's) in the same way.
  const sextant = path.resolve(args.options.get('sextant') ?? DEFAULT_SEXTANT);
  const sextantArgs = [sextant, 'pipeline', 'run', '--store', '.sextant'];
  const rows: string[][] = [];
  const splits: (string | undefined)[] = [];
  const targets: Target[] = [];
  const results: Record<string, unknown> = { quick };

  if (only !== 'trivial') {
    const noop = await noopPart(work, sextantArgs, args.options.get('dvc'), {
      steps,
      totalBytes,
      repeats,
    });
    rows.push(...noop.rows);
    splits.push(noop.split && `  no-op re-run:  ${noop.split}`);
    targets.push(noop.target);
    Object.assign(results, noop.results);
  }
  if (only !== 'noop') {
    const trivial = await trivialPart(work, sextantArgs, { trivialSteps, repeats, cores });
    rows.push(...trivial.rows);
    splits.push(trivial.split && `  trivial steps: ${trivial.split}`);
    targets.push(trivial.target);
    Object.assign(results, trivial.results);
  }
  printTable(
    `Pipelines (${cores} cores; ${repeats} timed no-op runs each)`,
    ['measure', 'anchor', 'sextant', 'ratio'],
    rows,
  );
  // An older build (`--sextant`) prints no split.
  if (splits.every((line) => line !== undefined)) {
    process.stdout.write(
      `\nWhere Sextant's time went (the run with the median total):\n${splits.join('\n')}\n`,
    );
  }
  printTargets(targets);
  writeResults('pipelines', { ...results, targets });
  return targets;
});
