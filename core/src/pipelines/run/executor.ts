import fsSync from 'node:fs';
import path from 'node:path';
import type { ResolvedStep, StepRun, StepStatus } from '../../model/pipeline';
import type { StepAttempts } from './attempts';
import type { CacheEntry, ContentCache } from './cache';
import { stepCacheKey } from './cacheKey';
import type { PathHash } from './fileHash';
import type { StepOutputs } from './outputs';
import { producerOf } from './plan';
import type { RunRecorder } from './recorder';
import { cacheable, cancelledWhy, type ActiveRun, type ExecutionOutcome } from './runState';
import type { StepKeys } from './stepKeys';
import type { StepLogs } from './stepLogs';

/** The parts a {@link StepExecutor} works through. */
export interface ExecutorParts {
  keys: StepKeys;
  cache: ContentCache;
  recorder: RunRecorder;
  logs: StepLogs;
  outputs: StepOutputs;
  attempts: StepAttempts;
}

/**
 * Carries out one step of a run once the steps it needs are done: hashes its dependencies into
 * its cache key, restores it from the cache when an execution with that key is kept, and runs it
 * otherwise (holding its resources only while it executes), with its output in log files that
 * end up stored with its tracking run, and its outputs, metrics and artifacts collected.
 */
export class StepExecutor {
  private readonly keys: StepKeys;
  private readonly cache: ContentCache;
  private readonly recorder: RunRecorder;
  private readonly logs: StepLogs;
  private readonly outputs: StepOutputs;
  private readonly attempts: StepAttempts;

  constructor(parts: ExecutorParts) {
    this.keys = parts.keys;
    this.cache = parts.cache;
    this.recorder = parts.recorder;
    this.logs = parts.logs;
    this.outputs = parts.outputs;
    this.attempts = parts.attempts;
  }

  /**
   * Runs or restores one step; answers its final status. `acquire` takes the step's resources
   * (false: the run was cancelled while it waited), `release` gives them back.
   */
  async execute(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    force: boolean,
    acquire: () => Promise<boolean>,
    release: () => void,
  ): Promise<StepStatus> {
    const { pipeline, controller } = active;
    const { recorder } = this;
    const started = Date.now();
    // Most of a run's steps are past their awaits in one turn: no promise for nothing to hash.
    const hashed =
      step.deps.length > 0
        ? await this.keys.hashDeps(pipeline, step)
        : { deps: {}, hashes: new Map<string, PathHash>() };
    if ('missing' in hashed) {
      const producer = producerOf(pipeline, hashed.missing);
      recorder.setStep(active, record, {
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
      requirements = await this.keys.digestOf(pipeline.root, step.environment.requirements);
      if (requirements === undefined) {
        recorder.setStep(active, record, {
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
    if (entry) return this.restore(active, step, record, entry, hashed.hashes, started);
    if (!(await acquire())) {
      recorder.setStep(active, record, {
        status: 'cancelled',
        reason: cancelledWhy(controller.signal),
      });
      return 'cancelled';
    }

    const runId = recorder.stepTracking.beginStep({
      pipeline,
      pipelineRunId: active.run.pipelineRunId,
      parent: active.parent,
      step,
      cacheKey,
    });
    const logs = this.logs.files(
      active.run.pipelineRunId,
      active.stepIndex.get(step.name) as number,
    );
    // A log file is made on the step's first output: most steps of a large pipeline print
    // nothing, and two empty files (and their artifacts) per step are a cost of their own.
    let logDirMade = false;
    const write = (stream: 'stdout' | 'stderr', text: string): void => {
      if (!logDirMade) {
        fsSync.mkdirSync(path.dirname(logs.stdout), { recursive: true });
        logDirMade = true;
      }
      fsSync.appendFileSync(logs[stream], text);
      recorder.emit({
        type: 'step-log',
        pipelineRunId: active.run.pipelineRunId,
        step: step.name,
        stream,
        text,
      });
    };

    let outcome: ExecutionOutcome = { status: 'failed' };
    try {
      outcome = await this.attempts.run(active, step, record, runId, write, controller.signal);
      release();
      if (outcome.status === 'done') {
        const logged = (['stdout', 'stderr'] as const)
          .filter((stream) => logDirMade && fsSync.existsSync(logs[stream]))
          .map((stream) => `logs/${stream}.txt`);
        const saved = await this.outputs.save(active, step, runId, cacheKey, hashed.hashes, logged);
        if (saved) outcome = { ...outcome, status: 'failed', reason: saved };
      }
    } catch (error) {
      outcome = { status: 'failed', reason: (error as Error).message };
    } finally {
      if (logDirMade) await this.logs.store(runId, logs);
    }
    recorder.stepTracking.end(
      runId,
      outcome.status === 'done' ? 'FINISHED' : outcome.status === 'cancelled' ? 'KILLED' : 'FAILED',
      outcome.reason,
    );
    recorder.setStep(active, record, {
      runId,
      status: outcome.status,
      endTime: Date.now(),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
    });
    return outcome.status;
  }

  /** A cache hit: outputs restored, a FINISHED child run tagged cached, lineage recorded. */
  private async restore(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    entry: CacheEntry,
    deps: Map<string, PathHash>,
    started: number,
  ): Promise<StepStatus> {
    const { pipeline } = active;
    const { recorder } = this;
    await this.cache.restore(entry, pipeline.root);
    const edges = await recorder.lineageEdges(active, step, deps, entry, true);
    const { metrics, problem } = await this.outputs.readMetrics(pipeline, step);
    const runId = recorder.stepTracking.recordCached({
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
    recorder.recordEdges(edges);
    await this.outputs.storeArtifacts(pipeline, step, runId);
    const logs = entry.logs ?? ['logs/stdout.txt', 'logs/stderr.txt'];
    if (entry.runId && logs.length > 0) {
      await recorder.stepTracking.copyArtifacts(entry.runId, runId, logs);
    }
    recorder.stepTracking.forget(runId);
    recorder.setStep(active, record, {
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
