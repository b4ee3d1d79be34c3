import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ComputeBackend, StepEnvironment, StepLaunch, StepOutcome } from './contracts';
import { clampTo, gpuIdsOf, machineCapacity, ResourcePool, type Capacity } from './resources';
import { LAUNCHER_SCRIPT } from './launcherScript';
import {
  abortReason,
  DEFAULT_KILL_GRACE_MS,
  killGroup,
  LOCAL_PID_PREFIX,
  LocalBackend,
} from './local';
import { PooledBackend } from './pooled';

/** Environment variable that turns the step launcher off (`0` or `off`): Node spawns each step. */
export const LAUNCHER_SWITCH = 'SEXTANT_STEP_LAUNCHER';

/** How long an idle launcher stays up for the next step before it is closed, in ms. */
const IDLE_CLOSE_MS = 10_000;

/** Where the launcher's Python is looked for, before `python3` on the PATH. */
const PYTHON_CANDIDATES = ['/usr/bin/python3', '/usr/local/bin/python3'];

/** A Python 3 interpreter to run the launcher with, or undefined when there is none. */
export function findPython(searchPath = process.env.PATH ?? ''): string | undefined {
  const candidates = [
    ...PYTHON_CANDIDATES,
    ...searchPath
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'python3')),
  ];
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not there: the next one
    }
  }
  return undefined;
}

/** A step handed to the launcher, until it ends. */
interface LaunchedStep {
  id: number;
  launch: StepLaunch;
  resolve(outcome: StepOutcome): void;
  /** Its process group, once the launcher reports it started. */
  pgid?: number;
  /** UTF-8 decoders of its output, made on its first output (most steps print nothing). */
  decoders?: { stdout: StringDecoder; stderr: StringDecoder };
  stop(): void;
  killTimer?: NodeJS.Timeout;
  /** Whether the launcher was asked to drop it before it starts. */
  cancelSent?: boolean;
}

type LauncherProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Runs local steps through a small long-lived launcher process (Python, see
 * {@link LAUNCHER_SCRIPT}) instead of spawning each from Node: Node's spawn forks the whole Node
 * process on its main thread (milliseconds a step at Sextant's size), the launcher's fork is
 * cheap. The launcher also schedules: it holds the steps it is given until their resources are
 * free within `capacity`, and starts the next the moment one ends; a step that declares GPUs
 * gets its own in `CUDA_VISIBLE_DEVICES`, as the resource pool gives them. Each step is still
 * `sh -c <run>` in the step's working directory and environment, in a process group of its own
 * whose id Node gets, with its output streamed as it arrives; abort (cancellation, timeout) drops
 * a waiting step, or sends SIGTERM to the group, then SIGKILL after the grace period, the same as
 * {@link LocalBackend}. When the launcher cannot start (no Python 3, or it fails before it is
 * ready) steps run with {@link LocalBackend} behind a resource pool; when it dies, its steps fail
 * with the reason, their process groups are stopped, and the next step starts a new launcher.
 */
export class LauncherBackend implements ComputeBackend {
  readonly kind = 'local' as const;
  readonly schedules = true;
  private process: LauncherProcess | undefined;
  private ready = false;
  /** Why the launcher cannot be used (steps then go to the fallback). */
  private unusable: string | undefined;
  private readonly steps = new Map<number, LaunchedStep>();
  private nextId = 1;
  private buffered = Buffer.alloc(0);
  private stderrTail = '';
  private idleTimer: NodeJS.Timeout | undefined;
  private corked = false;
  /** The base environment last sent to the running launcher (steps send their `vars` over it). */
  private sentBase: StepEnvironment['base'] | undefined;
  private readonly fallback: ComputeBackend;

  constructor(
    private readonly killGraceMs = DEFAULT_KILL_GRACE_MS,
    private readonly python: string | null = findPython() ?? null,
    private readonly capacity: Capacity = machineCapacity(),
    fallback: ComputeBackend = new LocalBackend(killGraceMs),
  ) {
    if (!python) this.unusable = 'no python3 found';
    this.fallback = new PooledBackend(fallback, new ResourcePool(capacity));
  }

  /** Why steps run without the launcher, or undefined while it is used. */
  get fallbackReason(): string | undefined {
    return this.unusable;
  }

  /** The launcher's process id, when one runs. */
  get launcherPid(): number | undefined {
    return this.process?.pid;
  }

  /**
   * Starts the launcher ahead of the first step (its start then overlaps the loading and
   * planning of a run); an idle launcher holds Node up for nothing and exits after a while.
   */
  prepare(): void {
    if (this.process) return;
    if (this.launcher()) this.idle();
  }

  execute(launch: StepLaunch): Promise<StepOutcome> {
    const { signal } = launch;
    if (signal.aborted) return Promise.resolve({ exitCode: null, reason: abortReason(signal) });
    const launcher = this.launcher();
    if (!launcher) return this.fallback.execute(launch);
    return new Promise((resolve) => {
      const id = this.nextId++;
      const step: LaunchedStep = {
        id,
        launch,
        resolve,
        stop: () => this.stop(step),
      };
      signal.addEventListener('abort', step.stop, { once: true });
      this.steps.set(id, step);
      // The first step since the launcher was idle holds Node up again.
      if (this.steps.size === 1) this.busy();
      // The steps that start in one turn go to the launcher in one write.
      if (!this.corked) {
        this.corked = true;
        launcher.stdin.cork();
        process.nextTick(() => {
          this.corked = false;
          launcher.stdin.uncork();
        });
      }
      const need = clampTo(this.capacity, launch.step.resources);
      this.send(launcher, {
        id,
        cmd: launch.step.run,
        cwd: path.resolve(launch.root, launch.step.wd),
        need: [need.cpu, need.gpu, need.memoryMb],
        ...this.baseOf(launch.env),
        set: launch.env.vars,
      });
    });
  }

  private send(launcher: LauncherProcess, message: object): void {
    launcher.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** The step's base environment, when the launcher does not have it yet (it keeps the last). */
  private baseOf(env: StepEnvironment): { env?: StepEnvironment['base'] } {
    if (env.base === this.sentBase) return {};
    this.sentBase = env.base;
    return { env: env.base };
  }

  /**
   * Closes the launcher. It stops the steps that still run (SIGTERM, SIGKILL after the grace
   * period), which are reported failed. Resolves once the launcher has exited (waited for, so
   * its CPU time and its steps' count as this process's children's), or after the grace period
   * and a second more.
   */
  close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const child = this.process;
    if (!child) return Promise.resolve();
    // An idle launcher is let go at once, so the next step starts a new one.
    if (this.steps.size === 0) this.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    child.ref();
    return new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, this.killGraceMs + 1_000);
      bound.unref();
      child.once('exit', () => {
        clearTimeout(bound);
        resolve();
      });
      child.stdin.end();
    });
  }

  /** The running launcher, started if need be; undefined when steps must use the fallback. */
  private launcher(): LauncherProcess | undefined {
    if (this.unusable !== undefined || !this.python) return undefined;
    if (this.process) return this.process;
    let child: LauncherProcess;
    try {
      const { cpu, gpu, memoryMb } = this.capacity;
      const args = ['-I', '-S', '-X', 'utf8', '-c', LAUNCHER_SCRIPT];
      const gpuIds = gpuIdsOf(this.capacity).join(',');
      args.push(`${cpu}`, `${gpu}`, `${memoryMb}`, `${this.killGraceMs / 1000}`, gpuIds);
      child = spawn(this.python, args, {
        cwd: os.tmpdir(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      this.unusable = `the step launcher could not start: ${(error as Error).message}`;
      return undefined;
    }
    this.process = child;
    this.ready = false;
    this.sentBase = undefined;
    this.buffered = Buffer.alloc(0);
    this.stderrTail = '';
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (chunk: Buffer) => this.receive(child, chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2_000);
    });
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    child.once('close', (code, killedBy) => this.closed(child, code, killedBy, spawnError));
    return child;
  }

  /** Keeps Node up while steps run; an idle launcher neither holds Node nor lives long. */
  private busy(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const child = this.process;
    if (!child) return;
    child.ref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket).ref();
  }

  private idle(): void {
    const child = this.process;
    if (!child || this.steps.size > 0) return;
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket).unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.process === child) void this.close();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  /** Parses the launcher's reports (see the protocol in {@link LAUNCHER_SCRIPT}). */
  private receive(child: LauncherProcess, chunk: Buffer): void {
    if (child !== this.process) return;
    let data = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const end = data.indexOf(10, at);
      if (end < 0) break;
      const header = data.toString('latin1', at, end);
      const [kind, idText, a, b] = header.split(' ');
      if (kind === 'O') {
        const length = Number(b);
        if (data.length < end + 1 + length) break;
        const step = this.steps.get(Number(idText));
        if (step) {
          const stream = a === '1' ? 'stdout' : 'stderr';
          step.decoders ??= {
            stdout: new StringDecoder('utf8'),
            stderr: new StringDecoder('utf8'),
          };
          const text = step.decoders[stream].write(data.subarray(end + 1, end + 1 + length));
          if (text) step.launch.onOutput(stream, text);
        }
        at = end + 1 + length;
        continue;
      }
      at = end + 1;
      if (kind === 'R') {
        this.ready = true;
        continue;
      }
      const id = Number(idText);
      const step = this.steps.get(id);
      if (!step) continue;
      if (kind === 'S') {
        step.pgid = Number(a);
        // One report of the start, with the process group as the step's external id.
        const externalId = `${LOCAL_PID_PREFIX}${step.pgid}`;
        const gpus = b && b !== '-' ? { gpus: b.split(',') } : undefined;
        if (step.launch.onStart) step.launch.onStart(externalId, gpus);
        else step.launch.onExternalId?.(externalId);
        if (step.launch.signal.aborted) this.stop(step);
      } else if (kind === 'C') {
        this.finish(id, step, { exitCode: null, reason: abortReason(step.launch.signal) });
      } else if (kind === 'X') {
        this.exited(id, step, a === '-' ? null : Number(a), b === '-' ? null : Number(b));
      } else if (kind === 'E') {
        this.finish(id, step, {
          exitCode: null,
          reason: `could not start the step: ${Buffer.from(a ?? '', 'hex').toString('utf8')}`,
        });
      }
    }
    data = data.subarray(at);
    this.buffered = data.length > 0 ? Buffer.from(data) : Buffer.alloc(0);
  }

  private exited(id: number, step: LaunchedStep, code: number | null, signalNo: number | null) {
    const { signal } = step.launch;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = step.decoders?.[stream].end();
      if (rest) step.launch.onOutput(stream, rest);
    }
    if (step.pgid !== undefined && (signal.aborted || signalNo !== null)) {
      // The shell may be gone while a grandchild still holds the group: finish the job.
      const pgid = step.pgid;
      if (killGroup(pgid, 'SIGTERM'))
        setTimeout(() => killGroup(pgid, 'SIGKILL'), this.killGraceMs).unref();
    }
    if (step.killTimer && !signal.aborted) clearTimeout(step.killTimer);
    if (signal.aborted) this.finish(id, step, { exitCode: code, reason: abortReason(signal) });
    else if (signalNo !== null)
      this.finish(id, step, { exitCode: null, reason: `killed by ${signalName(signalNo)}` });
    else if (code !== 0)
      this.finish(id, step, { exitCode: code, reason: `exited with code ${code}` });
    else this.finish(id, step, { exitCode: 0 });
  }

  private finish(id: number, step: LaunchedStep, outcome: StepOutcome): void {
    this.steps.delete(id);
    step.launch.signal.removeEventListener('abort', step.stop);
    step.resolve(outcome);
    if (this.steps.size === 0) this.idle();
  }

  /**
   * A step that has not started is dropped from the launcher's queue (it answers `C`); a started
   * one's process group gets SIGTERM, then SIGKILL after the grace period.
   */
  private stop(step: LaunchedStep): void {
    if (step.pgid === undefined) {
      if (!step.cancelSent && this.process && this.steps.has(step.id)) {
        step.cancelSent = true;
        this.send(this.process, { cancel: step.id });
      }
      return;
    }
    if (step.killTimer) return;
    const pgid = step.pgid;
    // After this turn: when a whole run is cancelled, the steps that wait are dropped (their
    // cancel lines written) before any running one ends and frees the resources they wait for.
    process.nextTick(() => killGroup(pgid, 'SIGTERM'));
    step.killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), this.killGraceMs);
    step.killTimer.unref();
  }

  /** The launcher ended: before it was ready its steps go to the fallback, after it they fail. */
  private closed(
    child: LauncherProcess,
    code: number | null,
    killedBy: NodeJS.Signals | null,
    spawnError: Error | undefined,
  ): void {
    if (child !== this.process) return;
    this.process = undefined;
    clearTimeout(this.idleTimer);
    const steps = [...this.steps];
    this.steps.clear();
    const how = spawnError
      ? spawnError.message
      : killedBy
        ? `killed by ${killedBy}`
        : `exited with code ${code}`;
    const said = this.stderrTail.trim().split('\n').slice(-3).join(' ').trim();
    const why = `the step launcher (process ${child.pid ?? '?'}) ${how}${said ? `: ${said}` : ''}`;
    if (!this.ready) {
      this.unusable = why;
      for (const [, step] of steps) {
        step.launch.signal.removeEventListener('abort', step.stop);
        this.fallback
          .execute(step.launch)
          .then(step.resolve, (error: unknown) =>
            step.resolve({ exitCode: null, reason: (error as Error).message }),
          );
      }
      return;
    }
    for (const [, step] of steps) {
      step.launch.signal.removeEventListener('abort', step.stop);
      if (step.pgid !== undefined) {
        const pgid = step.pgid;
        killGroup(pgid, 'SIGTERM');
        setTimeout(() => killGroup(pgid, 'SIGKILL'), this.killGraceMs).unref();
      }
      step.resolve({
        exitCode: null,
        reason: `${why}; the step ${step.pgid === undefined ? 'did not start' : 'was stopped'}`,
      });
    }
  }
}

function signalName(signalNo: number): string {
  const found = Object.entries(os.constants.signals).find(([, n]) => n === signalNo);
  return found ? found[0] : `signal ${signalNo}`;
}

/**
 * The backend of local steps: the launcher, or Node's own spawn ({@link LocalBackend}) when
 * `SEXTANT_STEP_LAUNCHER` is `0` or `off`.
 */
export function localBackend(
  killGraceMs = DEFAULT_KILL_GRACE_MS,
  capacity: Capacity = machineCapacity(),
): ComputeBackend {
  const choice = (process.env[LAUNCHER_SWITCH] ?? '').toLowerCase();
  return choice === '0' || choice === 'off'
    ? new PooledBackend(new LocalBackend(killGraceMs), new ResourcePool(capacity))
    : new LauncherBackend(killGraceMs, findPython() ?? null, capacity);
}
