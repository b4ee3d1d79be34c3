/** Bytes of a frame's length header: a 4-byte big-endian unsigned integer. */
const HEADER_BYTES = 4;

/** Largest frame a worker may send (a reply bigger than this means a broken channel). */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** One length-prefixed frame holding `json`, a JSON text. */
export function encodeFrame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

/**
 * Cuts a byte stream into the JSON texts of its length-prefixed frames (a 4-byte big-endian
 * length, then that many bytes of UTF-8 JSON), whatever the chunks it arrives in.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** The whole frames completed by `chunk`, as text. @throws Error on an impossible length. */
  push(chunk: Buffer): string[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: string[] = [];
    while (this.buffered >= HEADER_BYTES) {
      const head = this.take(HEADER_BYTES, false);
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) throw new Error(`a frame of ${length} bytes is too large`);
      if (this.buffered < HEADER_BYTES + length) break;
      this.take(HEADER_BYTES, true);
      frames.push(this.take(length, true).toString('utf8'));
    }
    return frames;
  }

  private take(bytes: number, consume: boolean): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, bytes);
    this.chunks = [all];
    if (consume) {
      const rest = all.subarray(bytes);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered -= bytes;
    }
    return out;
  }
}
