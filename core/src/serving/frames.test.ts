import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from './frames';

describe('length-prefixed frames', () => {
  it('round-trips frames whatever the chunking, multi-byte text included', () => {
    const texts = ['{"a":1}', '{"é":"ü€"}', '{}', JSON.stringify({ big: 'x'.repeat(70_000) })];
    const bytes = Buffer.concat(texts.map(encodeFrame));
    for (const size of [1, 3, 7, 4096, bytes.length]) {
      const decoder = new FrameDecoder();
      const out: string[] = [];
      for (let at = 0; at < bytes.length; at += size) {
        out.push(...decoder.push(bytes.subarray(at, at + size)));
      }
      assert.deepEqual(out, texts, `chunks of ${size}`);
    }
  });

  it('refuses a length past the limit (a broken channel)', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    assert.throws(() => new FrameDecoder().push(header), /too large/);
  });
});
