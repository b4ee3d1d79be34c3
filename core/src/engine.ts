import path from 'node:path';
import { LocalArtifactStore } from './artifacts';
import { EvaluationService } from './evaluation';
import { FeedbackStore } from './feedback';
import { LineageService } from './lineage';
import { ExperimentEvents } from './onlineExperiments';
import { PipelineService } from './pipelines';
import { RegistryService, SqliteRegistryStore } from './registry';
import { DeploymentRecords, InferenceLog } from './serving';
import { openDatabase } from './store';
import { SqliteTrackingStore, TrackingService } from './tracking';
import { SqliteWebhookStore, WebhookService, webhookSettingsFromEnv } from './webhooks';

/** How long closing waits for webhook deliveries still in flight. */
const WEBHOOK_CLOSE_WAIT_MS = 10_000;

export interface EngineOptions {
  /** The store directory (default for a workspace: `<workspace>/.sextant`). */
  storeDir: string;
  /** Create the store if it does not exist (default true). */
  create?: boolean;
  /** Largest single artifact accepted, in bytes. */
  maxArtifactBytes?: number;
}

/**
 * One Sextant engine over one store directory: experiment tracking, the artifact store,
 * pipelines (run on the compute backends), lineage and the model registry, all over one SQLite store with the
 * artifacts beside it. This is where the capabilities are composed; the HTTP server, the CLI
 * and the language server all drive it.
 */
export class Engine {
  private constructor(
    readonly storeDir: string,
    /** Experiments, runs, metrics, logged models and notebook cells (MLflow's model). */
    readonly tracking: TrackingService,
    /** Artifact files of runs and steps, on local disk (MLflow's artifact repository). */
    readonly artifacts: LocalArtifactStore,
    /** Pipelines: plan, run (cached, in parallel), cancel, step states, runs and step logs. */
    readonly pipelines: PipelineService,
    /** Lineage between artifact versions and step executions; OpenLineage export. */
    readonly lineage: LineageService,
    /** The model registry: registered models, versions, aliases, stages, deploy facts, history. */
    readonly registry: RegistryService,
    /** Models scored on eval datasets in a Python worker, recorded as evaluation runs; gates. */
    readonly evaluation: EvaluationService,
    /** Served requests (sampled), written in batches to the store: what monitoring reads. */
    readonly inferenceLog: InferenceLog,
    /** Deployments and every change to them: what served a deployment at a given time. */
    readonly deployments: DeploymentRecords,
    /** MLflow's registry webhooks: registry changes delivered to HTTP receivers, signed. */
    readonly webhooks: WebhookService,
    /** Outcomes of served predictions, joined to logged requests by request id. */
    readonly feedback: FeedbackStore,
    /** Online experiments over time: bandit allocations, decisions and their evidence. */
    readonly experimentEvents: ExperimentEvents,
  ) {
    webhooks.attach(registry);
    this.recovered = pipelines.recoverOrphans().catch((error: unknown) => {
      process.stderr.write(`sextant: recovering orphaned pipeline runs failed: ${String(error)}\n`);
      return [];
    });
  }

  /** Pipeline runs that a killed Sextant had left running, marked failed when this engine opened. */
  readonly recovered: Promise<string[]>;

  static open(options: EngineOptions): Engine {
    const storeDir = path.resolve(options.storeDir);
    const db = openDatabase(storeDir, { create: options.create ?? true });
    const tracking = new TrackingService(new SqliteTrackingStore(db));
    const artifacts = new LocalArtifactStore(path.join(storeDir, 'artifacts'), {
      ...(options.maxArtifactBytes ? { maxFileBytes: options.maxArtifactBytes } : {}),
    });
    const pipelines = new PipelineService({ storeDir, db, tracking, artifacts });
    const lineage = new LineageService(pipelines.lineage, pipelines.runs);
    const registry = new RegistryService(new SqliteRegistryStore(db), tracking, artifacts);
    const evaluation = new EvaluationService({
      tracking,
      registry,
      artifacts,
      environmentsDir: path.join(storeDir, 'envs'),
    });
    return new Engine(
      storeDir,
      tracking,
      artifacts,
      pipelines,
      lineage,
      registry,
      evaluation,
      new InferenceLog(db),
      new DeploymentRecords(db),
      new WebhookService(new SqliteWebhookStore(db), webhookSettingsFromEnv()),
      new FeedbackStore(db),
      new ExperimentEvents(db),
    );
  }

  /**
   * Writes what the engine holds back (the pipeline runner's journal of step records), so that
   * a read that follows sees it. The HTTP server and the language server call this before each
   * request.
   */
  settle(): void {
    this.pipelines.flush();
  }

  async close(): Promise<void> {
    await this.recovered;
    await this.webhooks.close(WEBHOOK_CLOSE_WAIT_MS);
    this.inferenceLog.flush();
    await this.pipelines.close();
    this.pipelines.flush();
    await this.tracking.store.close();
  }
}
