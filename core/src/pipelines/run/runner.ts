import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { LocalArtifactStore } from '../../artifacts';
import {
  DEFAULT_KILL_GRACE_MS,
  localBackend,
  rayBackendClass,
  stopOrphanedGroup,
} from '../../compute';
import { collectEnvironments, provisionEnvironment } from '../environments';
import { findPipelineFiles } from '../spec/discover';
import { inputsUnchanged, type DiskInputs } from '../spec/diskInputs';
import { invalid, notFound, SextantError } from '../../model/errors';
import type {
  CacheCollection,
  PipelineEvent,
  ComputeTarget,
  PipelineRun,
  PipelineRunStatus,
  ResolvedPipeline,
  ResolvedStep,
  StepRun,
  StepStatus,
} from '../../model/pipeline';
import type { KeyValue } from '../../model';
import { SqliteUnitOfWork } from '../../store';
import type { TrackingService } from '../../tracking';
import { LineageStore, type StoredEdge } from '../../lineage';
import type {
  ComputeBackend,
  LoadedPipelineFile,
  LoadPipelineFile,
  PipelineRunner,
  PlannedStep,
  ProvisionEnvironment,
  StartOptions,
  StepEnvironment,
  StepPlacement,
  StepState,
} from '../api';
import { ContentCache, type CacheEntry } from './cache';
import { CollectionLock } from './collectionLock';
import { insideRoot, stepCacheKey } from './cacheKey';
import { FileHasher, type ManifestEntry, type PathHash } from './fileHash';
import { readMetricsFile } from './metricsFile';
import { producerOf, selectSteps } from './plan';
import { machineCapacity, ResourcePool, type Capacity, type Held } from './resources';
import { PipelineRunStore } from './runStore';
import { LEASE_TTL_MS, TriggerLease } from '../triggers/lease';
import { FOREIGN_POLL_MS, ForeignRuns } from './foreignRuns';
import { StepJournal } from './journal';
import { PersistedLoads } from './loadCache';
import { PIPELINE_TAGS, StepTracking, type ParentRun } from './tracking';

/** Files of a folder recorded one by one in the lineage graph, besides the folder itself. */
export const LINEAGE_FILES_PER_FOLDER = 1000;

/** Most bytes of each log stream a step-log answer carries (its tail). */
export const STEP_LOG_LIMIT = 1024 * 1024;

/** Options of {@link PipelineService}. */
export interface PipelineServiceOptions {
  storeDir: string;
  db: Database.Database;
  tracking: TrackingService;
  artifacts: LocalArtifactStore;
  /** The spec loader; `pipelines/spec` when not given. */
  load?: LoadPipelineFile;
  /** Environment provisioning; `pipelines/environments` when not given. */
  provision?: ProvisionEnvironment;
  /** What local steps may use at once; the machine's cores, GPUs and memory when not given. */
  capacity?: Capacity;
  /** The backend for a step's compute target; local processes and Ray when not given. */
  backendFor?: (pipeline: ResolvedPipeline, step: ResolvedStep) => ComputeBackend;
  /** SIGTERM-to-SIGKILL grace of local steps, in ms. */
  killGraceMs?: number;
}

/** The stored logs of one step execution. */
export interface StepLog {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** A pipeline run this process drives. */
interface ActiveRun {
  run: PipelineRun;
  pipeline: ResolvedPipeline;
  controller: AbortController;
  parent: ParentRun;
  finished: Promise<PipelineRun>;
  /** The process environment every step of the run starts from (made on first use). */
  baseEnv?: Readonly<Record<string, string>>;
  /**
   * Stops the attempts in progress: the run's signal reaches them through this one set (one
   * listener on the signal, however many steps wait in a backend's queue).
   */
  attempts: Set<(reason: unknown) => void>;
  /** Each step's index in `run.steps` (and in its log files' names), by name. */
  stepIndex: Map<string, number>;
}

/** Pipeline files whose last load is kept (see `loadFile`). */
const MAX_ANALYSES = 64;

/** Why a run stops when another process asked for it (see {@link PipelineService.cancel}). */
const CANCELLED_ELSEWHERE = 'cancelled from another Sextant process';

/** Why a step of a cancelled run did not finish, for people. */
const cancelledWhy = (signal: AbortSignal): string =>
  (signal.reason as Error | undefined)?.message === CANCELLED_ELSEWHERE
    ? `the pipeline run was ${CANCELLED_ELSEWHERE}`
    : 'the pipeline run was cancelled';

/** How often a process that drives runs checks whether another asked it to stop one. */
export const CANCEL_CHECK_MS = 250;

/** Freezes an object and everything in it: a kept load is shared by every run of its file. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Longest delay a Node timer takes; a longer step timeout means no limit in practice. */
const MAX_TIMER_MS = 2_147_483_647;

const FINISHED_OK: readonly StepStatus[] = ['done', 'cached'];

/** A step that writes nothing runs for its effects, so it always runs (never from the cache). */
const cacheable = (step: ResolvedStep): boolean => step.outputs.length + step.metrics.length > 0;

const tail = (buffer: Buffer): { text: string; cut: boolean } =>
  buffer.length > STEP_LOG_LIMIT
    ? { text: buffer.subarray(buffer.length - STEP_LOG_LIMIT).toString('utf8'), cut: true }
    : { text: buffer.toString('utf8'), cut: false };

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
 * Sextant's pipeline runner: plans, runs, caches and records pipelines. Steps run as soon as the
 * steps they need are done, in parallel within the machine's cores and the steps' declared
 * resources; an unchanged step (same cache key) is restored from the content-addressed cache
 * instead. Every step execution is a child tracking run of the pipeline run's parent run, and
 * its inputs and outputs are recorded as lineage edges.
 */
export class PipelineService implements PipelineRunner {
  readonly runs: PipelineRunStore;
  readonly lineage: LineageStore;
  readonly hasher: FileHasher;
  readonly cache: ContentCache;
  /** The MLflow tracking URI handed to steps (`MLFLOW_TRACKING_URI`, `MLFLOW_RUN_ID`), when served. */
  trackingUri: string | undefined;
  private readonly events = new EventEmitter<{ event: [PipelineEvent] }>();
  private readonly active = new Map<string, ActiveRun>();
  private foreign: ForeignRuns | undefined;
  private cancelWatch: NodeJS.Timeout | undefined;
  private readonly pool: ResourcePool;
  private readonly stepTracking: StepTracking;
  private readonly local: ComputeBackend;
  private readonly rayBackends = new Map<string, ComputeBackend>();
  private readonly logDir: string;
  /** Step records, step tracking runs and lineage edges on their way to the database. */
  private readonly journal: StepJournal;
  /** The last load of each pipeline file, with what it found on disk (see {@link loadFile}). */
  private readonly analyses = new Map<string, { loaded: LoadedPipelineFile; inputs: DiskInputs }>();
  /** The last load of each pipeline file, kept in the store for the next process. */
  private readonly persistedLoads: PersistedLoads;
  /** Held by a cache collection while it removes files; runs wait for it. */
  private readonly collectionLock: CollectionLock;

