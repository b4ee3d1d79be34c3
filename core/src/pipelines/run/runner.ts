import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fsSync from 'node:fs';
import path from 'node:path';
import type { LocalArtifactStore } from '../../artifacts';
import { findPipelineFiles } from '../definition/discover';
import { invalid, notFound, SextantError } from '../../model/errors';
import type {
  CacheCollection,
  PipelineEvent,
  PipelineRun,
  PipelineRunStatus,
  ResolvedPipeline,
  ResolvedStep,
  StepRun,
} from '../../model/pipeline';
import type { TrackingService } from '../../tracking';
import type { LineageStore } from '../../lineage';
import type {
  LoadedPipelineFile,
  LoadPipelineFile,
  PipelineRunner,
  PlannedStep,
  ProvisionEnvironment,
  StartOptions,
  StepState,
} from '../api';
import { collectEnvironments, type ComputeBackend } from '../../compute';
import { StepAttempts } from './attempts';
import { Backends } from './backends';
import { ContentCache } from './cache';
import { CrossProcessCancel } from './cancels';
import { CollectionLock } from './collectionLock';
import { StepExecutor } from './executor';
import { FileHasher } from './fileHash';
import { PipelineLoads } from './loadCache';
import { OrphanRecovery } from './orphans';
import { StepOutputs } from './outputs';
import { selectSteps } from './plan';
import { checkStepPaths, RunPlanner } from './planner';
import { RunRecorder } from './recorder';
import { machineCapacity, ResourcePool, type Capacity } from '../../compute';
import type { PipelineRunStore } from './runStore';
import { cacheable, FINISHED_OK, type ActiveRun } from './runState';
import { StepScheduler } from './scheduler';
import { StepEnvironments } from './stepEnvironment';
import { StepKeys } from './stepKeys';
import { StepLogs, type StepLog } from './stepLogs';
import { LEASE_TTL_MS, TriggerLease } from '../triggers/lease';
import { FOREIGN_POLL_MS, ForeignRuns } from './foreignRuns';
import type { ChosenPython } from './stepPython';

export { CANCEL_CHECK_MS } from './cancels';
export { LINEAGE_FILES_PER_FOLDER } from './recorder';
export { STEP_LOG_LIMIT, type StepLog } from './stepLogs';

/** Options of {@link PipelineService}. */
export interface PipelineServiceOptions {
  storeDir: string;
  db: Database.Database;
  tracking: TrackingService;
  artifacts: LocalArtifactStore;
  /** The definition loader; `pipelines/definition` when not given. */
  load?: LoadPipelineFile;
  /** Environment provisioning; compute's `provisionEnvironment` when not given. */
  provision?: ProvisionEnvironment;
  /** What local steps may use at once; the machine's cores, GPUs and memory when not given. */
  capacity?: Capacity;
  /** The backend for a step's compute target; local processes and Ray when not given. */
  backendFor?: (pipeline: ResolvedPipeline, step: ResolvedStep) => ComputeBackend;
  /** SIGTERM-to-SIGKILL grace of local steps, in ms. */
  killGraceMs?: number;
}

/**
 * Sextant's pipeline runner: plans, runs, caches and records pipelines. Steps run as soon as the
 * steps they need are done, in parallel within the machine's cores and the steps' declared
 * resources; an unchanged step (same cache key) is restored from the content-addressed cache
 * instead. Every step execution is a child tracking run of the pipeline run's parent run, and
 * its inputs and outputs are recorded as lineage edges.
 *
 * The one front door of its parts: the load cache ({@link PipelineLoads}), the planner
 * ({@link RunPlanner}), the scheduler ({@link StepScheduler}), the executor
 * ({@link StepExecutor}), the recorder ({@link RunRecorder}), cancelling across processes
 * ({@link CrossProcessCancel}) and orphan recovery ({@link OrphanRecovery}).
 */
