/**
 * The only way a view of `media` talks to its IDE. A view never touches an IDE API: it gets a
 * {@link Bridge}, from {@link vsCodeBridge} in a VS Code webview, or from a JupyterLab widget that
 * calls the view directly.
 */
import { MessageType, isHostMessage, type HostMessage, type ViewMessage } from './contract';

/** A view's link to its host. */
export interface Bridge {
  /** Sends a message to the host. */
  post(message: ViewMessage): void;
  /** Calls `handler` with every message of the host; returns a function that stops it. */
  listen(handler: (message: HostMessage) => void): () => void;
  /** State kept across reloads of the view (scroll-independent UI choices); undefined at first. */
  getState<T>(): T | undefined;
  /** Replaces the kept state. */
  setState<T>(state: T): void;
}

/** The part of VS Code's webview API that a bridge needs. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** A bridge over VS Code's webview `postMessage`, for code running inside the webview. */
export function vsCodeBridge(api: VsCodeApi, target: Window): Bridge {
  return {
    post: (message) => api.postMessage(message),
    listen: (handler) => {
      const onMessage = (event: MessageEvent): void => {
        if (isHostMessage(event.data)) handler(event.data);
        else console.warn('sextant view: ignored a message of unknown type', event.data);
      };
      target.addEventListener('message', onMessage);
      return () => target.removeEventListener('message', onMessage);
    },
    getState: <T>() => (api.getState() ?? undefined) as T | undefined,
    setState: (state) => api.setState(state),
  };
}

/** Reports script errors and Content-Security-Policy violations of the view to the host. */
export function reportErrors(bridge: Bridge, target: Window): void {
  const report = (message: string): void => {
    console.error(`sextant view: ${message}`);
    bridge.post({ type: MessageType.ViewError, message });
  };
  target.addEventListener('error', (event) => report(String(event.message)));
  target.document.addEventListener('securitypolicyviolation', (event) =>
    report(
      `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`,
    ),
  );
}
