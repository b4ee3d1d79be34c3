import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LocalArtifactStore } from '../../artifacts/localStore';
import type { KeyValue, RunInfo, RunStatus } from '../../model';
import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import type { TrackingService } from '../../tracking/service';
import { SqliteTrackingStore } from '../../tracking/sqliteStore';
import type { MetricInput } from '../../tracking/store';
import { checkDuplicateParams, LIMITS } from '../../tracking/validation';

/** Tags Sextant sets on the tracking runs of pipelines. */
export const PIPELINE_TAGS = {
  parent: 'mlflow.parentRunId',
  pipeline: 'sextant.pipeline',
  pipelineRunId: 'sextant.pipelineRunId',
  step: 'sextant.step',
  cached: 'sextant.cached',
  cacheKey: 'sextant.cacheKey',
  cachedFrom: 'sextant.cachedFrom',
  failureReason: 'sextant.failureReason',
} as const;

let user: string | undefined;
/** The user runs are recorded for (read once: `os.userInfo()` reads the password database). */
const userName = (): string => (user ??= os.userInfo().username);

/** The experiment pipeline runs of `pipeline` are recorded in. */
export const experimentNameOf = (pipeline: string): string => `pipeline/${pipeline}`;

const MAX_TAG_VALUE = 5_000;

