/**
 * What every host side of a `media` view does alike, as plain code: the view says `ready` and
 * gets a whole snapshot (asked for again however often, one at a time), its errors are logged,
 * and a message it is not meant to send is logged too. Subclasses push their snapshot and handle
 * the rest of their messages.
 */
import { MessageType, isViewMessage, type ViewMessage } from '@sextant/media/dist/lib/contract';
import { Coalescer, errorMessage, type Disposable } from '../api';

/** Drives one view: snapshots on `ready` and when asked, the view's own messages to `handle`. */
export abstract class SnapshotPresenter implements Disposable {
  /** The view said `ready`: it can take messages. */
  protected ready = false;
  /** Pushes the snapshot; `request()` it whenever what the view shows changed. */
  protected readonly snapshot: Coalescer;
  /** Disposed with the presenter. */
  protected readonly subscriptions: Disposable[] = [];

  /**
   * @param log reports view errors and failures.
   * @param failure words a failed snapshot for `log`.
   */
  constructor(
    private readonly log: (message: string) => void,
    failure: (error: unknown) => string,
  ) {
    this.snapshot = new Coalescer(
      () => this.pushSnapshot(),
      (error) => log(failure(error)),
    );
  }

  /** Posts the whole state of the view. */
  protected abstract pushSnapshot(): Promise<void>;

  /** Handles a message other than `ready` and view errors; false when it is not one it takes. */
  protected abstract handle(message: ViewMessage): Promise<boolean>;

  /** Handles one message from the view. */
  async receive(message: unknown): Promise<void> {
    if (!isViewMessage(message)) {
      this.log(`Sextant: a view sent a message of unknown type: ${JSON.stringify(message)}`);
      return;
    }
    switch (message.type) {
      case MessageType.Ready:
        this.ready = true;
        await this.snapshot.request();
        return;
      case MessageType.ViewError:
        this.log(`Sextant view: ${message.message}`);
        return;
      default:
        if (!(await this.handle(message))) {
          this.log(`Sextant: unhandled view message ${JSON.stringify(message)}`);
        }
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The message of a failure, for presenters whose log needs no more words. */
export const sextantFailure = (error: unknown): string => `Sextant: ${errorMessage(error)}`;