  constructor(private readonly options: PipelineServiceOptions) {
    this.runs = new PipelineRunStore(options.db);
    this.persistedLoads = new PersistedLoads(options.db);
    this.lineage = new LineageStore(options.db);
    this.hasher = new FileHasher(options.db, [options.storeDir]);
    this.cache = new ContentCache(path.join(options.storeDir, 'cache'), this.hasher);
    this.pool = new ResourcePool(options.capacity ?? machineCapacity());
    // The journal writes step runs, step records and edges in one transaction of one unit.
    const unit = new SqliteUnitOfWork(options.db);
    this.journal = new StepJournal({
      unit,
      tracking: options.tracking.batchWriter(unit),
      runs: this.runs,
      lineage: this.lineage,
    });
    this.stepTracking = new StepTracking(options.tracking, options.artifacts, this.journal);
    this.local = localBackend(options.killGraceMs, this.pool.capacity);
    this.logDir = path.join(options.storeDir, 'pipelines', 'logs');
    this.collectionLock = new CollectionLock(path.join(options.storeDir, 'collecting.lock'));
    this.events.setMaxListeners(0);
  }

  /** Milliseconds spent recording step executions as tracking runs, summed over steps. */
  get recordMs(): number {
    return this.stepTracking.recordMs + this.journal.commitMs;
  }

  /**
   * Writes the step records, step runs and lineage edges held back in the journal, so that what
   * is read next (in this process) includes them.
   */
  flush(): void {
    this.journal.flush();
  }

  /**
   * Loads and validates a pipeline file: its resolved pipelines and every problem found. A file
   * loaded before is not parsed again while the disk answers as it did then (the same text of
   * every file read, the same paths present): a long-lived process re-runs it at once, and the
   * store keeps the last load for the next process ({@link PersistedLoads}).
   */
  async loadFile(file: string): Promise<LoadedPipelineFile> {
    const absolute = path.resolve(file);
    if (this.options.load) return this.options.load(absolute);
    const known = this.analyses.get(absolute);
    if (known && inputsUnchanged(known.inputs)) return known.loaded;
    this.analyses.delete(absolute);
    const kept = this.persistedLoads.get(absolute);
    if (kept) {
      this.remember(absolute, kept.loaded, kept.inputs);
      return kept.loaded;
    }
    // The spec's parser and checks are loaded only when a file must be parsed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, synchronous
    const { analyzePipelineFile } = require('../spec/loader') as typeof import('../spec/loader');
    const analysis = await analyzePipelineFile(absolute);
    const loaded: LoadedPipelineFile = {
      file: analysis.file,
      pipelines: analysis.pipelines,
      diagnostics: analysis.diagnostics,
    };
    if (analysis.inputs) {
      this.persistedLoads.put(absolute, loaded, analysis.inputs);
      this.remember(absolute, loaded, analysis.inputs);
    }
    return loaded;
  }

  /** Keeps a load in memory for {@link loadFile}, the oldest dropped past {@link MAX_ANALYSES}. */
  private remember(file: string, loaded: LoadedPipelineFile, inputs: DiskInputs): void {
    this.analyses.set(file, { loaded: deepFreeze(loaded), inputs });
    if (this.analyses.size > MAX_ANALYSES) {
      const oldest = this.analyses.keys().next().value as string;
      this.analyses.delete(oldest);
    }
  }

  /**
   * Forgets the file hashes and the kept pipeline file loads of files that are gone; answers
   * how many entries it dropped.
   */
  async prune(): Promise<number> {
    return (await this.hasher.prune()) + (await this.persistedLoads.prune());
  }

  /**
   * Removes from the content-addressed cache what no step needs to be restored: every step keeps
   * the outputs of its newest `keep` versions (by their last run or restore), and the steps of a
   * run in flight keep theirs. Virtual environments go the same way: every step keeps the newest
   * `keep` it ran in. `dryRun` removes nothing and answers what would go. Refused while
   * a pipeline run is in flight in the store, unless `dryRun`: that run's steps may be saving or
   * restoring outputs. Lineage keeps every version's record; a removed version cannot be
   * restored, so its step runs again when it is next needed.
   */
  async collectCache(options: { keep: number; dryRun?: boolean }): Promise<CacheCollection> {
    if (!Number.isInteger(options.keep) || options.keep < 0) {
      throw invalid(`keep takes a whole number of versions (0 or more), not ${options.keep}`);
    }
    this.journal.flush();
    const dryRun = options.dryRun === true;
    // Taken before looking for runs in flight: a run that starts after that waits for it.
    const release = dryRun ? undefined : this.collectionLock.take();
    try {
      const inFlight = this.runs.inFlight();
      if (!dryRun && inFlight.length > 0) {
        const names = inFlight.map((r) => `${r.pipeline} (${r.pipelineRunId})`).join(', ');
        throw new SextantError(
          'INVALID_STATE',
          `pipeline runs are in flight: ${names}; clean the cache once they have ended`,
        );
      }
      const cache = await this.cache.collect(this.runs.cacheKeysInUse(options.keep), dryRun);
      const inUse = this.runs.environmentsInUse(options.keep);
      // One no step record names was made before records named them: who uses it is unknown,
      // so it stays, unless the cache is being emptied.
      const recorded = this.runs.environmentsRecorded();
      const envs = await collectEnvironments(
        path.join(this.options.storeDir, 'envs'),
        (id) => inUse.has(id) || (options.keep > 0 && !recorded.has(id)),
        dryRun,
      );
      return { ...cache, environments: envs.environments, environmentBytes: envs.bytes };
    } finally {
      release?.();
    }
  }

  /** The process cleaning the cache now, if one is: a run started meanwhile waits for it. */
  cacheCollector(): { pid: number; host: string } | undefined {
    return this.collectionLock.holder();
  }

  /**
   * The lease that decides which process arms the triggers of the workspace at `root`
   * (`ttlMs`: how long it lasts unrenewed, {@link LEASE_TTL_MS} by default).
   */
  triggerLease(root: string, ttlMs = LEASE_TTL_MS): TriggerLease {
    return new TriggerLease(this.options.db, path.resolve(root), ttlMs);
  }

  /** The pipeline files under a folder (absolute, sorted). */
  async findFiles(root: string): Promise<string[]> {
    return findPipelineFiles(root);
  }

