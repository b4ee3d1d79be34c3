import type Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import type { LocalArtifactStore } from '../../artifacts';
import { LineageStore, type StoredEdge } from '../../lineage';
import { SextantError } from '../../model/errors';
import type {
  PipelineEvent,
  PipelineRun,
  PipelineRunStatus,
  ResolvedPipeline,
  ResolvedStep,
  StepRun,
} from '../../model/pipeline';
import { SqliteUnitOfWork } from '../../store';
import type { TrackingService } from '../../tracking';
import type { CacheEntry, ContentCache } from './cache';
import type { ManifestEntry, PathHash } from './fileHash';
import { StepJournal } from './journal';
import type { ActiveRun } from './runState';
import { PipelineRunStore } from './runStore';
import { StepTracking, type ParentRun } from './tracking';

/** Files of a folder recorded one by one in the lineage graph, besides the folder itself. */
export const LINEAGE_FILES_PER_FOLDER = 1000;

/** What {@link RunRecorder} writes into. */
export interface RecorderOptions {
  db: Database.Database;
  tracking: TrackingService;
  artifacts: LocalArtifactStore;
  /** Where the manifests of cached folders are read, for their files' lineage edges. */
  cache: ContentCache;
}

/**
 * Records what pipeline runs do: pipeline run and step records, each step execution as a child
 * tracking run of the run's parent run, lineage edges, all through the {@link StepJournal}; and
 * tells listeners as it goes ({@link onEvent}).
 */
export class RunRecorder {
  readonly runs: PipelineRunStore;
  readonly lineage: LineageStore;
  /** Step executions as tracking runs, with their logs, metrics and artifacts. */
  readonly stepTracking: StepTracking;
  /** Step records, step tracking runs and lineage edges on their way to the database. */
  private readonly journal: StepJournal;
  private readonly events = new EventEmitter<{ event: [PipelineEvent] }>();
  private readonly db: Database.Database;
  private readonly cache: ContentCache;

  constructor(options: RecorderOptions) {
    this.db = options.db;
    this.cache = options.cache;
    this.runs = new PipelineRunStore(options.db);
    this.lineage = new LineageStore(options.db);
    // The journal writes step runs, step records and edges in one transaction of one unit.
    const unit = new SqliteUnitOfWork(options.db);
    this.journal = new StepJournal({
      unit,
      tracking: options.tracking.batchWriter(unit),
      runs: this.runs,
      lineage: this.lineage,
    });
    this.stepTracking = new StepTracking(options.tracking, options.artifacts, this.journal);
    this.events.setMaxListeners(0);
  }

  /** Milliseconds spent recording step executions as tracking runs, summed over steps. */
  get recordMs(): number {
    return this.stepTracking.recordMs + this.journal.commitMs;
  }

  /** Writes what the journal holds back, so that what is read next includes it. */
  flush(): void {
    this.journal.flush();
  }

  onEvent(listener: (event: PipelineEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** Tells every listener; one that throws is reported and does not stop the others. */
  emit(event: PipelineEvent): void {
    for (const listener of this.events.listeners('event')) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`sextant: a pipeline event listener failed: ${String(error)}\n`);
      }
    }
  }

  /**
   * Records a new run (refused while the pipeline runs already) and its parent tracking run;
   * when that cannot be recorded, the run ends failed, its steps skipped, and the error is thrown.
   */
  async startRun(pipeline: ResolvedPipeline, run: PipelineRun): Promise<ParentRun> {
    const busy = this.runs.insertUnlessRunning(run);
    if (busy) {
      throw new SextantError(
        'INVALID_STATE',
        `pipeline '${pipeline.name}' is already running (run ${busy.pipelineRunId}); wait for it or cancel it`,
      );
    }
    let parent: ParentRun;
    try {
      parent = await this.stepTracking.startParent(pipeline, run.pipelineRunId);
    } catch (error) {
      Object.assign(run, { status: 'failed', endTime: Date.now() });
      this.db.transaction(() => {
        for (const step of run.steps) {
          Object.assign(step, {
            status: 'skipped',
            reason: 'the pipeline run could not be recorded',
          });
          this.runs.updateStep(run.pipelineRunId, step);
        }
        this.runs.updateRun(run);
      })();
      throw error;
    }
    run.runId = parent.runId;
    this.runs.updateRun(run);
    return parent;
  }

  /** Records a run's end: its status, its parent tracking run ended, everything held written. */
  endRun(active: ActiveRun, status: PipelineRunStatus): void {
    const { run } = active;
    run.status = status;
    run.endTime = Date.now();
    this.stepTracking.end(
      active.parent.runId,
      status === 'done' ? 'FINISHED' : status === 'cancelled' ? 'KILLED' : 'FAILED',
    );
    this.journal.flush();
    this.runs.updateRun(run);
  }

  /** Changes a step's record, keeps it for the store and tells listeners. */
  setStep(active: ActiveRun, record: StepRun, change: Partial<StepRun>): void {
    Object.assign(record, change);
    this.journal.saveStep(record, active.run.pipelineRunId);
    this.emit({
      type: 'step-status',
      pipelineRunId: active.run.pipelineRunId,
      step: { ...record },
    });
  }

  /**
   * Records what an execution consumed and produced. A folder counts as itself and as each file
   * in it (up to {@link LINEAGE_FILES_PER_FOLDER}), so a step that reads `data/train.csv` links to
   * the step that wrote the folder `data`.
   */
  async recordLineage(
    active: ActiveRun,
    step: ResolvedStep,
    deps: Map<string, PathHash>,
    entry: CacheEntry,
    cached: boolean,
  ): Promise<void> {
    this.journal.recordEdges(await this.lineageEdges(active, step, deps, entry, cached));
  }

  /** Records edges made before (see {@link lineageEdges}). */
  recordEdges(edges: StoredEdge[]): void {
    this.journal.recordEdges(edges);
  }

  /** The lineage edges of one execution (see {@link recordLineage}). */
  async lineageEdges(
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
}
