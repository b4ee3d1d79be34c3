import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PipelineRun } from '../../model/pipeline';
import type { StepTracking } from './tracking';

/** Most bytes of each log stream a step-log answer carries (its tail). */
export const STEP_LOG_LIMIT = 1024 * 1024;

/** The stored logs of one step execution. */
export interface StepLog {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** A running step's two log files. */
export interface LogFiles {
  stdout: string;
  stderr: string;
}

const STREAMS = ['stdout', 'stderr'] as const;

const tail = (buffer: Buffer): { text: string; cut: boolean } =>
  buffer.length > STEP_LOG_LIMIT
    ? { text: buffer.subarray(buffer.length - STEP_LOG_LIMIT).toString('utf8'), cut: true }
    : { text: buffer.toString('utf8'), cut: false };

/** The last {@link STEP_LOG_LIMIT} bytes of a file, one byte more when there is more. */
async function readTail(file: string): Promise<Buffer> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, STEP_LOG_LIMIT + 1);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return size > length ? Buffer.concat([Buffer.alloc(1), buffer]) : buffer;
    } finally {
      await handle.close();
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * Step logs: a running step's output goes to two files in the store's log folder (one folder
 * per pipeline run, the step's index in the run in their names), and is stored with the step's
 * tracking run when it ends (`logs/stdout.txt`, `logs/stderr.txt`).
 */
export class StepLogs {
  constructor(
    private readonly dir: string,
    private readonly stepTracking: StepTracking,
  ) {}

  /** Where a running step's output goes until it is stored with its tracking run. */
  files(pipelineRunId: string, index: number): LogFiles {
    const dir = path.join(this.dir, pipelineRunId);
    return {
      stdout: path.join(dir, `${index}.stdout.txt`),
      stderr: path.join(dir, `${index}.stderr.txt`),
    };
  }

  /** The output of step `index` of a run: live while it runs, else from its tracking run. */
  async read(run: PipelineRun, index: number): Promise<StepLog> {
    const record = run.steps[index];
    if (!record) return { stdout: '', stderr: '', truncated: false };
    // While the step runs (in this process or another Sextant's) its output is in the log files.
    const live = this.files(run.pipelineRunId, index);
    if (
      record.status === 'running' &&
      (fsSync.existsSync(live.stdout) || fsSync.existsSync(live.stderr))
    ) {
      const out = tail(await readTail(live.stdout));
      const err = tail(await readTail(live.stderr));
      return { stdout: out.text, stderr: err.text, truncated: out.cut || err.cut };
    }
    if (!record.runId) return { stdout: '', stderr: '', truncated: false };
    const out = tail(
      (await this.stepTracking.readText(record.runId, 'logs/stdout.txt')) ?? Buffer.alloc(0),
    );
    const err = tail(
      (await this.stepTracking.readText(record.runId, 'logs/stderr.txt')) ?? Buffer.alloc(0),
    );
    return { stdout: out.text, stderr: err.text, truncated: out.cut || err.cut };
  }

  /** Stores the log files that exist with the step's tracking run (a failure is ignored). */
  async store(runId: string, files: LogFiles): Promise<void> {
    for (const stream of STREAMS) {
      if (fsSync.existsSync(files[stream])) {
        await this.stepTracking
          .storeFile(runId, `logs/${stream}.txt`, files[stream])
          .catch(() => undefined);
      }
    }
  }

  /** Removes the log folder of a run that has ended. */
  async removeRun(pipelineRunId: string): Promise<void> {
    await fs.rm(path.join(this.dir, pipelineRunId), { recursive: true, force: true });
  }
}