export class PipelineService implements PipelineRunner {
  readonly runs: PipelineRunStore;
  readonly lineage: LineageStore;
  readonly hasher: FileHasher;
  readonly cache: ContentCache;
  /** The runs this process drives, by pipeline run id. */
  private readonly active = new Map<string, ActiveRun>();
  private foreign: ForeignRuns | undefined;
  private readonly loads: PipelineLoads;
  private readonly recorder: RunRecorder;
  private readonly logs: StepLogs;
  private readonly backends: Backends;
  private readonly environments: StepEnvironments;
  private readonly planner: RunPlanner;
  private readonly keys: StepKeys;
  private readonly scheduler: StepScheduler;
  private readonly cancels: CrossProcessCancel;
  private readonly orphans: OrphanRecovery;
  /** Held by a cache collection while it removes files; runs wait for it. */
  private readonly collectionLock: CollectionLock;

  constructor(private readonly options: PipelineServiceOptions) {
    this.loads = new PipelineLoads(options.db, options.load);
    this.hasher = new FileHasher(options.db, [options.storeDir]);
    this.cache = new ContentCache(path.join(options.storeDir, 'cache'), this.hasher);
    const pool = new ResourcePool(options.capacity ?? machineCapacity());
    this.recorder = new RunRecorder({
      db: options.db,
      tracking: options.tracking,
      artifacts: options.artifacts,
      cache: this.cache,
    });
    this.runs = this.recorder.runs;
    this.lineage = this.recorder.lineage;
    this.backends = new Backends({
      storeDir: options.storeDir,
      capacity: pool.capacity,
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      ...(options.backendFor ? { backendFor: options.backendFor } : {}),
    });
    this.logs = new StepLogs(
      path.join(options.storeDir, 'pipelines', 'logs'),
      this.recorder.stepTracking,
    );
    this.environments = new StepEnvironments(
      path.join(options.storeDir, 'envs'),
      options.provision,
    );
    this.environments.storeDir = options.storeDir;
    this.keys = new StepKeys(this.hasher);
    this.planner = new RunPlanner(this.keys, this.cache);
    const outputs = new StepOutputs(this.hasher, this.cache, this.recorder);
    const executor = new StepExecutor({
      keys: this.keys,
      cache: this.cache,
      recorder: this.recorder,
      logs: this.logs,
      outputs,
      attempts: new StepAttempts(
        this.recorder,
        this.backends,
        this.environments,
        outputs,
        pool.capacity,
      ),
    });
    this.scheduler = new StepScheduler(pool, this.backends, this.recorder, executor);
    this.orphans = new OrphanRecovery(this.recorder, this.logs);
    this.cancels = new CrossProcessCancel(
      this.runs,
      this.active,
      () => this.recoverOrphans(),
      options.killGraceMs,
    );
    this.collectionLock = new CollectionLock(path.join(options.storeDir, 'collecting.lock'));
  }

  /** The MLflow tracking URI handed to steps (`MLFLOW_TRACKING_URI`, `MLFLOW_RUN_ID`), when served. */
  get trackingUri(): string | undefined {
    return this.environments.trackingUri;
  }

  set trackingUri(uri: string | undefined) {
    this.environments.trackingUri = uri;
  }

  /**
   * The interpreter steps without requirements run with (first on their PATH); unset, the
   * workspace's `.venv` when it has one, else the PATH as it is.
   */
  get python(): ChosenPython | undefined {
    return this.environments.python;
  }

  set python(chosen: ChosenPython | undefined) {
    this.environments.python = chosen;
  }

  /** Milliseconds spent recording step executions as tracking runs, summed over steps. */
  get recordMs(): number {
    return this.recorder.recordMs;
  }

  /**
   * Writes the step records, step runs and lineage edges held back in the journal, so that what
   * is read next (in this process) includes them.
   */
  flush(): void {
    this.recorder.flush();
  }

  /**
   * Loads and validates a pipeline file: its resolved pipelines and every problem found. A file
   * loaded before is not parsed again while the disk answers as it did then (see
   * {@link PipelineLoads}).
   */
  loadFile(file: string): Promise<LoadedPipelineFile> {
    return this.loads.get(file);
  }

