/**
 * A main-area panel that hosts one view of `media` (run comparison, run view, pipeline graph) in
 * the page itself, over the direct-call bridge of `media/entries/jupyterlab`, driven by that view's
 * presenter from `media/presenters`. Theme: the views read VS Code's CSS variables, which
 * `style/theme.css` maps onto JupyterLab's `--jp-*` ones.
 */
import type { SnapshotPresenter } from '@sextant/media/presenters/presenter';
import {
  directBridge,
  mountView,
  type HostMessage,
  type ViewKind,
} from '@sextant/media/entries/jupyterlab';
import { Panel, Widget } from '@lumino/widgets';
import type { ISextantConnection } from '../tokens.js';

/** What every panel asks of the plugin that opens it. */
export interface ViewPanelHost {
  /** Opens a run in its own panel. */
  openRun(runId: string): void;
  /** Tells the user something went wrong. */
  notify(message: string): void;
}

/** Offers `content` (text, or bytes) as a file download named `fileName`. */
export function download(fileName: string, content: string | Uint8Array<ArrayBuffer>): void {
  const type = typeof content === 'string' ? 'text/plain' : 'application/octet-stream';
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Logs a presenter's reports to the browser console. */
export const logToConsole = (message: string): void => console.warn(message);

/**
 * A panel of one mounted media view and its presenter: the view's messages go to the presenter,
 * the presenter's to the view; a new server session shows a fresh snapshot.
 */
export abstract class ViewPanel<P extends SnapshotPresenter> extends Panel {
  /** The element the view is mounted in. */
  protected readonly view = new Widget();
  /** Drives the view; made by the subclass with {@link post} as its way to the view. */
  protected abstract readonly presenter: P;
  /** What to do when the presenter could not carry out a view's message (run, cancel). */
  protected receiveFailed = (error: unknown): void => console.error('sextant view:', error);
  private send: ((message: HostMessage) => void) | undefined;

  protected constructor(
    connection: ISextantConnection,
    private readonly kind: ViewKind,
  ) {
    super();
    this.addClass('jp-SextantPanel');
    this.title.closable = true;
    this.view.addClass('jp-SextantView');
    this.view.addClass(`jp-SextantView-${kind}`);
    this.addWidget(this.view);
    const onRestart = (): void => void this.presenter.refresh();
    connection.restarted.connect(onRestart);
    this.disposed.connect(() => {
      connection.restarted.disconnect(onRestart);
      this.presenter.dispose();
    });
  }

  /** Mounts the view; call once the presenter exists. */
  protected mount(): void {
    const { bridge, send } = directBridge((message) => {
      this.presenter.receive(message).catch((error: unknown) => this.receiveFailed(error));
    });
    this.send = send;
    mountView(this.kind, this.view.node, bridge);
  }

  /** The presenter's way to the view. */
  protected readonly post = (message: HostMessage): void => this.send?.(message);

  /** Draws the view again from fresh data (the theme changed). */
  load(): Promise<void> {
    return this.presenter.refresh();
  }
}
