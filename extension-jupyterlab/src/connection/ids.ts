/**
 * Per-client request ids on a shared pipe: jupyter-lsp broadcasts every message of the language
 * server to every socket of `/lsp/ws/<key>`, so two clients' request `1` would collide.
 */
import type { Message } from 'vscode-jsonrpc';

type Id = number | string | null | undefined;

interface Envelope {
  id?: Id;
  method?: string;
}

/** A prefix that no other client of the shared pipe uses. */
export function clientPrefix(): string {
  const random =
    typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `sextant-jl-${random}:`;
}

/**
 * The id space of one client on a shared pipe: outgoing request ids get the prefix; a response is
 * ours when its id carries the prefix, and then gets its original id back.
 */
export class IdSpace {
  constructor(readonly prefix: string) {}

  /** The message to put on the wire for an outgoing `message`. */
  outgoing(message: Message): Message {
    const m = message as Envelope;
    if (m.method !== undefined && m.id !== undefined && m.id !== null) {
      return { ...message, id: `${this.prefix}${String(m.id)}` } as Message;
    }
    return message;
  }

  /** The message to hand to vscode-jsonrpc for an incoming `message`, or undefined to drop it. */
  incoming(message: Message): Message | undefined {
    const m = message as Envelope;
    if (m.method !== undefined) return message;
    if (typeof m.id !== 'string' || !m.id.startsWith(this.prefix)) return undefined;
    const own = m.id.slice(this.prefix.length);
    const numeric = Number(own);
    return { ...message, id: /^\d+$/.test(own) ? numeric : own } as Message;
  }
}
