import fs from 'node:fs';
import tty from 'node:tty';

/** An output stream whose writes never block the main thread, and how to wait for them. */
export interface OffThreadOutput {
  stream: NodeJS.WritableStream;
  /** Resolves once everything written has been handed to the OS. */
  close(): Promise<void>;
}

/**
 * The process's stdout or stderr (`fd` 1 or 2) written from libuv's thread pool when it is a
 * pipe or a file: Node writes those synchronously, so a reader that falls behind (a CI log, a
 * `tee`, a busy parent) would stall the main thread, and with it the run it drives. A terminal,
 * or any stream that is not the process's own, is used as it is. Write errors (a reader that
 * went away) are dropped, as they are for the process's own streams.
 */
export function offThreadOutput(stream: NodeJS.WritableStream, fd: 1 | 2): OffThreadOutput {
  const own = fd === 1 ? process.stdout : process.stderr;
  if (stream !== own || tty.isatty(fd)) return { stream, close: () => Promise.resolve() };
  const file = fs.createWriteStream('', { fd, autoClose: false });
  file.on('error', () => undefined);
  return {
    stream: file,
    close: () =>
      new Promise((resolve) => {
        if (file.destroyed || file.writableFinished) resolve();
        else file.end(resolve);
      }),
  };
}
