import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { changedSinceRun, sha256Hex } from './sourceHash.js';

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('source hashes', () => {
  it('hashes as the store does (sha256 of the UTF-8 source, hex)', async () => {
    const source = 'mlflow.log_metric("λ", 1)\nprint("ok")';
    assert.equal(await sha256Hex(source), hash(source));
  });

  it('says whether a cell changed since its record', async () => {
    const record = { source: 'x = 1', sourceHash: hash('x = 1') };
    assert.equal(await changedSinceRun(record, 'x = 1'), false);
    assert.equal(await changedSinceRun(record, 'x = 2'), true);
  });
});