/** The artifact-store path of a run's artifact root. */
export const artifactRootOf = (artifactUri: string): string =>
  artifactUri.replace(/^mlflow-artifacts:\//, '');

/** Records pipeline and step executions as tracking runs: parents, children, logs, metrics. */
export class StepTracking {
  /** Artifact roots of the runs this process started, so storing a log needs no run lookup. */
  private readonly roots = new Map<string, string>();
  /** Milliseconds spent in tracking calls, summed (steps overlap, so it can exceed wall time). */
  recordMs = 0;

  constructor(
    private readonly tracking: TrackingService,
    private readonly artifacts: LocalArtifactStore,
  ) {}

  private async experimentId(pipeline: string): Promise<string> {
    const name = experimentNameOf(pipeline);
    const found = await this.tracking.getExperimentByName(name);
    if (found) return found.experimentId;
    try {
      return await this.tracking.createExperiment(name);
    } catch (error) {
      const raced = await this.tracking.getExperimentByName(name);
      if (raced) return raced.experimentId;
      throw error;
    }
  }

  /** The parent run of one pipeline run. */
  async startParent(
    pipeline: ResolvedPipeline,
    pipelineRunId: string,
  ): Promise<{ runId: string; experimentId: string }> {
    const experimentId = await this.experimentId(pipeline.name);
    const run = await this.tracking.createRun({
      experimentId,
      userId: userName(),
      runName: pipeline.name,
      tags: [
        { key: 'mlflow.source.name', value: pipeline.file.slice(-500) },
        { key: 'mlflow.source.type', value: 'PROJECT' },
        { key: 'mlflow.user', value: userName() },
        { key: PIPELINE_TAGS.pipeline, value: pipeline.name },
        { key: PIPELINE_TAGS.pipelineRunId, value: pipelineRunId },
      ],
    });
    return { runId: run.info.runId, experimentId };
  }

  /** A child run for one step execution, with its params. */
  async startStep(input: StepRunInput): Promise<string> {
    const { step } = input;
    const began = performance.now();
    const run = await this.tracking.createRun({
      experimentId: input.parent.experimentId,
      userId: userName(),
      runName: step.name,
      tags: stepTags(input),
    });
    const runId = run.info.runId;
    this.roots.set(runId, artifactRootOf(run.info.artifactUri));
    const params = paramsOf(step);
    for (let i = 0; i < params.length; i += LIMITS.paramsPerBatch) {
      await this.tracking.logBatch(runId, [], params.slice(i, i + LIMITS.paramsPerBatch), []);
    }
    this.recordMs += performance.now() - began;
    return runId;
  }

  /**
   * Records cached steps as ended child runs with their tags, params and metrics, synchronously
   * (so the caller may wrap it in one transaction with other writes); the run ids come back in
   * order. Call {@link announceCached} once the writes are committed.
   */
  recordCached(steps: CachedStepRun[]): RunInfo[] {
    const store = this.tracking.store;
    if (!(store instanceof SqliteTrackingStore)) {
      throw new Error(
        'pipeline runs need the SQLite tracking store they share their database with',
      );
    }
    const infos = store.recordEndedRuns(
      steps.map((s) => {
        const metrics = metricPoints(s.metrics, s.endTime);
        return {
          experimentId: s.parent.experimentId,
          userId: userName(),
          runName: s.step.name,
          startTime: s.startTime,
          endTime: s.endTime,
          status: s.problem ? 'FAILED' : 'FINISHED',
          tags: [
            ...stepTags(s),
            ...(s.problem
              ? [{ key: PIPELINE_TAGS.failureReason, value: s.problem.slice(0, MAX_TAG_VALUE) }]
              : []),
          ],
          params: checkDuplicateParams(paramsOf(s.step)),
          metrics,
        };
      }),
    );
    for (const info of infos) this.roots.set(info.runId, artifactRootOf(info.artifactUri));
    return infos;
  }

  /** Emits the tracking events of runs written by {@link recordCached}, as the service would. */
  announceCached(infos: RunInfo[], steps: CachedStepRun[]): void {
    infos.forEach((info, i) => {
      const keys = Object.keys(steps[i]?.metrics ?? {}).map(safeKey);
      if (keys.length > 0)
        this.tracking.events.emit('metricsAppended', {
          runId: info.runId,
          keys: [...new Set(keys)],
        });
      this.tracking.events.emit('runChanged', {
        runId: info.runId,
        experimentId: info.experimentId,
      });
    });
  }

  /** Forgets the artifact root of a run recorded by {@link recordCached} once its files are in. */
  forget(runId: string): void {
    this.roots.delete(runId);
  }

  /** The artifact-store root of a run: remembered for runs started here, else looked up. */
  private async rootOf(runId: string): Promise<string> {
    const known = this.roots.get(runId);
    if (known !== undefined) return known;
    return artifactRootOf((await this.tracking.getRun(runId)).info.artifactUri);
  }

  /** Logs metrics (step 0, now) read from a step's metrics files. */
  async logMetrics(runId: string, metrics: Record<string, number>): Promise<void> {
    const points = metricPoints(metrics, Date.now());
    for (let i = 0; i < points.length; i += LIMITS.metricsPerBatch) {
      await this.tracking.logBatch(runId, points.slice(i, i + LIMITS.metricsPerBatch), [], []);
    }
  }

  /** Stores a local file as an artifact of a run at `artifactPath`. */
  async storeFile(runId: string, artifactPath: string, file: string): Promise<void> {
    const root = await this.rootOf(runId);
    await this.artifacts.write(`${root}/${artifactPath}`, await fs.readFile(file));
  }

  /** Copies artifacts of one run to another (a cached step's logs); a missing one is skipped. */
  async copyArtifacts(from: string, to: string, artifactPaths: string[]): Promise<void> {
    let source: string;
    try {
      source = await this.rootOf(from);
    } catch {
      return;
    }
    const target = await this.rootOf(to);
    for (const artifactPath of artifactPaths) {
      const text = await this.readAt(`${source}/${artifactPath}`);
      if (text?.length) await this.artifacts.write(`${target}/${artifactPath}`, text);
    }
  }

  /** Stores a local file or folder (each file in it) under `artifactPath`. */
  async storePath(runId: string, artifactPath: string, absolute: string): Promise<void> {
    const stat = await fs.stat(absolute);
    if (!stat.isDirectory()) return this.storeFile(runId, artifactPath, absolute);
    for (const name of (await fs.readdir(absolute)).sort()) {
      await this.storePath(runId, `${artifactPath}/${name}`, path.join(absolute, name));
    }
  }

  /** Stores text as an artifact of a run. */
  async storeText(runId: string, artifactPath: string, text: string | Buffer): Promise<void> {
    const root = await this.rootOf(runId);
    await this.artifacts.write(`${root}/${artifactPath}`, Buffer.from(text));
  }

  /** Reads an artifact of a run; undefined when it is not there. */
  async readText(runId: string, artifactPath: string): Promise<Buffer | undefined> {
    try {
      return await this.readAt(`${await this.rootOf(runId)}/${artifactPath}`);
    } catch {
      return undefined;
    }
  }

  private async readAt(storePath: string): Promise<Buffer | undefined> {
    try {
      if (!(await this.artifacts.exists(storePath))) return undefined;
      const read = await this.artifacts.read(storePath);
      const chunks: Buffer[] = [];
      for await (const chunk of read.stream as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks);
    } catch {
      return undefined;
    }
  }

  /** Ends a run, noting why when it did not finish. */
  async end(runId: string, status: RunStatus, reason?: string): Promise<void> {
    const began = performance.now();
    this.roots.delete(runId);
    if (reason) {
      await this.tracking.setTag(runId, {
        key: PIPELINE_TAGS.failureReason,
        value: reason.slice(0, MAX_TAG_VALUE),
      });
    }
    await this.tracking.updateRun(runId, { status, endTime: Date.now() });
    this.recordMs += performance.now() - began;
  }

  /** Ends a run that is still RUNNING as FAILED (orphan recovery); false when it had ended. */
  async failIfRunning(runId: string, reason: string): Promise<boolean> {
    try {
      const run = await this.tracking.getRun(runId);
      if (run.info.status !== 'RUNNING') return false;
      await this.end(runId, 'FAILED', reason);
      return true;
    } catch {
      return false;
    }
  }

  /** Tracking runs still RUNNING that belong to a pipeline run. */
  async runningRunsOf(experimentPipeline: string, pipelineRunId: string): Promise<string[]> {
    const experiment = await this.tracking.getExperimentByName(
      experimentNameOf(experimentPipeline),
    );
    if (!experiment) return [];
    const page = await this.tracking.searchRuns({
      experimentIds: [experiment.experimentId],
      filter: `tags."${PIPELINE_TAGS.pipelineRunId}" = '${pipelineRunId.replace(/'/g, '')}' and attributes.status = 'RUNNING'`,
      maxResults: 1000,
    });
    return page.items.map((r) => r.info.runId);
  }
}

/** What a step's child run is created from. */
export interface StepRunInput {
  pipeline: ResolvedPipeline;
  pipelineRunId: string;
  parent: { runId: string; experimentId: string };
  step: ResolvedStep;
  cacheKey: string;
  cachedFrom?: string;
}

/** A cached step's child run, recorded ended in bulk by {@link StepTracking.recordCached}. */
export interface CachedStepRun extends StepRunInput {
  startTime: number;
  endTime: number;
  /** Metrics read from the step's metrics files (none when `problem` is set). */
  metrics: Record<string, number>;
  /** Why the run failed (a metrics file could not be read); the run then ends FAILED. */
  problem?: string;
}

function stepTags(input: StepRunInput): KeyValue[] {
  const { step } = input;
  return [
    { key: PIPELINE_TAGS.parent, value: input.parent.runId },
    { key: PIPELINE_TAGS.pipeline, value: input.pipeline.name },
    { key: PIPELINE_TAGS.pipelineRunId, value: input.pipelineRunId },
    { key: PIPELINE_TAGS.step, value: step.name },
    { key: PIPELINE_TAGS.cached, value: input.cachedFrom !== undefined ? 'true' : 'false' },
    { key: PIPELINE_TAGS.cacheKey, value: input.cacheKey },
    { key: 'mlflow.source.name', value: step.run.slice(0, 500) },
    { key: 'mlflow.source.type', value: 'PROJECT' },
    { key: 'mlflow.user', value: userName() },
    { key: 'sextant.command', value: step.run.slice(0, MAX_TAG_VALUE) },
    ...(input.cachedFrom ? [{ key: PIPELINE_TAGS.cachedFrom, value: input.cachedFrom }] : []),
  ];
}

function metricPoints(metrics: Record<string, number>, timestamp: number): MetricInput[] {
  return Object.entries(metrics).map(([key, value]) => ({
    key: safeKey(key),
    value,
    timestamp,
    step: 0,
  }));
}

function paramsOf(step: ResolvedStep): KeyValue[] {
  const seen = new Map<string, number>();
  for (const p of step.params) seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
  return step.params.map((p) => ({
    key: safeKey((seen.get(p.key) ?? 0) > 1 ? `${p.file}:${p.key}` : p.key),
    value: (typeof p.value === 'string' ? p.value : JSON.stringify(p.value)).slice(
      0,
      LIMITS.paramValueLength,
    ),
  }));
}

/** A metric or param name MLflow accepts: other characters become `_`, `..` is broken up. */
export function safeKey(key: string): string {
  const cleaned = key
    .replace(/[^\w\-./ :]/gu, '_')
    .replace(/\.\.+/g, '_')
    .replace(/^\/+/, '');
  return (cleaned || '_').slice(0, LIMITS.keyLength);
}
