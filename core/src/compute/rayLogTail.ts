import WebSocket from 'ws';

/**
 * A Ray job's log followed over the dashboard's tail WebSocket (`/api/jobs/{id}/logs/tail`, what
 * `ray job logs --follow` reads): text arrives as the job writes it, and the log is not read
 * whole again on every poll. Ray sends the log from its start and closes the socket once the job
 * has ended and its last lines are sent. When the socket cannot be used (a proxy in between, an
 * older Ray), {@link working} turns false and the caller reads the log by polling instead.
 */
export class RayLogTail {
  private socket: WebSocket | undefined;
  private failed = false;
  private closedCleanly = false;
  private readonly done: Promise<void>;

  constructor(url: string, onText: (text: string) => void) {
    let settle: () => void = () => undefined;
    this.done = new Promise<void>((resolve) => (settle = resolve));
    try {
      // Without compression: with permessage-deflate offered, Ray's dashboard (aiohttp) opened the
      // socket, sent nothing and closed it when the job ended.
      this.socket = new WebSocket(url, { handshakeTimeout: 10_000, perMessageDeflate: false });
    } catch {
      this.failed = true;
      settle();
      return;
    }
    this.socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) onText(data.toString());
    });
    this.socket.on('error', () => (this.failed = true));
    this.socket.on('unexpected-response', () => (this.failed = true));
    this.socket.on('close', (code: number) => {
      this.closedCleanly = !this.failed && (code === 1000 || code === 1005);
      settle();
    });
  }

  /** Whether the tail still brings the log (open or opening, not failed). */
  get working(): boolean {
    return !this.failed && !this.closedCleanly && this.socket !== undefined;
  }

  /** Waits up to `ms` for Ray to close the socket after the job ended; closes it then. */
  async finish(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.done,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
    this.close();
  }

  /** Closes the socket (drops it while it is still opening). */
  close(): void {
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else if (socket.readyState === WebSocket.OPEN) socket.close();
  }
}

/** The WebSocket URL of a job's log tail on a dashboard at `base` (`http(s)://host:port`). */
export const tailUrl = (base: string, id: string): string =>
  `${base.replace(/^http/, 'ws')}/api/jobs/${encodeURIComponent(id)}/logs/tail`;
