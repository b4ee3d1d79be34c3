/**
 * What the model version page and the model comparison share: both follow registered models, so
 * a change of one of them (`sextant/registry/changed`) brings a new snapshot, and both hand run
 * and version opening, copying and saving to the IDE.
 */
import { RegistryChangedNotification, type VersionRef } from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** What a model view asks of its IDE adapter. */
export interface ModelViewHost extends PresenterHost {
  /** Opens one run in its own view. */
  openRun(runId: string): void;
  /** Opens a model version's page. */
  openVersion(ref: VersionRef): void;
  /** Puts text on the clipboard and says so. */
  copy(text: string): void;
  /** Saves text (a CSV export) to a file the user picks. */
  saveFile(fileName: string, content: string): void;
}

/** A presenter of a view that shows versions of some registered models, live. */
export abstract class LiveModelsPresenter extends SnapshotPresenter {
  constructor(
    protected readonly client: SextantClient,
    protected override readonly host: ModelViewHost,
  ) {
    super(host);
    this.subscriptions.push(
      client.onNotification(RegistryChangedNotification, (change) => {
        const names = this.modelNames;
        const touched =
          names.includes(change.name) ||
          (change.previousName !== undefined && names.includes(change.previousName));
        if (this.ready && touched) void this.snapshot.request();
      }),
    );
  }

  /** The registered models the view shows. */
  abstract get modelNames(): string[];

  /** The view's own messages other than opening, copying and saving. */
  protected abstract handleModels(message: ViewMessage): Promise<boolean>;

  protected async handle(message: ViewMessage): Promise<boolean> {
    switch (message.type) {
      case MessageType.OpenRun:
        this.host.openRun(message.runId);
        return true;
      case MessageType.OpenModelVersion:
        this.host.openVersion({ name: message.name, version: message.version });
        return true;
      case MessageType.CopyText:
        this.host.copy(message.text);
        return true;
      case MessageType.SaveFile:
        this.host.saveFile(message.fileName, message.content);
        return true;
      default:
        return this.handleModels(message);
    }
  }
}