  /**
   * Forgets the file hashes and the kept pipeline file loads of files that are gone; answers
   * how many entries it dropped.
   */
  async prune(): Promise<number> {
    return (await this.hasher.prune()) + (await this.loads.prune());
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
    this.recorder.flush();
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
    this.recorder.flush();
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
  planPipeline(pipeline: ResolvedPipeline, options: StartOptions = {}): Promise<PlannedStep[]> {
    return this.planner.plan(pipeline, options);
  }

  start(
    file: string,
    pipeline?: string,
    options: StartOptions = {},
  ): Promise<{ run: PipelineRun; finished: Promise<PipelineRun> }> {
    // The local launcher starts while the file is loaded and the run planned.
    this.backends.local.prepare?.();
    return this.resolve(file, pipeline).then((p) => this.startPipeline(p, options));
  }

  /** Starts a run of a resolved pipeline; answers once it is recorded. */
  async startPipeline(
    pipeline: ResolvedPipeline,
    options: StartOptions = {},
  ): Promise<{ run: PipelineRun; finished: Promise<PipelineRun> }> {
    const steps = selectSteps(pipeline, options.step);
    for (const step of steps) checkStepPaths(pipeline, step);
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
    const parent = await this.recorder.startRun(pipeline, run);
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
    this.cancels.watch();
    this.recorder.emit({ type: 'run-started', run: structuredClone(run) });
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
    return this.cancels.cancelElsewhere(pipelineRunId);
  }

  async stepStates(file: string, pipeline?: string): Promise<Record<string, StepState>> {
    return this.statesOf(await this.resolve(file, pipeline));
  }

  /** Each step's state for a resolved pipeline (see {@link PipelineRunner.stepStates}). */
  async statesOf(pipeline: ResolvedPipeline): Promise<Record<string, StepState>> {
    this.recorder.flush();
    const states: Record<string, StepState> = {};
    // "Stale" is what the next run would run again: the dry plan, in which a step downstream of
    // one that runs runs too.
    const plan = new Map((await this.planner.plan(pipeline)).map((p) => [p.step, p.action]));
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
        states[step.name] = { status: 'not-run' };
        continue;
      }
      const { step: record, pipelineRunId } = latest;
      let status = record.status;
      if (FINISHED_OK.includes(status) && plan.get(step.name) === 'run') {
        // A step the cache cannot hold always plans to run: stale only when something changed.
        const changed =
          cacheable(step) ||
          step.upstream.some((u) => plan.get(u) === 'run') ||
          (await this.keys.keyOf(pipeline, step, new Map()).catch(() => undefined)) !==
            record.cacheKey;
        if (changed) status = 'stale';
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
    this.foreign ??= new ForeignRuns(
      this.options.db,
      this.runs,
      (event) => this.recorder.emit(event),
      {
        files: (id, index) => this.logs.files(id, index),
        stored: (runId, stream) => this.recorder.stepTracking.readText(runId, `logs/${stream}.txt`),
      },
    );
    this.foreign.start(intervalMs);
  }

  onEvent(listener: (event: PipelineEvent) => void): () => void {
    return this.recorder.onEvent(listener);
  }

  /** A pipeline run by id. */
  getRun(pipelineRunId: string): PipelineRun {
    const active = this.active.get(pipelineRunId);
    if (active) return structuredClone(active.run);
    this.recorder.flush();
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
    this.recorder.flush();
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
    if (!run.steps[index]) throw notFound(`pipeline run '${pipelineRunId}' has no step '${step}'`);
    return this.logs.read(run, index);
  }

  /**
   * Marks the runs that a killed Sextant left `running` as failed, with the reason: their
   * running steps failed, their queued steps skipped, their tracking runs FAILED. Returns the
   * pipeline run ids it recovered.
   */
  recoverOrphans(): Promise<string[]> {
    return this.orphans.recover();
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
    this.cancels.stop();
    await this.stopAll();
    await this.backends.close();
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

  /** Runs a recorded run's steps through the scheduler and records how it ended. */
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
    const statuses = await this.scheduler.run(active, steps, force);
    const status: PipelineRunStatus = active.controller.signal.aborted
      ? 'cancelled'
      : statuses.every((s) => FINISHED_OK.includes(s))
        ? 'done'
        : 'failed';
    this.recorder.endRun(active, status);
    this.active.delete(run.pipelineRunId);
    await this.logs.removeRun(run.pipelineRunId);
    const final = structuredClone(run);
    this.recorder.emit({ type: 'run-finished', run: final });
    return final;
  }
}
