import type Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineEvent, PipelineRun, StepRun } from '../../model/pipeline';
import { LogTail } from './logTail';
import type { PipelineRunStore } from './runStore';

/** How often the store is checked for other processes' writes, by default. */
export const FOREIGN_POLL_MS = 500;

/** How long after a file system change the check runs, so that a burst of writes is one check. */
const SETTLE_MS = 20;

/**
 * How far back a check looks for runs that started: a run another process started and ended
 * between two checks is still seen (its start is written before its steps run).
 */
const LOOK_BACK_MS = 10_000;

/** Where {@link ForeignRuns} reads the output of another process's steps. */
export interface StepLogs {
  /** The log files of a running step (the runner's, by run and step index). */
  files(pipelineRunId: string, index: number): { stdout: string; stderr: string };
  /** A finished step's whole log, as stored with its tracking run. */
  stored(runId: string, stream: 'stdout' | 'stderr'): Promise<Buffer | undefined>;
}

/** The log of one running step followed. */
interface FollowedLog {
  pipelineRunId: string;
  step: string;
  stdout: LogTail;
  stderr: LogTail;
}

/** Watches a folder (not holding the process up); undefined where it cannot be watched. */
function watchFolder(folder: string, onChange: (name: string) => void): fs.FSWatcher | undefined {
  try {
    const watcher = fs.watch(folder, { persistent: false }, (_event, name) => onChange(name ?? ''));
    // A folder removed or unreadable: polling goes on alone.
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return undefined;
  }
}

/** What of a step a view shows: a change to any of it is a `step-status` event. */
const stepSignature = (s: StepRun): string =>
  `${s.status}\0${s.runId ?? ''}\0${s.attempts}\0${s.endTime ?? ''}\0${s.externalId ?? ''}`;

/**
 * Follows the pipeline runs other Sextant processes drive in the same store (a `sextant pipeline
 * run` in a terminal, another editor, a `pipeline watch`), so a long-lived host (the language
 * server, `pipeline watch`) shows them live and its triggers see them end. It checks SQLite's
 * `data_version` (which changes only when another connection commits) every `intervalMs`, and
 * only then reads the runs in flight or started lately; for each run of another process it
 * emits `run-started` when first seen, `step-status` for each step that changed and
 * `run-finished` when it ended, the events the host's own runs give. The output its running
 * steps write from then on comes as `step-log` events, read from their log files at each check.
 * Where the file system tells of changes (inotify and the like), a write to the store's files or
 * to a followed step's log folder brings the check forward, so the editor shows them at once;
 * the timer stays, for file systems that do not tell.
 */
