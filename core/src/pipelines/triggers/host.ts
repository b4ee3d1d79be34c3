import path from 'node:path';
import type { ResolvedPipeline } from '../../model/pipeline';
import type { LoadedPipelineFile, PipelineRunner } from '../api';
import { isPipelineFileName } from '../definition';
import { watchFiles, type FileWatch } from './files';
import type { TriggerLease } from './lease';
import { TriggerService } from './service';

/** What the host needs from the pipeline service (the engine's `pipelines`). */
export interface PipelineSource extends PipelineRunner {
  findFiles(root: string): Promise<string[]>;
  loadFile(file: string): Promise<LoadedPipelineFile>;
  /**
   * The lease that decides which process arms the triggers of the workspace at `root`; without
   * one, this host always arms them.
   */
  triggerLease?(root: string): TriggerLease;
  /**
   * Forgets what the store keeps for files that are gone (file hashes, pipeline file loads); a
   * long-lived host calls it when it starts.
   */
  prune?(): Promise<number>;
}

/** Options of {@link PipelineHost}. */
export interface PipelineHostOptions {
  /** Absolute workspace root searched for pipeline files. */
  root: string;
  /** Absolute folders whose changes never trigger a run (the store). */
  ignore: string[];
  /** Milliseconds to wait after a pipeline file changes before reloading (default 300). */
  reloadDelayMs?: number;
  /** The trigger lease to use instead of the source's (a shorter one in tests). */
  lease?: TriggerLease;
  onError?(message: string): void;
  /**
   * Files of the workspace that changed (absolute paths, debounced, the ignored folders left
   * out): what may have made steps stale, for views that show step states.
   */
  onFilesChanged?(files: string[]): void;
}

/**
 * Keeps a workspace's pipelines loaded and their triggers armed in a long-lived process (the
 * language server, `sextant pipeline watch`): loads every pipeline file, starts the
 * {@link TriggerService}, and reloads both when a pipeline file is added, changed or removed.
 * The webhook route reads {@link pipelines} to find what it may start.
 *
 * Of the processes that host the same workspace over one store, only the holder of its
 * {@link TriggerLease} arms the triggers; the others stand by, and one of them takes over when
 * the holder stops or dies.
 */
export class PipelineHost {
  private loaded: ResolvedPipeline[] = [];
  private triggers: TriggerService | undefined;
  private watcher: FileWatch | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private lease: TriggerLease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  /** Serializes arming and disarming as the lease is won and lost. */
  private turning: Promise<void> = Promise.resolve();
  private standbyReported = false;
  private stopped = false;

  constructor(
    private readonly source: PipelineSource,
    private readonly options: PipelineHostOptions,
  ) {}

  /** The pipelines loaded now (those without errors). */
  pipelines(): ResolvedPipeline[] {
    return this.loaded;
  }

  /** Whether this process has the triggers armed (it holds the lease, or there is none). */
  get armed(): boolean {
    return this.triggers !== undefined;
  }

  async start(): Promise<void> {
    this.source
      .prune?.()
      .catch((error: unknown) => this.report(`pruning the store's memos: ${String(error)}`));
    await this.load();
    this.lease = this.options.lease ?? this.source.triggerLease?.(this.options.root);
    if (this.lease) {
      await this.checkLease();
      this.leaseTimer = setInterval(
        () => void this.checkLease(),
        Math.max(50, Math.floor(this.lease.ttlMs / 3)),
      );
      this.leaseTimer.unref();
    } else {
      await this.arm();
    }
    this.watcher = await watchFiles({
      root: this.options.root,
      paths: ['.'],
      ignore: this.options.ignore,
      debounceMs: this.options.reloadDelayMs ?? 300,
      onChange: (files) => {
        this.options.onFilesChanged?.(files.map((file) => path.resolve(this.options.root, file)));
        if (files.some((file) => isPipelineFileName(path.basename(file)))) {
          this.reload().catch((error: unknown) =>
            this.report(`reloading pipelines: ${String(error)}`),
          );
        }
      },
      onError: (error) => this.report(`watching pipeline files: ${error.message}`),
    });
  }

  /** Renews or takes the lease, and arms or disarms the triggers to match. */
  private checkLease(): Promise<void> {
    this.turning = this.turning.then(async () => {
      const lease = this.lease;
      if (!lease || this.stopped) return;
      let held: boolean;
      try {
        held = lease.acquire();
      } catch (error) {
        this.report(`the trigger lease: ${(error as Error).message}`);
        return;
      }
      if (held && !this.triggers) {
        this.standbyReported = false;
        await this.arm();
      } else if (!held && this.triggers) {
        const triggers = this.triggers;
        this.triggers = undefined;
        await triggers.stop();
      }
      if (!held && !this.standbyReported) {
        this.standbyReported = true;
        const holder = lease.holder();
        this.report(
          `the triggers of ${this.options.root} are armed by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another Sextant'}; this one stands by`,
        );
      }
    });
    return this.turning;
  }

  /** Arms the triggers; {@link armed} once every watcher is ready. */
  private async arm(): Promise<void> {
    const pipelines = this.loaded;
    const triggers = new TriggerService(this.source, pipelines, {
      ignore: this.options.ignore,
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
    await triggers.start();
    // A reload while the watchers started found no triggers to re-arm: catch up.
    if (this.loaded !== pipelines) await triggers.reload(this.loaded);
    this.triggers = triggers;
  }

  /** Reloads the pipeline files and re-arms the triggers now. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      await this.load();
      await this.triggers?.reload(this.loaded);
    });
    return this.reloading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    await this.watcher?.close();
    await this.reloading.catch(() => undefined);
    await this.turning;
    await this.triggers?.stop();
    this.triggers = undefined;
    this.lease?.release();
  }

  private async load(): Promise<void> {
    const files = await this.source.findFiles(this.options.root);
    const loaded = await Promise.all(files.map((file) => this.source.loadFile(file)));
    this.loaded = loaded.flatMap((file) => file.pipelines);
  }

  private report(message: string): void {
    if (this.options.onError) this.options.onError(message);
    else process.stderr.write(`sextant pipelines: ${message}\n`);
  }
}
