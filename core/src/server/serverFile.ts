import fs from 'node:fs';
import path from 'node:path';

/** File in a store directory telling notebooks and tools where its server listens. */
export const SERVER_FILE = 'server.json';

/** What `server.json` holds. */
export interface ServerFile {
  url: string;
  pid: number;
}

/** A process's claim on a store's `server.json`, from {@link publishServer}. */
export interface PublishedServer {
  /** Whether `server.json` names this process's server now (false while another one's is live). */
  readonly publishing: boolean;
  /** Stops watching and deletes `server.json` if it still names this process. Idempotent. */
  remove(): void;
}

/** Options of {@link publishServer}. */
export interface PublishOptions {
  /** How often a standing-by process checks whether the published server is gone (ms, 2000). */
  checkMs?: number;
}

/** The store's `server.json`, or undefined when it is missing or unreadable. */
export function readServerFile(storeDir: string): ServerFile | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(storeDir, SERVER_FILE), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { url, pid } = parsed as Partial<ServerFile>;
    return typeof url === 'string' && typeof pid === 'number' ? { url, pid } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id exists (one of another user counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Publishes this process's tracking server in `<store>/server.json` ({url, pid}) so a kernel
 * under the workspace finds it without configuration, unless the file already names the server
 * of another live process: one store has one published server, whichever editor opened it
 * first, and a second editor (VS Code and JupyterLab on one workspace) never moves the kernels
 * that log to it. A process standing by checks every {@link PublishOptions.checkMs} and
 * publishes its own server once the published one's process is gone or its server has not
 * answered `/health` twice running (a reused process id); kernels follow `server.json` when
 * their server stops answering.
 */
export function publishServer(
  storeDir: string,
  url: string,
  options: PublishOptions = {},
): PublishedServer {
  const file = path.join(storeDir, SERVER_FILE);
  let publishing = false;
  /** The other server found not answering, by URL: its process id may have been reused. */
  let silent: string | undefined;
  const claim = (): void => {
    const current = readServerFile(storeDir);
    if (current && current.pid !== process.pid && alive(current.pid) && silent !== current.url) {
      publishing = false;
      return;
    }
    if (publishing && current?.pid === process.pid && current.url === url) return;
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ url, pid: process.pid }));
    fs.renameSync(temp, file);
    publishing = true;
  };
  claim();
  const checkMs = options.checkMs ?? 2000;
  let misses = 0;
  const check = async (): Promise<void> => {
    const current = readServerFile(storeDir);
    if (current && current.pid !== process.pid) {
      const answers = await fetch(new URL('health', current.url.replace(/\/?$/, '/')), {
        signal: AbortSignal.timeout(Math.max(checkMs, 1000)),
      }).then(
        (response) => response.ok,
        () => false,
      );
      misses = answers ? 0 : misses + 1;
      if (misses >= 2) silent = current.url;
    }
    claim();
  };
  const timer = setInterval(() => {
    check().catch(() => undefined);
  }, checkMs);
  timer.unref();
  let removed = false;
  return {
    get publishing() {
      return publishing;
    },
    remove: () => {
      if (removed) return;
      removed = true;
      clearInterval(timer);
      if (readServerFile(storeDir)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}
