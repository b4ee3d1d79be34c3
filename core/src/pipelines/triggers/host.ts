import path from 'node:path';
import type { ResolvedPipeline } from '../../model/pipeline';
import type { LoadedPipelineFile, PipelineRunner } from '../api';
import { isPipelineFileName } from '../spec';
import { watchFiles, type FileWatch } from './files';
import { TriggerService } from './service';

/** What the host needs from the pipeline service (the engine's `pipelines`). */
export interface PipelineSource extends PipelineRunner {
  findFiles(root: string): Promise<string[]>;
  loadFile(file: string): Promise<LoadedPipelineFile>;
}

/** Options of {@link PipelineHost}. */
export interface PipelineHostOptions {
  /** Absolute workspace root searched for pipeline files. */
  root: string;
  /** Absolute folders whose changes never trigger a run (the store). */
  ignore: string[];
  /** Milliseconds to wait after a pipeline file changes before reloading (default 300). */
  reloadDelayMs?: number;
  onError?(message: string): void;
}

/**
 * Keeps a workspace's pipelines loaded and their triggers armed in a long-lived process (the
 * language server, `sextant pipeline watch`): loads every pipeline file, starts the
 * {@link TriggerService}, and reloads both when a pipeline file is added, changed or removed.
 * The webhook route reads {@link pipelines} to find what it may start.
 */
export class PipelineHost {
  private loaded: ResolvedPipeline[] = [];
  private triggers: TriggerService | undefined;
  private watcher: FileWatch | undefined;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: PipelineSource,
    private readonly options: PipelineHostOptions,
  ) {}

  /** The pipelines loaded now (those without errors). */
  pipelines(): ResolvedPipeline[] {
    return this.loaded;
  }

  async start(): Promise<void> {
    await this.load();
    this.triggers = new TriggerService(this.source, this.loaded, {
      ignore: this.options.ignore,
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
    await this.triggers.start();
    this.watcher = await watchFiles({
      root: this.options.root,
      paths: ['.'],
      ignore: this.options.ignore,
      debounceMs: this.options.reloadDelayMs ?? 300,
      onChange: (files) => {
        if (files.some((file) => isPipelineFileName(path.basename(file)))) {
          this.reload().catch((error: unknown) =>
            this.report(`reloading pipelines: ${String(error)}`),
          );
        }
      },
      onError: (error) => this.report(`watching pipeline files: ${error.message}`),
    });
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
    await this.watcher?.close();
    await this.reloading.catch(() => undefined);
    await this.triggers?.stop();
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
