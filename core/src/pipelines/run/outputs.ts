import fs from 'node:fs/promises';
import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import type { CacheEntry, ContentCache } from './cache';
import { insideRoot } from '../../compute';
import type { FileHasher, PathHash } from './fileHash';
import { readMetricsFile } from './metricsFile';
import type { RunRecorder } from './recorder';
import { cacheable, type ActiveRun } from './runState';

/**
 * What a step leaves behind: its declared outputs (cleared before it runs, hashed and cached
 * after), its metrics files (logged with its tracking run) and its `artifacts:` files (stored
 * with it), and the lineage of what it consumed and produced.
 */
export class StepOutputs {
  constructor(
    private readonly hasher: FileHasher,
    private readonly cache: ContentCache,
    private readonly recorder: RunRecorder,
  ) {}

  /** Removes a step's declared outputs before it runs, so a stale one is never taken for new. */
  async clear(pipeline: ResolvedPipeline, step: ResolvedStep): Promise<void> {
    for (const out of new Set([...step.outputs, ...step.metrics])) {
      await fs.rm(insideRoot(pipeline.root, out, 'output'), { recursive: true, force: true });
    }
  }

  /**
   * After a successful execution: hashes the outputs, fills the cache, records lineage, logs
   * metrics and artifacts. Answers why the step must count as failed, or undefined.
   */
  async save(
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
    await this.recorder.recordLineage(active, step, deps, entry, false);
    const metricsProblem = await this.logMetrics(pipeline, step, runId);
    await this.storeArtifacts(pipeline, step, runId);
    return metricsProblem;
  }

  /** Stores the step's `artifacts:` files with its tracking run (a missing one is skipped). */
  async storeArtifacts(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
    runId: string,
  ): Promise<void> {
    for (const artifact of step.artifacts) {
      await this.recorder.stepTracking
        .storePath(runId, artifact, insideRoot(pipeline.root, artifact, 'artifact'))
        .catch(() => undefined);
    }
  }

  /** The metrics in a step's metrics files, or why one could not be read. */
  async readMetrics(
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

  private async logMetrics(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
    runId: string,
  ): Promise<string | undefined> {
    const read = await this.readMetrics(pipeline, step);
    if (read.problem !== undefined) return read.problem;
    this.recorder.stepTracking.logMetrics(runId, read.metrics);
    return undefined;
  }
}