export class ForeignRuns {
  private timer: NodeJS.Timeout | undefined;
  private version: number | undefined;
  /** Runs of other processes seen running: the signature of each step. */
  private readonly following = new Map<string, Map<string, string>>();
  /** Runs already reported ended, with their start, forgotten once out of the look-back. */
  private readonly ended = new Map<string, number>();
  private readonly recent: Database.Statement;
  private readonly dataVersion: Database.Statement;
  /** The log files of the running steps followed, by run and step. */
  private readonly tails = new Map<string, FollowedLog>();
  /** Runs that started before this are not reported unless still running. */
  private readonly since = Date.now();
  /** The store's folder watched, and the log folder of each run whose steps are followed. */
  private storeWatch: fs.FSWatcher | undefined;
  private readonly logWatches = new Map<string, fs.FSWatcher | undefined>();
  private soon: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly runs: PipelineRunStore,
    private readonly emit: (event: PipelineEvent) => void,
    private readonly logs: StepLogs,
  ) {
    this.recent = db
      .prepare(
        `SELECT pipeline_run_id, start_time FROM pipeline_runs
          WHERE (status = 'running' OR start_time >= ?)
            AND (owner_pid IS NOT ? OR owner_host IS NOT ?)`,
      )
      .raw();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /**
   * Starts checking every `intervalMs`, and whenever the store's files change; neither the timer
   * nor the watches hold the process up.
   */
  start(intervalMs = FOREIGN_POLL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
    const file = this.db.name;
    if (this.db.memory || !path.isAbsolute(file)) return;
    const names = new Set([path.basename(file), `${path.basename(file)}-wal`]);
    this.storeWatch = watchFolder(path.dirname(file), (name) => {
      if (names.has(name)) this.checkSoon();
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.soon);
    this.soon = undefined;
    this.storeWatch?.close();
    this.storeWatch = undefined;
    for (const watcher of this.logWatches.values()) watcher?.close();
    this.logWatches.clear();
  }

  /** A check shortly, once a burst of changes has settled (while started). */
  private checkSoon(): void {
    if (!this.timer || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.check();
    }, SETTLE_MS);
    this.soon.unref();
  }

  /** Watches the log folder of a run whose steps' output is followed, once (while started). */
  private watchLogs(id: string, folder: string): void {
    if (!this.timer || this.logWatches.has(id)) return;
    this.logWatches.set(
      id,
      watchFolder(folder, () => this.checkSoon()),
    );
  }

  /** Stops watching the log folder of a run none of whose steps is followed any more. */
  private unwatchLogs(id: string): void {
    for (const tail of this.tails.values()) if (tail.pipelineRunId === id) return;
    this.logWatches.get(id)?.close();
    this.logWatches.delete(id);
  }

  /** One check (the timer's; tests call it directly). */
  check(): void {
    // Output is written to files, not the store: read at every check.
    for (const tail of this.tails.values()) this.readLog(tail);
    const version = this.dataVersion.get() as number;
    if (version === this.version) return;
    this.version = version;
    const now = Date.now();
    const from = Math.max(this.since, now - LOOK_BACK_MS);
    for (const [id, started] of this.ended) if (started < from) this.ended.delete(id);
    // This process's own runs (its pid on this host) give their events already.
    const rows = this.recent.all(from, process.pid, os.hostname()) as [string, number][];
    const current = new Set(rows.map(([id]) => id));
    for (const [id] of rows) if (!this.ended.has(id)) this.follow(id);
    // A run followed that is neither running nor recent (deleted, or its row rewritten): ended.
    for (const id of this.following.keys()) if (!current.has(id)) this.follow(id);
  }

  private follow(id: string): void {
    const run = this.runs.get(id);
    let steps = this.following.get(id);
    if (!run) {
      this.following.delete(id);
      for (const [key, tail] of this.tails) if (tail.pipelineRunId === id) this.tails.delete(key);
      this.unwatchLogs(id);
      return;
    }
    if (!steps) {
      steps = new Map();
      this.following.set(id, steps);
      this.emit({ type: 'run-started', run: structuredClone(run) });
    }
    run.steps.forEach((step, index) => {
      const signature = stepSignature(step);
      if (steps.get(step.step) === signature) return;
      steps.set(step.step, signature);
      this.emit({ type: 'step-status', pipelineRunId: id, step: { ...step } });
      const key = `${id}\0${index}`;
      const tail = this.tails.get(key);
      if (step.status === 'running' && !tail) {
        const files = this.logs.files(id, index);
        this.tails.set(key, {
          pipelineRunId: id,
          step: step.step,
          stdout: new LogTail(files.stdout),
          stderr: new LogTail(files.stderr),
        });
        this.watchLogs(id, path.dirname(files.stdout));
      } else if (step.status !== 'running' && tail) {
        this.tails.delete(key);
        this.unwatchLogs(id);
        this.readLog(tail);
        // A step that ended as the run did: its log files may be gone already (the run's log
        // folder is removed when it ends), into the step's tracking run, where the rest is read.
        if (step.runId && tail.stdout.folderGone()) void this.readStored(tail, step.runId);
      }
    });
    if (run.status !== 'running') this.finish(run);
  }

  private readLog(tail: FollowedLog): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      this.emitLog(tail, stream, tail[stream].read());
    }
  }

  private async readStored(tail: FollowedLog, runId: string): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      const whole = await this.logs.stored(runId, stream).catch(() => undefined);
      if (whole) this.emitLog(tail, stream, tail[stream].restOf(whole));
    }
  }

  private emitLog(tail: FollowedLog, stream: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    const { pipelineRunId, step } = tail;
    this.emit({ type: 'step-log', pipelineRunId, step, stream, text });
  }

  private finish(run: PipelineRun): void {
    this.following.delete(run.pipelineRunId);
    this.ended.set(run.pipelineRunId, run.startTime);
    this.emit({ type: 'run-finished', run });
  }
}
