/**
 * What the extension's features need from the language server ({@link SextantApi}), and small
 * helpers without VS Code.
 */
import type { ServerInfo } from '@sextant/language-server/protocol';
import type { Disposable, SextantClient } from '@sextant/media/client';

export type { Disposable } from '@sextant/media/client';
export { errorMessage } from '@sextant/media/client';
export { SerialTask } from '@sextant/media/presenters/serialTask';

/** Where the language server (and with it the tracking server) is in its life. */
export type ServerState = 'starting' | 'running' | 'stopped';

/** Subscribes a listener; the result unsubscribes it. */
export type Subscribe<T> = (listener: (event: T) => void) => Disposable;

/**
 * The language server as the extension's features use it: the one typed client of the protocol
 * (`request(XRequest, params)`, `onNotification(XNotification, handler)`) plus where the server is
 * in its life. {@link SextantLanguageClient} implements it over vscode-languageclient; tests use
 * `media`'s fake client.
 */
export interface SextantApi extends SextantClient {
  /** Where the server is; undefined until it has started. */
  readonly info: ServerInfo | undefined;
  /** The server started, or moved to another store. */
  readonly onServerInfo: Subscribe<ServerInfo>;
  /** Whether the server is starting, running, or stopped by the user (or failed to start). */
  readonly state: ServerState;
  /** The server was stopped (by `sextant.stopServer`, or it failed). */
  readonly onServerStopped: Subscribe<void>;
}

/** A minimal event emitter without VS Code, so features stay testable as plain code. */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();

  readonly event: Subscribe<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
