/**
 * The host side of the run view, in both IDEs: answers `ready` with the run, its top-level
 * artifacts and every series; follows the run live; answers artifact listings and previews
 * (images as base64 up to 8 MiB, text files' first 256 KiB); hands downloads, run opening and CSV
 * saving to the IDE; sets and deletes the run's tags (its note included) for the view.
 */
import {
  ArtifactsListRequest,
  ArtifactsReadRequest,
  MetricsHistoryRequest,
  RegistryRunModelsRequest,
  RunsDeleteTagRequest,
  RunsGetRequest,
  RunsSetTagRequest,
  type Run,
} from '@sextant/language-server/protocol';
import { IMAGE_PREVIEW_BYTES, TEXT_PREVIEW_BYTES, previewKind } from '../artifacts';
import { errorMessage, type SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { LiveRunsPresenter, type RunsViewHost } from './runs';

/** What the run view asks of its IDE adapter. */
export interface RunViewHost extends RunsViewHost {
  /** Saves an artifact of the run where the user picks. */
  downloadArtifact(runId: string, path: string): void;
  /** A snapshot went to the view (the adapter may name its panel after the run). */
  shown?(run: Run): void;
  /** Registers a model of the run through the IDE's Register Model command. */
  registerModel?(runId: string, source: string): void;
}

/** The run of a run view restored after a reload, from the state the view saved. */
export function restoredRun(state: unknown): string | undefined {
  const saved = (state ?? {}) as { runId?: unknown };
  return typeof saved.runId === 'string' ? saved.runId : undefined;
}

/** Drives one run view. */
export class RunPresenter extends LiveRunsPresenter {
  /** An artifact to preview once the view has its first snapshot. */
  private pendingReveal: string | undefined;

  constructor(
    readonly runId: string,
    client: SextantClient,
    protected override readonly host: RunViewHost,
  ) {
    super(client, host);
  }

  get runIds(): string[] {
    return [this.runId];
  }

  /** Asks the view to preview one of the run's artifacts (once it is ready). */
  reveal(path: string): void {
    if (this.ready) this.post({ type: MessageType.RevealArtifact, path });
    else this.pendingReveal = path;
  }

  protected async handleRuns(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.ReadArtifact:
        await this.readArtifact(String(message.path));
        return true;
      case MessageType.ListArtifacts:
        await this.listArtifacts(String(message.path));
        return true;
      case MessageType.DownloadArtifact:
        this.host.downloadArtifact(this.runId, String(message.path));
        return true;
      case MessageType.RegisterModel:
        this.host.registerModel?.(this.runId, String(message.source));
        return true;
      case MessageType.SetRunTag:
        await this.edit(message.key, () =>
          this.client.request(RunsSetTagRequest, {
            runId: this.runId,
            key: message.key,
            value: message.value,
          }),
        );
        return true;
      case MessageType.DeleteRunTag:
        await this.edit(message.key, () =>
          this.client.request(RunsDeleteTagRequest, { runId: this.runId, key: message.key }),
        );
        return true;
      default:
        return false;
    }
  }

  /** Makes one edit of the run, then shows the run as it is; a failure goes to the view. */
  private async edit(key: string, change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
    } catch (error) {
      this.post({ type: MessageType.RunEditFailed, key, error: errorMessage(error) });
      return;
    }
    await this.snapshot.request();
  }

  private async readArtifact(path: string): Promise<void> {
    const kind = previewKind(path);
    try {
      if (kind === 'none') throw new Error(`${path} has no preview: download it to open it.`);
      const result = await this.client.request(ArtifactsReadRequest, {
        runId: this.runId,
        path,
        ...(kind === 'image'
          ? { encoding: 'base64' as const, maxBytes: IMAGE_PREVIEW_BYTES }
          : { maxBytes: TEXT_PREVIEW_BYTES }),
      });
      this.post({ type: MessageType.ArtifactContent, path, result });
    } catch (error) {
      this.post({ type: MessageType.ArtifactContent, path, error: errorMessage(error) });
    }
  }

  private async listArtifacts(path: string): Promise<void> {
    try {
      const { files } = await this.client.request(ArtifactsListRequest, {
        runId: this.runId,
        path,
      });
      this.post({ type: MessageType.ArtifactListing, path, files });
    } catch (error) {
      this.post({ type: MessageType.ArtifactListing, path, files: [], error: errorMessage(error) });
    }
  }

  /** Sends the run's logged models; a failure to list them shows in the view, not as an error. */
  private async pushModels(): Promise<void> {
    try {
      const { models } = await this.client.request(RegistryRunModelsRequest, {
        runId: this.runId,
      });
      this.post({ type: MessageType.RunModels, models });
    } catch (error) {
      this.post({ type: MessageType.RunModels, models: [], error: errorMessage(error) });
    }
  }

  protected async pushSnapshot(): Promise<void> {
    const runId = this.runId;
    const [run, artifacts, history] = await Promise.all([
      this.client.request(RunsGetRequest, { runId }),
      this.client.request(ArtifactsListRequest, { runId }),
      this.client.request(MetricsHistoryRequest, { runIds: [runId], budget: this.budget }),
    ]);
    this.post({
      type: MessageType.RunSnapshot,
      run,
      artifacts: artifacts.files,
      series: history.series,
    });
    void this.pushModels();
    if (this.pendingReveal !== undefined) {
      this.post({ type: MessageType.RevealArtifact, path: this.pendingReveal });
      this.pendingReveal = undefined;
    }
    this.host.shown?.(run);
  }
}
