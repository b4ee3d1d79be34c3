import fs from 'node:fs/promises';
import os from 'node:os';
import type { LocalArtifactStore } from '../../artifacts';
import type { KeyValue, RunStatus } from '../../model';
import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import {
  checkDuplicateParams,
  LIMITS,
  newRunId,
  runArtifactUri,
  type MetricInput,
  type TrackingService,
} from '../../tracking';
import type { PendingStepRun, StepJournal } from './journal';
import { walkFolder } from '../../compute';
import { PIPELINE_TAGS } from '../../model/pipeline';

let user: string | undefined;
/** The user runs are recorded for (read once: `os.userInfo()` reads the password database). */
const userName = (): string => (user ??= os.userInfo().username);

/** The experiment pipeline runs of `pipeline` are recorded in. */
export const experimentNameOf = (pipeline: string): string => `pipeline/${pipeline}`;

const MAX_TAG_VALUE = 5_000;

/** The artifact-store path of a run's artifact root. */
export const artifactRootOf = (artifactUri: string): string =>
  artifactUri.replace(/^mlflow-artifacts:\//, '');

/** The tracking run of one pipeline run, which its steps' runs are children of. */
export interface ParentRun {
  runId: string;
  experimentId: string;
  /** The experiment's artifact location, under which the step runs keep their artifacts. */
  artifactLocation: string;
}

/**
 * Records pipeline and step executions as tracking runs: parents, children, logs, metrics. The
 * step runs go through the {@link StepJournal}, which writes them in batches; their artifacts
 * (logs) are written at once.
 */
export class StepTracking {
  /** Artifact roots of the runs this process started, so storing a log needs no run lookup. */
  private readonly roots = new Map<string, string>();
  /** Runs of steps that have not started, written when they start or end ({@link beginStep}). */
  private readonly held = new Map<string, PendingStepRun>();
  /** Milliseconds spent in tracking calls, summed (steps overlap, so it can exceed wall time). */
  recordMs = 0;

  constructor(
    private readonly tracking: TrackingService,
    private readonly artifacts: LocalArtifactStore,
    private readonly journal: StepJournal,
  ) {}

  private async experiment(pipeline: string): Promise<{ id: string; artifactLocation: string }> {
    const name = experimentNameOf(pipeline);
    const found = await this.tracking.getExperimentByName(name);
    if (found) return { id: found.experimentId, artifactLocation: found.artifactLocation };
    try {
      await this.tracking.createExperiment(name);
    } catch (error) {
      if (!(await this.tracking.getExperimentByName(name))) throw error;
    }
    const made = await this.tracking.getExperimentByName(name);
    if (!made) throw new Error(`the experiment '${name}' vanished as it was made`);
    return { id: made.experimentId, artifactLocation: made.artifactLocation };
  }

  /** The parent run of one pipeline run. */
  async startParent(pipeline: ResolvedPipeline, pipelineRunId: string): Promise<ParentRun> {
    const { id: experimentId, artifactLocation } = await this.experiment(pipeline.name);
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
    return { runId: run.info.runId, experimentId, artifactLocation };
  }

  /**
   * A child run for one step execution, with its params; answers its id at once. The run is
   * written when the step's process starts ({@link started}) or, for a step that never starts,
   * when it ends: a step waiting for its turn has no tracking run yet, and a short step's run
   * is written once, already ended.
   */
  beginStep(input: StepRunInput): string {
    const runId = newRunId();
    this.held.set(runId, this.pendingRun(runId, input, 'RUNNING', Date.now(), null, []));
    return runId;
  }

  /** A step's process started: its run is written, RUNNING from `startTime`, with `tags`. */
  started(runId: string, startTime: number, tags: KeyValue[] = []): void {
    const run = this.held.get(runId);
    if (!run) {
      this.tag(runId, tags);
      return;
    }
    this.held.delete(runId);
    run.startTime = startTime;
    run.tags.push(...tags);
    this.journal.insertRun(run);
  }

  /** Sets tags on a step's run (a retry's placement), written with the run's next change. */
  tag(runId: string, tags: KeyValue[]): void {
    if (tags.length > 0) this.journal.updateRun(runId, { tags });
  }

  /**
   * A cached step's child run, recorded ended with its tags, params and metrics (a run FAILED
   * when a metrics file could not be read); answers its id at once.
   */
  recordCached(s: CachedStepRun): string {
    return this.queue(s, {
      status: s.problem ? 'FAILED' : 'FINISHED',
      startTime: s.startTime,
      endTime: s.endTime,
      tags: s.problem
        ? [{ key: PIPELINE_TAGS.failureReason, value: s.problem.slice(0, MAX_TAG_VALUE) }]
        : [],
      metrics: metricPoints(s.metrics, s.endTime),
    });
  }

  private queue(
    input: StepRunInput,
    run: {
      status: RunStatus;
      startTime: number;
      endTime: number | null;
      tags: KeyValue[];
      metrics?: MetricInput[];
    },
  ): string {
    const began = performance.now();
    const runId = newRunId();
    const pending = this.pendingRun(runId, input, run.status, run.startTime, run.endTime, run.tags);
    pending.metrics.push(...(run.metrics ?? []));
    this.journal.insertRun(pending);
    this.recordMs += performance.now() - began;
    return runId;
  }

  /** A step's child run as the journal writes it; its artifact root is remembered. */
  private pendingRun(
    runId: string,
    input: StepRunInput,
    status: RunStatus,
    startTime: number,
    endTime: number | null,
    tags: KeyValue[],
  ): PendingStepRun {
    this.roots.set(runId, artifactRootOf(runArtifactUri(input.parent.artifactLocation, runId)));
    return {
      runId,
      experimentId: input.parent.experimentId,
      userId: userName(),
      runName: input.step.name,
      status,
      startTime,
      endTime,
      tags: [...stepTags(input), ...tags],
      params: checkDuplicateParams(paramsOf(input.step)),
      metrics: [],
    };
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
  logMetrics(runId: string, metrics: Record<string, number>): void {
    const points = metricPoints(metrics, Date.now());
    if (points.length > 0) this.journal.updateRun(runId, { metrics: points });
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

  /** Stores a local file or folder (each file in it, as {@link walkFolder} finds them) under `artifactPath`. */
  async storePath(runId: string, artifactPath: string, absolute: string): Promise<void> {
    const stat = await fs.stat(absolute);
    if (!stat.isDirectory()) return this.storeFile(runId, artifactPath, absolute);
    await walkFolder(absolute, (file) =>
      this.storeFile(runId, `${artifactPath}/${file.relative}`, file.absolute),
    );
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
  end(runId: string, status: RunStatus, reason?: string): void {
    const began = performance.now();
    this.roots.delete(runId);
    const now = Date.now();
    const tags = reason
      ? [{ key: PIPELINE_TAGS.failureReason, value: reason.slice(0, MAX_TAG_VALUE) }]
      : [];
    const never = this.held.get(runId);
    if (never) {
      // It never started (cancelled while it waited, or it could not start): written ended.
      this.held.delete(runId);
      this.journal.insertRun({
        ...never,
        status,
        startTime: now,
        endTime: now,
        tags: [...never.tags, ...tags],
      });
    } else {
      this.journal.updateRun(runId, { status, endTime: now, tags });
    }
    this.recordMs += performance.now() - began;
  }

  /** Ends a run that is still RUNNING as FAILED (orphan recovery); false when it had ended. */
  async failIfRunning(runId: string, reason: string): Promise<boolean> {
    try {
      const run = await this.tracking.getRun(runId);
      if (run.info.status !== 'RUNNING') return false;
      this.end(runId, 'FAILED', reason);
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
  parent: ParentRun;
  step: ResolvedStep;
  cacheKey: string;
  cachedFrom?: string;
}

/** A cached step's child run, recorded ended by {@link StepTracking.recordCached}. */
export interface CachedStepRun extends StepRunInput {
  startTime: number;
  endTime: number;
  /** Metrics read from the step's metrics files (none when `problem` is set). */
  metrics: Record<string, number>;
  /** Why the run failed (a metrics file could not be read); the run then ends FAILED. */
  problem?: string;
}

/**
 * The tags of a step's run. Its source is the pipeline file, as for the pipeline's run, and the
 * command is `sextant.command`; the cache key is in the step's record. Each distinct tag value is
 * an entry at its own place in the tag index, a page written per step by every commit, so the
 * tags kept are the ones people search by.
 */
function stepTags(input: StepRunInput): KeyValue[] {
  const { step } = input;
  return [
    { key: PIPELINE_TAGS.parent, value: input.parent.runId },
    { key: PIPELINE_TAGS.pipeline, value: input.pipeline.name },
    { key: PIPELINE_TAGS.pipelineRunId, value: input.pipelineRunId },
    { key: PIPELINE_TAGS.step, value: step.name },
    { key: PIPELINE_TAGS.cached, value: input.cachedFrom !== undefined ? 'true' : 'false' },
    { key: 'mlflow.source.name', value: input.pipeline.file.slice(-500) },
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
