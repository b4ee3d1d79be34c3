/**
 * The run panel: `media`'s run view (charts, params, metrics, tags, artifacts) followed by the
 * notebook cells that produced the run. Live: new points and run changes redraw it.
 */
import {
  ArtifactsReadRequest,
  CellsListRequest,
  type CellRecord,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { RunPresenter } from '@sextant/media/presenters/run';
import { Widget } from '@lumino/widgets';
import type { ISextantConnection } from '../tokens.js';
import { renderCells } from './cells.js';
import { download, logToConsole, ViewPanel, type ViewPanelHost } from './mediaView.js';

/** The largest artifact the browser downloads through the language server. */
const MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024;

/** What the run panel asks of its host. */
export interface RunPanelHost extends ViewPanelHost {
  /** Brings the notebook that ran `cell` to it. */
  revealCell(cell: CellRecord): void;
  /** Registers a model of a run through the Register Model command. */
  registerModel?(runId: string, source: string): void;
}

/** A main-area panel showing one run. */
export class RunPanel extends ViewPanel<RunPresenter> {
  protected readonly presenter: RunPresenter;
  private readonly cells = new Widget({ node: document.createElement('section') });

  constructor(
    private readonly connection: ISextantConnection,
    readonly runId: string,
    private readonly host: RunPanelHost,
  ) {
    super(connection, 'run');
    this.id = `sextant-run-${runId}`;
    this.title.label = 'Run';
    this.cells.addClass('jp-SextantView');
    this.cells.addClass('jp-SextantCells');
    this.cells.node.setAttribute('aria-label', 'Notebook cells');
    this.addWidget(this.cells);
    this.presenter = new RunPresenter(runId, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (id) => host.openRun(id),
      saveFile: download,
      downloadArtifact: (_runId, path) => void this.download(path),
      registerModel: (id, source) => host.registerModel?.(id, source),
      shown: (run) => {
        this.title.label = `Run: ${run.info.runName || runId.slice(0, 8)}`;
        this.title.caption = `Sextant run ${run.info.runName} (${runId})`;
        void this.loadCells();
      },
      failed: (error) => {
        this.title.label = 'Run (error)';
        this.cells.node.textContent = `Cannot load run ${runId}: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }

  /** Lists the cells that produced the run under the view. */
  private async loadCells(): Promise<void> {
    let cells: CellRecord[] | Error;
    try {
      cells = (await this.connection.request(CellsListRequest, { runId: this.runId })).cells;
    } catch (error) {
      cells = error as Error;
    }
    if (!this.isDisposed) renderCells(this.cells.node, cells, (cell) => this.host.revealCell(cell));
  }

  /** Saves one artifact through the browser (up to 16 MiB). */
  private async download(path: string): Promise<void> {
    try {
      const result = await this.connection.request(ArtifactsReadRequest, {
        runId: this.runId,
        path,
        encoding: 'base64',
        maxBytes: MAX_DOWNLOAD_BYTES,
      });
      if (result.truncated) throw new Error(`${path} is larger than 16 MiB.`);
      const bytes = Uint8Array.from(atob(result.content), (c) => c.charCodeAt(0));
      download(path.split('/').at(-1) ?? path, bytes);
    } catch (error) {
      this.host.notify(`Cannot download ${path}: ${errorMessage(error)}`);
    }
  }
}