  /** The newest run of a pipeline, if any. */
  lastRun(file: string, pipeline: string): PipelineRun | undefined {
    this.journal.flush();
    const [newest] = this.runs.list({ file: path.resolve(file), pipeline, limit: 1 });
    return newest && this.active.has(newest.pipelineRunId)
      ? this.getRun(newest.pipelineRunId)
      : newest;
  }

  /** Loads a pipeline file and picks one pipeline: by name, or the file's first. */
  async resolve(file: string, pipeline?: string): Promise<ResolvedPipeline> {
    const absolute = path.resolve(file);
    if (!fsSync.existsSync(absolute)) throw notFound(`no pipeline file at ${absolute}`);
    const loaded = await this.loadFile(absolute);
    const chosen =
      pipeline === undefined
        ? loaded.pipelines[0]
        : loaded.pipelines.find((p) => p.name === pipeline);
    if (chosen) return chosen;
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    const where = (d: (typeof errors)[number]): string =>
      `${path.basename(d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
    const problems = errors.map((d) => `${where(d)}: ${d.message}`).join('; ');
    if (pipeline !== undefined && !problems) {
      throw notFound(
        `no pipeline '${pipeline}' in ${absolute}; it has: ${loaded.pipelines.map((p) => p.name).join(', ') || 'none'}`,
      );
    }
    throw invalid(
      problems
        ? `${absolute} has errors: ${problems}`
        : `${absolute} declares no pipeline; add one under 'pipelines:'`,
    );
  }

  plan(file: string, pipeline?: string, options: StartOptions = {}): Promise<PlannedStep[]> {
    return this.resolve(file, pipeline).then((p) => this.planPipeline(p, options));
  }

  /** What would run for a resolved pipeline. */
  async planPipeline(
    pipeline: ResolvedPipeline,
    options: StartOptions = {},
  ): Promise<PlannedStep[]> {
    const steps = selectSteps(pipeline, options.step);
    const planned = new Map<string, { action: PlannedStep['action']; entry?: CacheEntry }>();
    const known = new Map<string, string>();
    for (const step of steps) {
      let action: PlannedStep['action'] = 'run';
      let entry: CacheEntry | undefined;
      const upstreamRuns = step.upstream.some((u) => planned.get(u)?.action === 'run');
      if (!options.force && !upstreamRuns) {
        const key = await this.keyOf(pipeline, step, known);
        entry = key === undefined || !cacheable(step) ? undefined : await this.cache.lookup(key);
        if (entry) action = 'cached';
      }
      if (entry) for (const o of entry.outputs) known.set(o.path, o.digest);
      planned.set(step.name, { action, ...(entry ? { entry } : {}) });
    }
    return steps.map((s) => ({ step: s.name, action: planned.get(s.name)?.action ?? 'run' }));
  }

  start(
    file: string,
    pipeline?: string,
    options: StartOptions = {},
  ): Promise<{ run: PipelineRun; finished: Promise<PipelineRun> }> {
    // The local launcher starts while the file is loaded and the run planned.
    this.local.prepare?.();
    return this.resolve(file, pipeline).then((p) => this.startPipeline(p, options));
  }

  /** Starts a run of a resolved pipeline; answers once it is recorded. */
  async startPipeline(
    pipeline: ResolvedPipeline,
    options: StartOptions = {},
  ): Promise<{ run: PipelineRun; finished: Promise<PipelineRun> }> {
    const steps = selectSteps(pipeline, options.step);
    for (const step of steps) this.checkPaths(pipeline, step);
    const pipelineRunId = randomUUID();
    const run: PipelineRun = {
      pipelineRunId,
      pipeline: pipeline.name,
      file: pipeline.file,
      status: 'running',
      trigger: options.trigger ?? { kind: 'manual' },
      startTime: Date.now(),
      forced: options.force === true,
      steps: steps.map((s) => ({
        step: s.name,
        status: 'queued',
        compute: s.compute,
        attempts: 0,
      })),
    };
    const busy = this.runs.insertUnlessRunning(run);
    if (busy) {
      throw new SextantError(
        'INVALID_STATE',
        `pipeline '${pipeline.name}' is already running (run ${busy.pipelineRunId}); wait for it or cancel it`,
      );
    }
    let parent: ParentRun;
    try {
      parent = await this.stepTracking.startParent(pipeline, pipelineRunId);
    } catch (error) {
      Object.assign(run, { status: 'failed', endTime: Date.now() });
      this.options.db.transaction(() => {
        for (const step of run.steps) {
          Object.assign(step, {
            status: 'skipped',
            reason: 'the pipeline run could not be recorded',
          });
          this.runs.updateStep(pipelineRunId, step);
        }
        this.runs.updateRun(run);
      })();
      throw error;
    }
    run.runId = parent.runId;
    this.runs.updateRun(run);
    const active: ActiveRun = {
      run,
      pipeline,
      controller: new AbortController(),
      parent,
      finished: Promise.resolve(run),
      attempts: new Set(),
      stepIndex: new Map(run.steps.map((s, i) => [s.step, i])),
    };
    const { signal } = active.controller;
    signal.addEventListener(
      'abort',
      () => {
        for (const stop of active.attempts) stop(signal.reason);
      },
      { once: true },
    );
    this.active.set(pipelineRunId, active);
    this.watchCancels();
    this.emit({ type: 'run-started', run: structuredClone(run) });
    active.finished = this.drive(active, steps, options.force === true);
    return { run: structuredClone(run), finished: active.finished };
  }

  /**
   * Cancels a run. One this process drives stops at once; one another Sextant process drives (a
   * `sextant pipeline run` in a terminal) is asked to stop through the store, which that process
   * checks every {@link CANCEL_CHECK_MS}, and answered once it has stopped; one whose process is
   * gone is recovered (marked failed) first.
   */
  async cancel(pipelineRunId: string): Promise<PipelineRun> {
    const active = this.active.get(pipelineRunId);
    if (active) {
      active.controller.abort(new Error('cancelled'));
      return active.finished;
    }
    const stored = this.runs.get(pipelineRunId);
    if (!stored) throw notFound(`no pipeline run '${pipelineRunId}'`);
    if (stored.status !== 'running') return stored;
    if (this.runs.ownerGone(pipelineRunId)) {
      await this.recoverOrphans();
      return this.runs.get(pipelineRunId) ?? stored;
    }
    this.runs.requestCancel(pipelineRunId);
    // The other process stops its steps (SIGTERM, SIGKILL after the grace period) and records it.
    const grace = this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const deadline = Date.now() + CANCEL_CHECK_MS + grace + 10_000;
    for (;;) {
      const now = this.runs.get(pipelineRunId);
      if (!now || now.status !== 'running') return now ?? stored;
      if (Date.now() > deadline) {
        throw new SextantError(
          'INVALID_STATE',
          `pipeline run '${pipelineRunId}' was asked to stop, but the Sextant process that drives it has not stopped it; stop it there (Ctrl-C in its terminal)`,
        );
      }
      await delay(100);
    }
  }

  /**
   * While this process drives runs, checks every {@link CANCEL_CHECK_MS} whether another process
   * asked one of them to stop ({@link cancel}), and stops it.
   */
  private watchCancels(): void {
    if (this.cancelWatch) return;
    this.cancelWatch = setInterval(() => {
      if (this.active.size === 0) {
        clearInterval(this.cancelWatch);
        this.cancelWatch = undefined;
        return;
      }
      for (const [id, active] of this.active) {
        if (!active.controller.signal.aborted && this.runs.cancelRequested(id)) {
          active.controller.abort(new Error(CANCELLED_ELSEWHERE));
        }
      }
    }, CANCEL_CHECK_MS);
    this.cancelWatch.unref();
  }

  async stepStates(file: string, pipeline?: string): Promise<Record<string, StepState>> {
    return this.statesOf(await this.resolve(file, pipeline));
  }

  /** Each step's state for a resolved pipeline (see {@link PipelineRunner.stepStates}). */
  async statesOf(pipeline: ResolvedPipeline): Promise<Record<string, StepState>> {
    this.journal.flush();
    const states: Record<string, StepState> = {};
    for (const step of pipeline.steps) {
      const latest = this.runs.latestExecution(pipeline.file, pipeline.name, step.name);
      const live = this.liveStep(pipeline, step.name);
      if (live && (live.step.status === 'running' || live.step.status === 'queued')) {
        states[step.name] = {
          status: live.step.status,
          pipelineRunId: live.pipelineRunId,
          ...(live.step.runId ? { runId: live.step.runId } : {}),
        };
        continue;
      }
      if (!latest) {
        states[step.name] = { status: 'queued' };
        continue;
      }
      const { step: record, pipelineRunId } = latest;
      let status = record.status;
      if (FINISHED_OK.includes(status)) {
        const key = await this.keyOf(pipeline, step, new Map()).catch(() => undefined);
        if (key !== record.cacheKey) status = 'stale';
      }
      states[step.name] = {
        status,
        pipelineRunId,
        ...(record.runId ? { runId: record.runId } : {}),
        ...(record.endTime !== undefined ? { endTime: record.endTime } : {}),
        ...(record.startTime !== undefined && record.endTime !== undefined
          ? { durationMs: record.endTime - record.startTime }
          : {}),
      };
    }
    return states;
  }

  /**
   * Gives the runs other Sextant processes drive in this store (a `sextant pipeline run` in a
   * terminal, another editor) as events of this service too, checked every `intervalMs` (see
   * {@link ForeignRuns}): for long-lived hosts, whose views and triggers then follow them.
   */
  followOtherProcesses(intervalMs = FOREIGN_POLL_MS): void {
    this.foreign ??= new ForeignRuns(this.options.db, this.runs, (event) => this.emit(event), {
      files: (id, index) => this.logFiles(id, index),
      stored: (runId, stream) => this.stepTracking.readText(runId, `logs/${stream}.txt`),
    });
    this.foreign.start(intervalMs);
  }

  onEvent(listener: (event: PipelineEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** A pipeline run by id. */
  getRun(pipelineRunId: string): PipelineRun {
    const active = this.active.get(pipelineRunId);
    if (active) return structuredClone(active.run);
    this.journal.flush();
    const run = this.runs.get(pipelineRunId);
    if (!run) throw notFound(`no pipeline run '${pipelineRunId}'`);
    return run;
  }

  /** Pipeline runs, newest first. */
  listRuns(filter: { file?: string; pipeline?: string; limit?: number } = {}): PipelineRun[] {
    const limit = filter.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw invalid(`limit must be a whole number from 1 to 10000, not ${limit}`);
    }
    this.journal.flush();
    return this.runs
      .list({
        ...(filter.file !== undefined ? { file: path.resolve(filter.file) } : {}),
        ...(filter.pipeline !== undefined ? { pipeline: filter.pipeline } : {}),
        limit,
      })
      .map((r) => (this.active.has(r.pipelineRunId) ? this.getRun(r.pipelineRunId) : r));
  }

  /** The output of one step of one run: live while it runs, else from its tracking run. */
  async stepLog(pipelineRunId: string, step: string): Promise<StepLog> {
    const run = this.getRun(pipelineRunId);
    const index = run.steps.findIndex((s) => s.step === step);
    const record = run.steps[index];
    if (!record) throw notFound(`pipeline run '${pipelineRunId}' has no step '${step}'`);
    // While the step runs (in this process or another Sextant's) its output is in the log files.
    const live = this.logFiles(pipelineRunId, index);
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

  /** Where a running step's output goes until it is stored with its tracking run. */
  private logFiles(pipelineRunId: string, index: number): { stdout: string; stderr: string } {
    const dir = path.join(this.logDir, pipelineRunId);
    return {
      stdout: path.join(dir, `${index}.stdout.txt`),
      stderr: path.join(dir, `${index}.stderr.txt`),
    };
  }

  /**
   * Marks the runs that a killed Sextant left `running` as failed, with the reason: their
   * running steps failed, their queued steps skipped, their tracking runs FAILED. Returns the
   * pipeline run ids it recovered.
   */
  async recoverOrphans(): Promise<string[]> {
    const orphans = this.runs.orphaned();
    const now = Date.now();
    for (const { run, ownerPid } of orphans) {
      const reason = `Sextant stopped while this ran (process ${ownerPid ?? 'unknown'} is gone)`;
      for (const step of run.steps) {
        if (step.status === 'running') {
          Object.assign(step, { status: 'failed', reason, endTime: now });
        } else if (step.status === 'queued') {
          Object.assign(step, {
            status: 'skipped',
            reason: 'the pipeline run stopped before this step started',
          });
        } else continue;
        this.runs.updateStep(run.pipelineRunId, step);
      }
      run.status = 'failed';
      run.endTime = now;
      this.runs.updateRun(run);
    }
    for (const { run, ownerPid } of orphans) {
      const reason = `Sextant stopped while this ran (process ${ownerPid ?? 'unknown'} is gone)`;
      for (const [index, step] of run.steps.entries()) {
        if (step.externalId) stopOrphanedGroup(step.externalId, run.pipelineRunId);
        if (!step.runId) continue;
        for (const stream of ['stdout', 'stderr'] as const) {
          const file = this.logFiles(run.pipelineRunId, index)[stream];
          if (fsSync.existsSync(file)) {
            await this.stepTracking
              .storeFile(step.runId, `logs/${stream}.txt`, file)
              .catch(() => undefined);
          }
        }
      }
      const runIds = new Set<string>(
        [run.runId, ...run.steps.map((s) => s.runId)].filter((id): id is string => !!id),
      );
      for (const id of await this.stepTracking.runningRunsOf(run.pipeline, run.pipelineRunId)) {
        runIds.add(id);
      }
      for (const id of runIds) await this.stepTracking.failIfRunning(id, reason);
      this.journal.flush();
      await fs.rm(path.join(this.logDir, run.pipelineRunId), { recursive: true, force: true });
      this.emit({ type: 'run-finished', run });
    }
    return orphans.map((o) => o.run.pipelineRunId);
  }

  /** Cancels every run of this process and waits for them to end (closing the engine). */
  async stopAll(): Promise<void> {
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new Error('cancelled: Sextant is shutting down'));
    await Promise.allSettled(running.map((a) => a.finished));
  }

  /** Stops every run (see {@link stopAll}) and lets the compute backends go (the launcher exits). */
  async close(): Promise<void> {
    this.foreign?.stop();
    clearInterval(this.cancelWatch);
    this.cancelWatch = undefined;
    await this.stopAll();
    await Promise.allSettled([this.local, ...this.rayBackends.values()].map((b) => b.close?.()));
  }

  private liveStep(
    pipeline: ResolvedPipeline,
    step: string,
  ): { pipelineRunId: string; step: StepRun } | undefined {
    for (const a of this.active.values()) {
      if (a.pipeline.file !== pipeline.file || a.pipeline.name !== pipeline.name) continue;
      const found = a.run.steps.find((s) => s.step === step);
      if (found) return { pipelineRunId: a.run.pipelineRunId, step: found };
    }
    return undefined;
  }

  private emit(event: PipelineEvent): void {
    for (const listener of this.events.listeners('event')) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`sextant: a pipeline event listener failed: ${String(error)}\n`);
      }
    }
  }

  /** Refuses paths of a step that leave the workspace, before anything runs. */
  private checkPaths(pipeline: ResolvedPipeline, step: ResolvedStep): void {
    insideRoot(pipeline.root, step.wd, `working directory of step '${step.name}'`);
    for (const dep of step.deps)
      insideRoot(pipeline.root, dep, `dependency of step '${step.name}'`);
    for (const out of [...step.outputs, ...step.metrics, ...step.artifacts]) {
      insideRoot(pipeline.root, out, `output of step '${step.name}'`);
    }
    if (step.environment.requirements) {
      insideRoot(
        pipeline.root,
        step.environment.requirements,
        `requirements of step '${step.name}'`,
      );
    }
  }

  /**
   * A step's cache key from the dependency contents on disk (or `known` digests of outputs a
   * planned step would restore); undefined when a dependency is missing.
   */
  private async keyOf(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
    known: Map<string, string>,
  ): Promise<string | undefined> {
    const deps: Record<string, string> = {};
    for (const dep of step.deps) {
      const digest = known.get(dep) ?? (await this.digestOf(pipeline.root, dep));
      if (digest === undefined) return undefined;
      deps[dep] = digest;
    }
    let requirements: string | undefined;
    if (step.environment.requirements) {
      requirements = await this.digestOf(pipeline.root, step.environment.requirements);
      if (requirements === undefined) return undefined;
    }
    return stepCacheKey(step, { deps, ...(requirements ? { requirements } : {}) });
  }

  private async digestOf(root: string, relative: string): Promise<string | undefined> {
    const hash = await this.hasher.hash(insideRoot(root, relative, 'path'));
    return hash.kind === 'missing' ? undefined : hash.digest;
  }

  private async drive(
    active: ActiveRun,
    steps: ResolvedStep[],
    force: boolean,
  ): Promise<PipelineRun> {
    const { run } = active;
    // A cache collection under way (this run is recorded already, so it sees this run from
    // now on): its steps wait for it before they read or fill the cache. Cancelled meanwhile,
    // they end cancelled below.
    await this.collectionLock.free(active.controller.signal).catch(() => undefined);
    const outcomes = new Map<string, Promise<StepStatus>>();
    for (const step of steps) {
      const record = run.steps[active.stepIndex.get(step.name) as number] as StepRun;
      outcomes.set(
        step.name,
        this.driveStep(active, step, record, outcomes, force).catch((error: unknown) => {
          this.setStep(active, record, {
            status: 'failed',
            reason: `Sextant failed to run the step: ${(error as Error).message}`,
            endTime: Date.now(),
          });
          return 'failed' as StepStatus;
        }),
      );
    }
    const statuses = await Promise.all(outcomes.values());
    const status: PipelineRunStatus = active.controller.signal.aborted
      ? 'cancelled'
      : statuses.every((s) => FINISHED_OK.includes(s))
        ? 'done'
        : 'failed';
    run.status = status;
    run.endTime = Date.now();
    this.stepTracking.end(
      active.parent.runId,
      status === 'done' ? 'FINISHED' : status === 'cancelled' ? 'KILLED' : 'FAILED',
    );
    this.journal.flush();
    this.runs.updateRun(run);
    this.active.delete(run.pipelineRunId);
    await fs.rm(path.join(this.logDir, run.pipelineRunId), { recursive: true, force: true });
    const final = structuredClone(run);
    this.emit({ type: 'run-finished', run: final });
    return final;
  }

  private setStep(active: ActiveRun, record: StepRun, change: Partial<StepRun>): void {
    Object.assign(record, change);
    this.journal.saveStep(record, active.run.pipelineRunId);
    this.emit({
      type: 'step-status',
      pipelineRunId: active.run.pipelineRunId,
      step: { ...record },
    });
  }

  private async driveStep(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    outcomes: Map<string, Promise<StepStatus>>,
    force: boolean,
  ): Promise<StepStatus> {
    const { signal } = active.controller;
    const upstream =
      step.upstream.length === 0
        ? []
        : await Promise.all(
            step.upstream
              .filter((u) => outcomes.has(u))
              .map(async (u) => ({
                step: u,
                status: await (outcomes.get(u) as Promise<StepStatus>),
              })),
          );
    if (signal.aborted) {
      this.setStep(active, record, {
        status: 'cancelled',
        reason: cancelledWhy(signal),
      });
      return 'cancelled';
    }
    const blocked = upstream.find((u) => !FINISHED_OK.includes(u.status));
    if (blocked) {
      this.setStep(active, record, {
        status: 'skipped',
        reason: `upstream step '${blocked.step}' ${blocked.status === 'skipped' ? 'was skipped' : blocked.status}`,
      });
      return 'skipped';
    }
    // A backend that schedules (the local launcher) holds the step until its resources are
    // free; for the others, local steps wait in the runner's pool.
    const pooled =
      this.targetOf(active.pipeline, step).kind === 'local' &&
      !this.backendFor(active.pipeline, step).schedules;
    let held: Held | undefined;
    // Only an execution holds the step's resources: hashing its dependencies and restoring it
    // from the cache are file work that many steps can do at once, and so is recording an
    // execution that has ended, so the next step's process need not wait for it.
    const acquire = async (): Promise<boolean> => {
      if (!pooled) return true;
      try {
        held = await this.pool.acquire(step.resources, signal);
        return true;
      } catch {
        return false;
      }
    };
    const release = (): void => {
      const free = held;
      held = undefined;
      free?.release();
    };
    try {
      return await this.executeStep(active, step, record, force, acquire, release);
    } finally {
      release();
    }
  }

  private targetOf(pipeline: ResolvedPipeline, step: ResolvedStep): Omit<ComputeTarget, 'name'> {
    if (step.compute === 'local' || step.compute === '') {
      return pipeline.compute.find((c) => c.name === 'local') ?? { kind: 'local' };
    }
    const target = pipeline.compute.find((c) => c.name === step.compute);
    if (!target) {
      throw invalid(
        `step '${step.name}' names compute target '${step.compute}', which the pipeline does not declare under 'compute:'`,
      );
    }
    return target;
  }

  private backendFor(pipeline: ResolvedPipeline, step: ResolvedStep): ComputeBackend {
    if (this.options.backendFor) return this.options.backendFor(pipeline, step);
    const target = this.targetOf(pipeline, step);
    if (target.kind === 'local') return this.local;
    if (!target.address) throw invalid(`compute target '${step.compute}' has no address`);
    const options = {
      ...(target.workspace ? { workspace: target.workspace } : {}),
      ...(target.tracking ? { tracking: target.tracking } : {}),
    };
    const key = JSON.stringify([target.address, options]);
    let backend = this.rayBackends.get(key);
    if (!backend) {
      // Loaded on first use: a pipeline without a Ray step never pays for the Ray client.
      const RayBackend = rayBackendClass();
      backend = new RayBackend(target.address, { ...options, leaveOut: [this.options.storeDir] });
      this.rayBackends.set(key, backend);
    }
    return backend;
  }

  /** Hashes the step's dependencies; names the first missing one. */
  private async hashDeps(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
  ): Promise<
    { deps: Record<string, string>; hashes: Map<string, PathHash> } | { missing: string }
  > {
    const deps: Record<string, string> = {};
    const hashes = new Map<string, PathHash>();
    for (const dep of step.deps) {
      const hash = await this.hasher.hash(insideRoot(pipeline.root, dep, 'dependency'));
      if (hash.kind === 'missing') return { missing: dep };
      deps[dep] = hash.digest;
      hashes.set(dep, hash);
    }
    return { deps, hashes };
  }

  private async executeStep(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    force: boolean,
    acquire: () => Promise<boolean>,
    release: () => void,
  ): Promise<StepStatus> {
    const { pipeline, controller } = active;
    const started = Date.now();
    // Most of a run's steps are past their awaits in one turn: no promise for nothing to hash.
    const hashed =
      step.deps.length > 0
        ? await this.hashDeps(pipeline, step)
        : { deps: {}, hashes: new Map<string, PathHash>() };
    if ('missing' in hashed) {
      const producer = producerOf(pipeline, hashed.missing);
      this.setStep(active, record, {
        status: 'failed',
        startTime: started,
        endTime: Date.now(),
        reason: producer
          ? `dependency '${hashed.missing}' is missing: step '${producer.name}' did not write it`
          : `dependency '${hashed.missing}' does not exist and no step writes it`,
      });
      return 'failed';
    }
    let requirements: string | undefined;
    if (step.environment.requirements) {
      requirements = await this.digestOf(pipeline.root, step.environment.requirements);
      if (requirements === undefined) {
        this.setStep(active, record, {
          status: 'failed',
          startTime: started,
          endTime: Date.now(),
          reason: `requirements file '${step.environment.requirements}' does not exist`,
        });
        return 'failed';
      }
    }
    const cacheKey = stepCacheKey(step, {
      deps: hashed.deps,
      ...(requirements ? { requirements } : {}),
    });
    record.cacheKey = cacheKey;
    const entry = force || !cacheable(step) ? undefined : await this.cache.lookup(cacheKey);
    if (entry) return this.restoreStep(active, step, record, entry, hashed.hashes, started);
    if (!(await acquire())) {
      this.setStep(active, record, {
        status: 'cancelled',
        reason: cancelledWhy(controller.signal),
      });
      return 'cancelled';
    }

    const runId = this.stepTracking.beginStep({
      pipeline,
      pipelineRunId: active.run.pipelineRunId,
      parent: active.parent,
      step,
      cacheKey,
    });
    const logs = this.logFiles(active.run.pipelineRunId, active.stepIndex.get(step.name) as number);
    // A log file is made on the step's first output: most steps of a large pipeline print
    // nothing, and two empty files (and their artifacts) per step are a cost of their own.
    let logDirMade = false;
    const write = (stream: 'stdout' | 'stderr', text: string): void => {
      if (!logDirMade) {
        fsSync.mkdirSync(path.dirname(logs.stdout), { recursive: true });
        logDirMade = true;
      }
      fsSync.appendFileSync(logs[stream], text);
      this.emit({
        type: 'step-log',
        pipelineRunId: active.run.pipelineRunId,
        step: step.name,
        stream,
        text,
      });
    };

    let outcome: { status: StepStatus; reason?: string; exitCode?: number } = { status: 'failed' };
    try {
      outcome = await this.attempts(active, step, record, runId, write, controller.signal);
      release();
      if (outcome.status === 'done') {
        const logged = (['stdout', 'stderr'] as const)
          .filter((stream) => logDirMade && fsSync.existsSync(logs[stream]))
          .map((stream) => `logs/${stream}.txt`);
        const saved = await this.saveOutputs(active, step, runId, cacheKey, hashed.hashes, logged);
        if (saved) outcome = { ...outcome, status: 'failed', reason: saved };
      }
    } catch (error) {
      outcome = { status: 'failed', reason: (error as Error).message };
    } finally {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (logDirMade && fsSync.existsSync(logs[stream])) {
          await this.stepTracking
            .storeFile(runId, `logs/${stream}.txt`, logs[stream])
            .catch(() => undefined);
        }
      }
    }
    this.stepTracking.end(
      runId,
      outcome.status === 'done' ? 'FINISHED' : outcome.status === 'cancelled' ? 'KILLED' : 'FAILED',
      outcome.reason,
    );
    this.setStep(active, record, {
      runId,
      status: outcome.status,
      endTime: Date.now(),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
    });
    return outcome.status;
  }

  /** Runs the step until it succeeds or its retries are spent, each attempt within the timeout. */
  private async attempts(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    runId: string,
    write: (stream: 'stdout' | 'stderr', text: string) => void,
    signal: AbortSignal,
  ): Promise<{ status: StepStatus; reason?: string; exitCode?: number }> {
    const { pipeline } = active;
    // Running from the moment its process starts (or its environment is being made), and its
    // tracking run with it.
    const markRunning = (change: Partial<StepRun> = {}, tags: KeyValue[] = []): void => {
      if (record.status === 'running') {
        if (Object.keys(change).length > 0) this.setStep(active, record, change);
        this.stepTracking.tag(runId, tags);
        return;
      }
      const now = Date.now();
      this.setStep(active, record, { ...change, runId, status: 'running', startTime: now });
      this.stepTracking.started(runId, now, tags);
    };
    const plain = this.environmentOf(active, step, runId);
    // A cluster that has none of the workspace's files installs the requirements itself (Ray's
    // `pip`): a local environment would go unused.
    const prepared =
      step.environment.requirements && this.targetOf(pipeline, step).workspace !== 'upload'
        ? await this.provisioned(active, step, plain, write, signal, markRunning)
        : { env: plain };
    if ('failed' in prepared)
      return { status: signal.aborted ? 'cancelled' : 'failed', reason: prepared.failed };
    const backend = this.backendFor(pipeline, step);
    const gpus = this.pool.capacity.gpu;
    if (step.resources.gpu > gpus && backend.kind === 'local') {
      write(
        'stderr',
        `sextant: the step declares ${step.resources.gpu} GPU${step.resources.gpu === 1 ? '' : 's'} ` +
          `and this machine offers ${gpus}: it runs with ${gpus === 0 ? 'none' : `all ${gpus}`}\n`,
      );
    }
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return { status: 'cancelled', reason: cancelledWhy(signal) };
      if (attempt > 1) {
        this.setStep(active, record, { attempts: attempt });
        write('stderr', `\n--- sextant: attempt ${attempt} of ${step.retries + 1} ---\n`);
      }
      if (step.outputs.length + step.metrics.length > 0) await this.clearOutputs(pipeline, step);
      const attemptController = new AbortController();
      const stopAttempt = (reason: unknown): void => attemptController.abort(reason);
      active.attempts.add(stopAttempt);
      if (signal.aborted) attemptController.abort(signal.reason);
      let timer: NodeJS.Timeout | undefined;
      // The timeout counts from the start: a step may wait in the backend's queue first.
      const onStart = (externalId?: string, placement?: StepPlacement): void => {
        const id = externalId !== undefined ? { externalId } : {};
        const gpus = placement?.gpus ?? [];
        const tags = gpus.length > 0 ? [{ key: PIPELINE_TAGS.gpus, value: gpus.join(',') }] : [];
        if (attempt === 1) markRunning({ attempts: 1, ...id }, tags);
        else {
          if (externalId !== undefined) this.setStep(active, record, id);
          this.stepTracking.tag(runId, tags);
        }
        if (step.timeoutSec !== undefined && step.timeoutSec * 1000 <= MAX_TIMER_MS) {
          timer = setTimeout(
            () => attemptController.abort(new Error(`timed out after ${step.timeoutSec} s`)),
            step.timeoutSec * 1000,
          );
        }
      };
      if (!backend.schedules) onStart();
      let outcome;
      try {
        outcome = await backend.execute({
          step,
          root: pipeline.root,
          env: prepared.env,
          signal: attemptController.signal,
          onOutput: write,
          onExternalId: (id) => this.setStep(active, record, { externalId: id }),
          ...(backend.schedules ? { onStart } : {}),
        });
      } catch (error) {
        outcome = { exitCode: null, reason: (error as Error).message };
      } finally {
        clearTimeout(timer);
        active.attempts.delete(stopAttempt);
      }
      if (signal.aborted) {
        return {
          status: 'cancelled',
          reason: cancelledWhy(signal),
          ...(outcome.exitCode !== null ? { exitCode: outcome.exitCode } : {}),
        };
      }
      if (outcome.exitCode === 0 && !attemptController.signal.aborted)
        return { status: 'done', exitCode: 0 };
      const reason = attemptController.signal.aborted
        ? `timed out after ${step.timeoutSec} s`
        : (outcome.reason ?? `exited with code ${outcome.exitCode}`);
      if (attempt > step.retries) {
        return {
          status: 'failed',
          reason: step.retries > 0 ? `${reason} (after ${attempt} attempts)` : reason,
          ...(outcome.exitCode !== null ? { exitCode: outcome.exitCode } : {}),
        };
      }
      write('stderr', `\nsextant: step '${step.name}' ${reason}; retrying\n`);
    }
  }

  /** The process environment of a step: the run's base, Sextant's variables and the step's. */
  private environmentOf(active: ActiveRun, step: ResolvedStep, runId: string): StepEnvironment {
    // Every step of the run shares the base, so a backend can send it once.
    let base = active.baseEnv;
    if (!base) {
      const fromProcess: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) fromProcess[k] = v;
      delete fromProcess.MLFLOW_EXPERIMENT_NAME;
      delete fromProcess.MLFLOW_EXPERIMENT_ID;
      base = active.baseEnv = Object.freeze(fromProcess);
    }
    const vars: Record<string, string> = { ...step.environment.vars };
    Object.assign(vars, {
      SEXTANT_PIPELINE: active.pipeline.name,
      SEXTANT_PIPELINE_RUN_ID: active.run.pipelineRunId,
      SEXTANT_STEP: step.name,
    });
    if (this.trackingUri)
      Object.assign(vars, { MLFLOW_TRACKING_URI: this.trackingUri, MLFLOW_RUN_ID: runId });
    return { base, vars };
  }

  /** A step's environment with its provisioned virtual environment first on the PATH. */
  private async provisioned(
    active: ActiveRun,
    step: ResolvedStep,
    env: StepEnvironment,
    write: (stream: 'stdout' | 'stderr', text: string) => void,
    signal: AbortSignal,
    markRunning: (change?: Partial<StepRun>) => void,
  ): Promise<{ env: StepEnvironment } | { failed: string }> {
    markRunning();
    const provision = this.options.provision ?? provisionEnvironment;
    try {
      const { binDir, id } = await provision({
        requirements: insideRoot(
          active.pipeline.root,
          step.environment.requirements as string,
          'requirements',
        ),
        cacheDir: path.join(this.options.storeDir, 'envs'),
        onOutput: write,
        signal,
      });
      markRunning({ environment: id });
      const vars = {
        ...env.vars,
        PATH: `${binDir}${path.delimiter}${env.vars.PATH ?? env.base.PATH ?? ''}`,
        VIRTUAL_ENV: path.dirname(binDir),
      };
      return { env: { base: env.base, vars } };
    } catch (error) {
      return { failed: `could not provision the environment: ${(error as Error).message}` };
    }
  }

  /** Removes a step's declared outputs before it runs, so a stale one is never taken for new. */
  private async clearOutputs(pipeline: ResolvedPipeline, step: ResolvedStep): Promise<void> {
    for (const out of new Set([...step.outputs, ...step.metrics])) {
      await fs.rm(insideRoot(pipeline.root, out, 'output'), { recursive: true, force: true });
    }
  }

  /**
   * After a successful execution: hashes the outputs, fills the cache, records lineage, logs
   * metrics and artifacts. Answers why the step must count as failed, or undefined.
   */
  private async saveOutputs(
    active: ActiveRun,
    step: ResolvedStep,
    runId: string,
    cacheKey: string,
    deps: Map<string, PathHash>,
    logs: string[],
  ): Promise<string | undefined> {
    const { pipeline } = active;
    // Nothing read, nothing declared: no lineage, metrics or artifacts to record.
    if (deps.size + step.outputs.length + step.metrics.length + step.artifacts.length === 0) {
      return undefined;
    }
    const outputs: Array<{ path: string; hash: PathHash }> = [];
    for (const out of new Set([...step.outputs, ...step.metrics])) {
      const hash = await this.hasher.hash(insideRoot(pipeline.root, out, 'output'));
      if (hash.kind === 'missing')
        return `the step succeeded but did not write its output '${out}'`;
      outputs.push({ path: out, hash });
    }
    const entry: CacheEntry = cacheable(step)
      ? await this.cache.save(cacheKey, pipeline.root, outputs, runId, logs)
      : { key: cacheKey, outputs: [], runId, time: Date.now() };
    await this.recordLineage(active, step, deps, entry, false);
    const metricsProblem = await this.logStepMetrics(pipeline, step, runId);
    await this.storeArtifacts(pipeline, step, runId);
    return metricsProblem;
  }

  /** Stores the step's `artifacts:` files with its tracking run (a missing one is skipped). */
  private async storeArtifacts(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
    runId: string,
  ): Promise<void> {
    for (const artifact of step.artifacts) {
      await this.stepTracking
        .storePath(runId, artifact, insideRoot(pipeline.root, artifact, 'artifact'))
        .catch(() => undefined);
    }
  }

  private async logStepMetrics(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
    runId: string,
  ): Promise<string | undefined> {
    const read = await this.readStepMetrics(pipeline, step);
    if (read.problem !== undefined) return read.problem;
    this.stepTracking.logMetrics(runId, read.metrics);
    return undefined;
  }

  /** The metrics in a step's metrics files, or why one could not be read. */
  private async readStepMetrics(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
  ): Promise<{ metrics: Record<string, number>; problem?: string }> {
    const metrics: Record<string, number> = {};
    for (const file of step.metrics) {
      try {
        Object.assign(
          metrics,
          await readMetricsFile(insideRoot(pipeline.root, file, 'metrics file')),
        );
      } catch (error) {
        return { metrics: {}, problem: (error as Error).message };
      }
    }
    return { metrics };
  }

  /**
   * Records what an execution consumed and produced. A folder counts as itself and as each file
   * in it (up to {@link LINEAGE_FILES_PER_FOLDER}), so a step that reads `data/train.csv` links to
   * the step that wrote the folder `data`.
   */
  private async recordLineage(
    active: ActiveRun,
    step: ResolvedStep,
    deps: Map<string, PathHash>,
    entry: CacheEntry,
    cached: boolean,
  ): Promise<void> {
    this.journal.recordEdges(await this.lineageEdges(active, step, deps, entry, cached));
  }

  /** The lineage edges of one execution (see {@link recordLineage}). */
  private async lineageEdges(
    active: ActiveRun,
    step: ResolvedStep,
    deps: Map<string, PathHash>,
    entry: CacheEntry,
    cached: boolean,
  ): Promise<StoredEdge[]> {
    const execution = { pipelineRunId: active.run.pipelineRunId, step: step.name };
    const time = Date.now();
    const edges: StoredEdge[] = [];
    const add = (relation: 'consumed' | 'produced', p: string, digest: string): void => {
      edges.push({ relation, execution, artifact: { path: p, digest }, time, cached });
    };
    const addFiles = (
      relation: 'consumed' | 'produced',
      p: string,
      files: ManifestEntry[],
    ): void => {
      for (const f of files.slice(0, LINEAGE_FILES_PER_FOLDER))
        add(relation, `${p}/${f.path}`, `md5:${f.md5}`);
    };
    for (const [p, hash] of deps) {
      if (hash.kind === 'missing') continue;
      add('consumed', p, hash.digest);
      if (hash.kind === 'dir') addFiles('consumed', p, hash.entries);
    }
    for (const o of entry.outputs) {
      add('produced', o.path, o.digest);
      addFiles('produced', o.path, await this.cache.manifestOf(o.digest));
    }
    return edges;
  }

  /** A cache hit: outputs restored, a FINISHED child run tagged cached, lineage recorded. */
  private async restoreStep(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    entry: CacheEntry,
    deps: Map<string, PathHash>,
    started: number,
  ): Promise<StepStatus> {
    const { pipeline } = active;
    await this.cache.restore(entry, pipeline.root);
    const edges = await this.lineageEdges(active, step, deps, entry, true);
    const { metrics, problem } = await this.readStepMetrics(pipeline, step);
    const runId = this.stepTracking.recordCached({
      pipeline,
      pipelineRunId: active.run.pipelineRunId,
      parent: active.parent,
      step,
      cacheKey: entry.key,
      cachedFrom: entry.runId ?? '',
      startTime: Date.now(),
      endTime: Date.now(),
      metrics,
      ...(problem !== undefined ? { problem } : {}),
    });
    this.journal.recordEdges(edges);
    await this.storeArtifacts(pipeline, step, runId);
    const logs = entry.logs ?? ['logs/stdout.txt', 'logs/stderr.txt'];
    if (entry.runId && logs.length > 0) {
      await this.stepTracking.copyArtifacts(entry.runId, runId, logs);
    }
    this.stepTracking.forget(runId);
    this.setStep(active, record, {
      status: problem ? 'failed' : 'cached',
      runId,
      cacheKey: entry.key,
      startTime: started,
      endTime: Date.now(),
      ...(problem ? { reason: problem } : {}),
    });
    return problem ? 'failed' : 'cached';
  }
}
