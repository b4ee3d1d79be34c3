/**
 * A Lumino widget that hosts one view of `media` (run comparison, run view) in the page itself,
 * over the direct-call bridge of `media/entries/jupyterlab`. Theme: the views read VS Code's CSS
 * variables, which `style/theme.css` maps onto JupyterLab's `--jp-*` ones.
 */
import {
  directBridge,
  MessageType,
  mountView,
  type HostMessage,
  type ViewKind,
  type ViewMessage,
} from '@sextant/media/dist/lib/entries/jupyterlab';
import { Widget } from '@lumino/widgets';

/** What the host does with the view's messages. */
export interface MediaViewHost {
  /** The view asked to open a run. */
  openRun(runId: string): void;
  /** Every other message of the view but saves and errors (`ready` included). */
  receive?(message: ViewMessage): void;
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

/** One mounted media view; `send` pushes snapshots and updates to it. */
export class MediaView extends Widget {
  /** Sends a message to the view (queued until the view listens). */
  readonly send: (message: HostMessage) => void;

  constructor(kind: ViewKind, host: MediaViewHost) {
    super();
    this.addClass('jp-SextantView');
    this.addClass(`jp-SextantView-${kind}`);
    const { bridge, send } = directBridge((message: ViewMessage) => {
      switch (message.type) {
        case MessageType.OpenRun:
          host.openRun(message.runId);
          break;
        case MessageType.SaveFile:
          download(message.fileName, message.content);
          break;
        case MessageType.ViewError:
          console.error(`sextant ${kind} view: ${message.message}`);
          break;
        default:
          if (host.receive) host.receive(message);
          else if (message.type !== MessageType.Ready) {
            console.warn('sextant: ignored a view message', message.type);
          }
      }
    });
    this.send = send;
    mountView(kind, this.node, bridge);
  }
}
