import type { Connection, RequestHandler, RequestType } from 'vscode-languageserver/node';
import { toResponseError } from '../errors';
import type { SextantErrorData } from '../protocol';
import type { Workspace } from '../workspaces';

/** What request handlers need from the server. */
export interface HandlerContext {
  /** The workspace this connection serves; throws before `initialize`. */
  workspace(): Workspace;
  /** The first workspace folder (absolute), when the client named one. */
  folder?(): string | undefined;
}

/**
 * Registers a handler for a `sextant/...` request. Params arrive unchecked from the client, so the
 * handler gets them as `unknown` and checks each field; whatever it throws reaches the client as a
 * response error with {@link SextantErrorData}.
 */
export function handle<P, R>(
  connection: Connection,
  type: RequestType<P, R, SextantErrorData>,
  handler: (params: unknown) => Promise<R>,
): void {
  const wrapped = (params: P): Promise<R> => {
    try {
      return handler(params).catch((error: unknown) => Promise.reject(toResponseError(error)));
    } catch (error) {
      return Promise.reject(toResponseError(error));
    }
  };
  // The library types results through a conditional type that a generic R cannot satisfy.
  connection.onRequest(type, wrapped as RequestHandler<P, R, SextantErrorData>);
}
