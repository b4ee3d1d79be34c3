import type { KeyValue, RunStatus } from '../../model';
import type { StepRun } from '../../model/pipeline';
import type { LineageStore, StoredEdge } from '../../lineage';
import type { UnitOfWork } from '../../store';
import type { MetricInput, RecordedRunInput, RunUpdate, TrackingBatchWriter } from '../../tracking';
import type { PipelineRunStore } from './runStore';

/** How long a write waits in the journal before it is committed, in ms. */
export const JOURNAL_DELAY_MS = 100;

/** What the journal writes to: each commit is one transaction of `unit`, which all of them join. */
export interface JournalTargets {
  unit: UnitOfWork;
  /** Tracking's batch port in `unit`: it announces the runs it wrote after each commit. */
  tracking: TrackingBatchWriter;
  runs: PipelineRunStore;
  lineage: LineageStore;
}

/** A tracking run the journal will insert (whole: it may have ended before it is written). */
export type PendingStepRun = RecordedRunInput & { runId: string };

/** One unit of a failed commit, retried on its own so that one bad record fails only itself. */
type Unit =
  | { kind: 'run'; run: PendingStepRun }
  | { kind: 'update'; update: RunUpdate }
  | { kind: 'step'; record: StepRun; pipelineRunId: string }
  | { kind: 'edges'; edges: StoredEdge[] };

/**
 * Holds back the records of step executions (their tracking runs, step states and lineage
 * edges) and commits them together, {@link JOURNAL_DELAY_MS} after the first one, in one
 * IMMEDIATE transaction. A step that starts and ends within that time is written once, ended.
 * Each SQLite commit rewrites every page it touched, so committing per step made recording cost
 * more than running a trivial step.
 *
 * Readers in this process call {@link flush} first (the engine's `settle`: the HTTP server
 * before each request, so a step's own `mlflow` client finds its run, and the language server
 * before each request); other processes see the records at most the delay later. A crash loses
 * at most the delay's worth of records, and orphan recovery marks the run failed.
 */
export class StepJournal {
  private runs = new Map<string, PendingStepRun>();
  private updates = new Map<string, RunUpdate>();
  private steps = new Map<StepRun, string>();
  private edges: StoredEdge[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Milliseconds spent committing, summed. */
  commitMs = 0;

  constructor(
    private readonly targets: JournalTargets,
    private readonly delayMs = JOURNAL_DELAY_MS,
  ) {}

  /** Whether nothing waits to be written. */
  get empty(): boolean {
    return (
      this.runs.size === 0 &&
      this.updates.size === 0 &&
      this.steps.size === 0 &&
      this.edges.length === 0
    );
  }

  /** Queues a new tracking run (running, or already ended). */
  insertRun(run: PendingStepRun): void {
    this.runs.set(run.runId, run);
    this.schedule();
  }

  /** Queues a change to a tracking run: into its insert when that still waits. */
  updateRun(
    runId: string,
    change: {
      status?: RunStatus;
      startTime?: number;
      endTime?: number;
      tags?: KeyValue[];
      metrics?: MetricInput[];
    },
  ): void {
    const pending = this.runs.get(runId);
    if (pending) {
      if (change.status !== undefined) pending.status = change.status;
      if (change.startTime !== undefined) pending.startTime = change.startTime;
      if (change.endTime !== undefined) pending.endTime = change.endTime;
      pending.tags.push(...(change.tags ?? []));
      pending.metrics.push(...(change.metrics ?? []));
    } else {
      const update = this.updates.get(runId) ?? { runId, tags: [], metrics: [] };
      if (change.status !== undefined) update.status = change.status;
      if (change.startTime !== undefined) update.startTime = change.startTime;
      if (change.endTime !== undefined) update.endTime = change.endTime;
      update.tags.push(...(change.tags ?? []));
      update.metrics.push(...(change.metrics ?? []));
      this.updates.set(runId, update);
    }
    this.schedule();
  }

  /** Queues saving a step record (its latest state when the commit comes). */
  saveStep(record: StepRun, pipelineRunId: string): void {
    this.steps.set(record, pipelineRunId);
    this.schedule();
  }

  /** Queues lineage edges. */
  recordEdges(edges: StoredEdge[]): void {
    if (edges.length === 0) return;
    this.edges.push(...edges);
    this.schedule();
  }

  /**
   * Commits everything queued, in one transaction (tracking announces the runs it wrote).
   * When the commit fails, each record is tried alone, and the ones that still fail are reported
   * on stderr and dropped (a missing experiment, a deleted run: retrying cannot help).
   */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.empty) return;
    const units: Unit[] = [
      ...[...this.runs.values()].map((run): Unit => ({ kind: 'run', run })),
      ...[...this.updates.values()].map((update): Unit => ({ kind: 'update', update })),
      ...[...this.steps].map(([record, pipelineRunId]): Unit => ({
        kind: 'step',
        record,
        pipelineRunId,
      })),
      ...(this.edges.length > 0 ? [{ kind: 'edges', edges: this.edges } as Unit] : []),
    ];
    this.runs = new Map();
    this.updates = new Map();
    this.steps = new Map();
    this.edges = [];
    const began = performance.now();
    try {
      this.commit(units);
    } catch {
      for (const unit of units) {
        try {
          this.commit([unit]);
        } catch (error) {
          process.stderr.write(
            `sextant: recording ${describe(unit)} failed: ${(error as Error).message}\n`,
          );
        }
      }
    }
    this.commitMs += performance.now() - began;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  private commit(units: Unit[]): void {
    const { unit: work, tracking, runs, lineage } = this.targets;
    work.write((tx) => {
      tracking.insertRuns(
        tx,
        units.flatMap((u) => (u.kind === 'run' ? [u.run] : [])),
      );
      tracking.updateRuns(
        tx,
        units.flatMap((u) => (u.kind === 'update' ? [u.update] : [])),
      );
      for (const unit of units) {
        if (unit.kind === 'step') runs.updateStep(unit.pipelineRunId, unit.record);
        else if (unit.kind === 'edges') lineage.record(unit.edges);
      }
    });
  }
}

function describe(unit: Unit): string {
  switch (unit.kind) {
    case 'run':
      return `tracking run ${unit.run.runId} (step ${unit.run.runName})`;
    case 'update':
      return `the end of tracking run ${unit.update.runId}`;
    case 'step':
      return `step '${unit.record.step}' of pipeline run ${unit.pipelineRunId}`;
    case 'edges':
      return `${unit.edges.length} lineage edges`;
  }
}
