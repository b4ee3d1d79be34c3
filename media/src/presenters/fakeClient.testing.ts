/**
 * A {@link SextantClient} without a server, for presenter tests: each request is answered by the
 * handler given for its method (a missing one rejects), every request is recorded, and
 * notifications are fired by hand. Test-only: no entry of `media` imports it.
 */
import type { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Disposable, SextantClient } from '../client';

/** Answers one method's requests. */
export type Handler = (params: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fake client whose requests go to `handlers`, keyed by method name. */
export class FakeClient implements SextantClient {
  /** Every request made, in order. */
  readonly requests: Array<{ method: string; params: unknown }> = [];
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();

  constructor(private readonly handlers: Record<string, Handler> = {}) {}

  request<R, E>(type: RequestType0<R, E>): Promise<R>;
  request<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  async request(type: { method: string }, params?: unknown): Promise<unknown> {
    this.requests.push({ method: type.method, params });
    const handler = this.handlers[type.method];
    if (!handler) throw new Error(`no fake for ${type.method}`);
    return handler(params);
  }

  /** The params of each request of `method`, in order. */
  paramsOf(method: string): unknown[] {
    return this.requests.filter((r) => r.method === method).map((r) => r.params);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable {
    const set = this.listeners.get(type.method) ?? new Set();
    this.listeners.set(type.method, set);
    const entry = handler as (params: unknown) => void;
    set.add(entry);
    return { dispose: () => set.delete(entry) };
  }

  /** Delivers a notification to its handlers. */
  notify<P>(type: NotificationType<P>, params: P): void {
    for (const handler of [...(this.listeners.get(type.method) ?? [])]) handler(params);
  }
}
