import fs from 'node:fs';
import { Writable } from 'node:stream';
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
  const file = new FdWriter(fd);
  return {
    stream: file,
    close: () =>
      new Promise((resolve) => {
        if (file.destroyed || file.writableFinished) resolve();
        else file.end(resolve);
      }),
  };
}

/** How long a write waits before it tries again a pipe that is full, in ms. */
const FULL_PIPE_RETRY_MS = 2;

/**
 * Writes to a file descriptor from the thread pool. Node makes a pipe it has opened as
 * `process.stdout` non-blocking, so a write to a full pipe (a reader that falls behind) fails
 * with EAGAIN: it is tried again until the reader takes it, so nothing is lost. Other errors (a
 * reader that went away) drop the output.
 */
class FdWriter extends Writable {
  constructor(private readonly fd: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.writeFrom(chunk, 0, done);
  }

  private writeFrom(chunk: Buffer, offset: number, done: () => void): void {
    fs.write(this.fd, chunk, offset, chunk.length - offset, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        setTimeout(() => this.writeFrom(chunk, offset, done), FULL_PIPE_RETRY_MS);
      } else if (!error && offset + written < chunk.length) {
        this.writeFrom(chunk, offset + written, done);
      } else {
        done();
      }
    });
  }
}
