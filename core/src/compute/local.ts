import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  wholeEnvironment,
  type ComputeBackend,
  type StepLaunch,
  type StepOutcome,
} from './contracts';

/** How long a stopped step may take to exit after SIGTERM before its group gets SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

/** The external id a local step gets: its process (group) id, so a later Sextant can stop it. */
export const LOCAL_PID_PREFIX = 'pid:';

/**
 * Stops the process group of a step that a killed Sextant left behind: only when some process of
 * the group still carries the pipeline run's `SEXTANT_PIPELINE_RUN_ID` (so a recycled pid of an
 * unrelated process is never signalled). Returns whether it signalled the group.
 */
export function stopOrphanedGroup(externalId: string, pipelineRunId: string): boolean {
  if (!externalId.startsWith(LOCAL_PID_PREFIX)) return false;
  const pgid = Number(externalId.slice(LOCAL_PID_PREFIX.length));
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  const marker = `SEXTANT_PIPELINE_RUN_ID=${pipelineRunId}`;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return false;
  }
  const ours = entries.some((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) return false;
      return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
    } catch {
      return false;
    }
  });
  return ours && killGroup(pgid, 'SIGKILL');
}

/** Sends a signal to a whole process group; false when the group is gone already. */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a step as a local process: `sh -c <run>` in the step's working directory, detached in a
 * process group of its own, output streamed as it arrives. On abort (cancellation or timeout)
 * the whole group gets SIGTERM, then SIGKILL after a grace period, so no grandchild lives on.
 */
export class LocalBackend implements ComputeBackend {
  readonly kind = 'local' as const;

  constructor(private readonly killGraceMs = DEFAULT_KILL_GRACE_MS) {}

  execute(launch: StepLaunch): Promise<StepOutcome> {
    const { step, root, env, signal } = launch;
    if (signal.aborted) return Promise.resolve({ exitCode: null, reason: abortReason(signal) });
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', step.run], {
        cwd: path.resolve(root, step.wd),
        env: wholeEnvironment(env),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (child.pid !== undefined) launch.onExternalId?.(`${LOCAL_PID_PREFIX}${child.pid}`);
      let killTimer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        if (child.pid === undefined) return;
        const pid = child.pid;
        killGroup(pid, 'SIGTERM');
        killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), this.killGraceMs);
        killTimer.unref();
      };
      signal.addEventListener('abort', stop, { once: true });
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (text: string) => launch.onOutput('stdout', text));
      child.stderr.on('data', (text: string) => launch.onOutput('stderr', text));
      let spawnError: Error | undefined;
      child.once('error', (error) => (spawnError = error));
      child.once('close', (code, killedBy) => {
        signal.removeEventListener('abort', stop);
        if (child.pid !== undefined && (signal.aborted || killedBy)) {
          // The shell may be gone while a grandchild still holds the group: finish the job.
          if (killGroup(child.pid, 'SIGTERM')) {
            const pid = child.pid;
            setTimeout(() => killGroup(pid, 'SIGKILL'), this.killGraceMs).unref();
          }
        }
        if (killTimer && !signal.aborted) clearTimeout(killTimer);
        if (spawnError) {
          resolve({ exitCode: null, reason: `could not start the step: ${spawnError.message}` });
        } else if (signal.aborted) {
          resolve({ exitCode: code, reason: abortReason(signal) });
        } else if (killedBy) {
          resolve({ exitCode: null, reason: `killed by ${killedBy}` });
        } else if (code !== 0) {
          resolve({ exitCode: code, reason: `exited with code ${code}` });
        } else {
          resolve({ exitCode: 0 });
        }
      });
    });
  }
}

/** Why an aborted step stopped, for people: the abort's reason. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  if (typeof reason === 'string') return reason;
  return 'cancelled';
}
