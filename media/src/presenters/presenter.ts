/**
 * What every host side of a `media` view does alike, in both IDEs: the view says `ready` and gets
 * a whole snapshot (asked for again however often, one at a time), its errors are logged, and a
 * message it is not meant to send is logged too. Subclasses push their snapshot and handle the
 * rest of their messages; the IDE's adapter only hosts the view and carries out user actions.
 */
import type { Disposable } from '../client';
import { errorMessage } from '../client';
import { MessageType, isViewMessage, type HostMessage, type ViewMessage } from '../contract';
import { SerialTask } from './serialTask';

/** What every presenter asks of its IDE adapter. */
export interface PresenterHost {
  /** Delivers a message to the view. */
  post(message: HostMessage): void;
  /** Reports something (a view error, an unknown message, a failed request) for a developer. */
  log(message: string): void;
  /**
   * A snapshot could not be made; the adapter tells the user (a log line, a message in the
   * panel). Logged when absent.
   */
  failed?(error: unknown): void;
}

/** Drives one view: snapshots on `ready` and when asked, the view's own messages to `handle`. */
export abstract class SnapshotPresenter implements Disposable {
  /** The view said `ready`: it can take messages. */
  protected ready = false;
  /** Pushes the snapshot; `request()` it whenever what the view shows changed. */
  protected readonly snapshot: SerialTask;
  /** Disposed with the presenter. */
  protected readonly subscriptions: Disposable[] = [];
  private disposed = false;

  /** @param failure words a failed snapshot for `host.log`. */
  constructor(
    protected readonly host: PresenterHost,
    failure: (error: unknown) => string = sextantFailure,
  ) {
    this.snapshot = new SerialTask(
      () => this.pushSnapshot(),
      (error) => (host.failed ? host.failed(error) : host.log(failure(error))),
    );
  }

  /** Posts the whole state of the view. */
  protected abstract pushSnapshot(): Promise<void>;

  /** Handles a message other than `ready` and view errors; false when it is not one it takes. */
  protected abstract handle(message: ViewMessage): Promise<boolean>;

  /** Posts to the view unless the presenter was disposed meanwhile. */
  protected post(message: HostMessage): void {
    if (!this.disposed) this.host.post(message);
  }

  /** Pushes a fresh snapshot once the view is ready (the server restarted, the theme changed). */
  refresh(): Promise<void> {
    return this.ready ? this.snapshot.request() : Promise.resolve();
  }

  /** Handles one message from the view. */
  async receive(message: unknown): Promise<void> {
    if (!isViewMessage(message)) {
      this.host.log(`Sextant: a view sent a message of unknown type: ${JSON.stringify(message)}`);
      return;
    }
    switch (message.type) {
      case MessageType.Ready:
        this.ready = true;
        await this.snapshot.request();
        return;
      case MessageType.ViewError:
        this.host.log(`Sextant view: ${message.message}`);
        return;
      default:
        if (!(await this.handle(message))) {
          this.host.log(`Sextant: unhandled view message ${JSON.stringify(message)}`);
        }
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The message of a failure, for presenters whose log needs no more words. */
export const sextantFailure = (error: unknown): string => `Sextant: ${errorMessage(error)}`;
