/**
 * The one client interface of the `sextant/*` protocol, typed by the constants of
 * `@sextant/language-server/protocol`: what a presenter (and every other feature of an IDE) needs
 * from the language server. VS Code implements it once over vscode-languageclient
 * (`extension-vscode/src/client.ts`), JupyterLab once over its jupyter-lsp connection
 * (`extension-jupyterlab/src/connection/`), tests with a fake (`presenters/fakeClient.testing.ts`).
 *
 * A request's params and result types come from its `RequestType` constant, so adding a request
 * to the protocol adds nothing here.
 */
import type { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/** Something to stop. */
export interface Disposable {
  dispose(): void;
}

/** A typed link to Sextant's language server. */
export interface SextantClient {
  /** Sends a request without params (e.g. `PipelinesListRequest`); rejects with the server's error. */
  request<R, E>(type: RequestType0<R, E>): Promise<R>;
  /**
   * Sends a request (e.g. `RunsGetRequest`, `{ runId }`); rejects with the server's error, whose
   * `data.errorCode` is MLflow's error code (see `SextantErrorData`).
   */
  request<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  /**
   * Calls `handler` with each notification of `type` (e.g. `RunsChangedNotification`); any
   * number of handlers per notification, until the result is disposed.
   */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable;
}

/** The `errorCode` of a `sextant/...` error response (`SextantErrorData`), if it is one. */
export function errorCodeOf(error: unknown): string | undefined {
  const data = (error as { data?: { errorCode?: unknown } } | undefined)?.data;
  return typeof data?.errorCode === 'string' ? data.errorCode : undefined;
}

/** The message of an error from the server or elsewhere, for a user to read. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
