/**
 * The run panel: `media`'s run view (charts, params, metrics, tags, artifacts) followed by the
 * notebook cells that produced the run. Live: new points and run changes redraw it.
 */
import {
  IMAGE_PREVIEW_BYTES,
  previewKind,
  TEXT_PREVIEW_BYTES,
} from '@sextant/media/dist/lib/artifacts';
import {
  ArtifactsListRequest,
  ArtifactsReadRequest,
  CellsListRequest,
  MetricsHistoryRequest,
  RunsGetRequest,
  type CellRecord,
} from '@sextant/language-server/dist/protocol';
import { MessageType, type ViewMessage } from '@sextant/media/dist/lib/entries/jupyterlab';
import { Widget } from '@lumino/widgets';
import type { ISextantConnection } from '../tokens.js';
import { renderCells } from './cells.js';
import { LiveRunsPanel } from './liveRunsPanel.js';
import { download, type MediaViewHost } from './mediaView.js';

/** What the run panel asks of its host. */
export interface RunPanelHost extends MediaViewHost {
  /** Brings the notebook that ran `cell` to it. */
  revealCell(cell: CellRecord): void;
  /** Tells the user something went wrong. */
  notify(message: string): void;
}

/** A main-area panel showing one run. */
export class RunPanel extends LiveRunsPanel {
  private readonly cells = new Widget({ node: document.createElement('section') });

  constructor(
    connection: ISextantConnection,
    readonly runId: string,
    private readonly runHost: RunPanelHost,
  ) {
    super(connection, [runId], 'run', runHost);
    this.id = `sextant-run-${runId}`;
    this.title.label = 'Run';
    this.cells.addClass('jp-SextantView');
    this.cells.addClass('jp-SextantCells');
    this.cells.node.setAttribute('aria-label', 'Notebook cells');
    this.addWidget(this.cells);
    void this.load();
  }

  /** Fetches the run, its artifacts, series and cells, and draws them. */
  async load(): Promise<void> {
    const { connection, runId } = this;
    try {
      const [run, artifacts, history] = await Promise.all([
        connection.request(RunsGetRequest, { runId }),
        connection.request(ArtifactsListRequest, { runId }),
        connection.request(MetricsHistoryRequest, { runIds: [runId] }),
      ]);
      if (this.isDisposed) return;
      this.title.label = `Run: ${run.info.runName || runId.slice(0, 8)}`;
      this.title.caption = `Sextant run ${run.info.runName} (${runId})`;
      this.view.send({
        type: MessageType.RunSnapshot,
        run,
        artifacts: artifacts.files,
        series: history.series,
      });
    } catch (error) {
      this.title.label = 'Run (error)';
      this.cells.node.textContent = `Cannot load run ${runId}: ${(error as Error).message}`;
      return;
    }
    let cells: CellRecord[] | Error;
    try {
      cells = (await connection.request(CellsListRequest, { runId })).cells;
    } catch (error) {
      cells = error as Error;
    }
    if (!this.isDisposed)
      renderCells(this.cells.node, cells, (cell) => this.runHost.revealCell(cell));
  }

  /** Answers the view's artifact requests: listings, previews and downloads. */
  protected override receive(message: ViewMessage): void {
    void this.answer(message);
  }

  private async answer(message: ViewMessage): Promise<void> {
    const { connection, runId } = this;
    const failure = (error: unknown): string => (error as Error).message ?? String(error);
    switch (message.type) {
      case MessageType.ListArtifacts:
        try {
          const { files } = await connection.request(ArtifactsListRequest, {
            runId,
            path: message.path,
          });
          this.view.send({ type: MessageType.ArtifactListing, path: message.path, files });
        } catch (error) {
          this.view.send({
            type: MessageType.ArtifactListing,
            path: message.path,
            files: [],
            error: failure(error),
          });
        }
        break;
      case MessageType.ReadArtifact: {
        const kind = previewKind(message.path);
        try {
          if (kind === 'none') {
            throw new Error(`${message.path} has no preview: download it to open it.`);
          }
          const result = await connection.request(ArtifactsReadRequest, {
            runId,
            path: message.path,
            ...(kind === 'image'
              ? { encoding: 'base64' as const, maxBytes: IMAGE_PREVIEW_BYTES }
              : { maxBytes: TEXT_PREVIEW_BYTES }),
          });
          this.view.send({ type: MessageType.ArtifactContent, path: message.path, result });
        } catch (error) {
          this.view.send({
            type: MessageType.ArtifactContent,
            path: message.path,
            error: failure(error),
          });
        }
        break;
      }
      case MessageType.DownloadArtifact:
        try {
          const result = await connection.request(ArtifactsReadRequest, {
            runId,
            path: message.path,
            encoding: 'base64',
            maxBytes: 16 * 1024 * 1024,
          });
          if (result.truncated) throw new Error(`${message.path} is larger than 16 MiB.`);
          const bytes = Uint8Array.from(atob(result.content), (c) => c.charCodeAt(0));
          download(message.path.split('/').at(-1) ?? message.path, bytes);
        } catch (error) {
          this.runHost.notify(`Cannot download ${message.path}: ${failure(error)}`);
        }
        break;
      default:
        break;
    }
  }
}
