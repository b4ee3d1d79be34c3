import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** The most one read of a followed log hands on; the rest comes at the next read. */
const MAX_READ_BYTES = 256 * 1024;

/**
 * Follows a log file another process appends to: each {@link read} answers the text written
 * since the last, UTF-8 characters split across reads kept whole. It starts at the file's end
 * when made (what was written before is read whole by whoever opens the log).
 */
export class LogTail {
  private offset: number;
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly file: string) {
    this.offset = sizeOf(file);
  }

  /** Whether the file's folder is gone (and the file with it). */
  folderGone(): boolean {
    return !fs.existsSync(path.dirname(this.file));
  }

  /** The text of `whole` (the file's whole content, kept elsewhere) past what was read. */
  restOf(whole: Buffer): string {
    if (whole.length <= this.offset) return this.decoder.end();
    const text = this.decoder.write(whole.subarray(this.offset)) + this.decoder.end();
    this.offset = whole.length;
    return text;
  }

  /** The text appended since the last read ('' when none, or when the file is gone). */
  read(): string {
    const size = sizeOf(this.file);
    if (size <= this.offset) return '';
    const length = Math.min(size - this.offset, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return '';
    }
    try {
      const got = fs.readSync(fd, buffer, 0, length, this.offset);
      this.offset += got;
      return this.decoder.write(buffer.subarray(0, got));
    } finally {
      fs.closeSync(fd);
    }
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
