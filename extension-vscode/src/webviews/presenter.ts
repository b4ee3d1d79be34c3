/**
 * The host side of the `media` views, as plain code: answers `ready` with a whole snapshot, and
 * pushes fresh series when a shown run logs points. The VS Code adapter (`panels.ts`) gives it a
 * way to post and the user actions.
 */
import type { MetricsAppendedParams } from '@sextant/language-server/dist/protocol';
import {
  IMAGE_PREVIEW_BYTES,
  TEXT_PREVIEW_BYTES,
  previewKind,
} from '@sextant/media/dist/lib/artifacts';
import { MessageType, type HostMessage, type ViewMessage } from '@sextant/media/dist/lib/contract';
import { Coalescer, errorMessage, type SextantApi } from '../api';
import { SnapshotPresenter, sextantFailure } from './snapshotPresenter';

/** What the user asked a view for, carried out by the IDE. */
export interface ViewActions {
  openRun(runId: string): void;
  saveFile(fileName: string, content: string): void;
  /** Saves an artifact of a run where the user picks. */
  downloadArtifact(runId: string, path: string): void;
  /** Something to report (a view error, a failed request). */
  log(message: string): void;
}

/** Which view and which runs. */
export type ViewSubject = { view: 'compare'; runIds: string[] } | { view: 'run'; runId: string };

/** The runs a subject shows. */
export function runIdsOf(subject: ViewSubject): string[] {
  return subject.view === 'compare' ? subject.runIds : [subject.runId];
}

/** The part of a view's saved state (see `media`'s views) that says which runs it shows. */
interface PanelState {
  runIds?: unknown;
  runId?: unknown;
}

/** The subject of a view restored after a reload, from the state the view saved. */
export function restoredSubject(view: 'compare' | 'run', state: unknown): ViewSubject | undefined {
  const saved = (state ?? {}) as PanelState;
  if (view === 'compare' && Array.isArray(saved.runIds) && saved.runIds.length > 0) {
    return { view, runIds: saved.runIds.map(String) };
  }
  if (view === 'run' && typeof saved.runId === 'string') return { view, runId: saved.runId };
  return undefined;
}

/** Drives one view: snapshots on `ready` and on changes of its runs, series updates on new points. */
export class ViewPresenter extends SnapshotPresenter {
  private readonly pendingKeys = new Map<string, Set<string>>();
  private readonly series: Coalescer;
  /** An artifact to preview once the view has its first snapshot. */
  private pendingReveal: string | undefined;

  constructor(
    private subject: ViewSubject,
    private readonly api: SextantApi,
    private readonly post: (message: HostMessage) => void,
    private readonly actions: ViewActions,
    private readonly budget: () => number,
  ) {
    super((message) => actions.log(message), sextantFailure);
    this.series = new Coalescer(
      () => this.pushSeries(),
      (error) => actions.log(sextantFailure(error)),
    );
    this.subscriptions.push(
      api.onMetricsAppended((event) => void this.metricsAppended(event)),
      api.onRunsChanged(({ run }) => {
        if (this.ready && runIdsOf(this.subject).includes(run.runId)) void this.snapshot.request();
      }),
    );
  }

  /** The view and runs shown. */
  get shown(): ViewSubject {
    return this.subject;
  }

  /** Shows other runs; pushes their snapshot once the view is ready. */
  show(subject: ViewSubject): Promise<void> {
    this.subject = subject;
    return this.ready ? this.snapshot.request() : Promise.resolve();
  }

  /** Asks a run view to preview one of its artifacts (once it is ready). */
  reveal(path: string): void {
    if (this.ready) this.post({ type: MessageType.RevealArtifact, path });
    else this.pendingReveal = path;
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.OpenRun:
        this.actions.openRun(message.runId);
        return true;
      case MessageType.SaveFile:
        this.actions.saveFile(message.fileName, message.content);
        return true;
      case MessageType.ReadArtifact:
        await this.readArtifact(String(message.path));
        return true;
      case MessageType.ListArtifacts:
        await this.listArtifacts(String(message.path));
        return true;
      case MessageType.DownloadArtifact:
        if (this.subject.view === 'run') {
          this.actions.downloadArtifact(this.subject.runId, String(message.path));
        }
        return true;
      default:
        return false;
    }
  }

  /** Answers a preview request: images as base64 up to 8 MiB, text files' first 256 KiB. */
  private async readArtifact(path: string): Promise<void> {
    if (this.subject.view !== 'run') return;
    const kind = previewKind(path);
    try {
      if (kind === 'none') throw new Error(`${path} has no preview: download it to open it.`);
      const result = await this.api.readArtifact({
        runId: this.subject.runId,
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
    if (this.subject.view !== 'run') return;
    try {
      const { files } = await this.api.listArtifacts({ runId: this.subject.runId, path });
      this.post({ type: MessageType.ArtifactListing, path, files });
    } catch (error) {
      this.post({ type: MessageType.ArtifactListing, path, files: [], error: errorMessage(error) });
    }
  }

  /** Asks for the series of a shown run that received points; resolves once pushed. */
  metricsAppended(event: MetricsAppendedParams): Promise<void> {
    if (!this.ready || !runIdsOf(this.subject).includes(event.runId)) return Promise.resolve();
    const keys = this.pendingKeys.get(event.runId) ?? new Set<string>();
    for (const key of event.keys) keys.add(key);
    this.pendingKeys.set(event.runId, keys);
    return this.series.request();
  }

  private async pushSeries(): Promise<void> {
    const pending = [...this.pendingKeys];
    this.pendingKeys.clear();
    const results = await Promise.all(
      pending.map(([runId, keys]) =>
        this.api.metricHistory({ runIds: [runId], keys: [...keys], budget: this.budget() }),
      ),
    );
    const series = results.flatMap((r) => r.series);
    if (series.length > 0) this.post({ type: MessageType.SeriesUpdate, series });
  }

  protected async pushSnapshot(): Promise<void> {
    const subject = this.subject;
    const budget = this.budget();
    if (subject.view === 'compare') {
      const [compare, history] = await Promise.all([
        this.api.compareRuns(subject.runIds),
        this.api.metricHistory({ runIds: subject.runIds, budget }),
      ]);
      this.post({ type: MessageType.CompareSnapshot, compare, series: history.series });
    } else {
      const [run, artifacts, history] = await Promise.all([
        this.api.getRun(subject.runId),
        this.api.listArtifacts({ runId: subject.runId }),
        this.api.metricHistory({ runIds: [subject.runId], budget }),
      ]);
      this.post({
        type: MessageType.RunSnapshot,
        run,
        artifacts: artifacts.files,
        series: history.series,
      });
      if (this.pendingReveal !== undefined) {
        this.post({ type: MessageType.RevealArtifact, path: this.pendingReveal });
        this.pendingReveal = undefined;
      }
    }
  }
}
