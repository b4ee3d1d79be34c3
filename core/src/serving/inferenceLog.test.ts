import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../store';
import { InferenceLog } from './inferenceLog';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-inference-log-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('InferenceLog', () => {
  it('holds rows and writes them in batches, payloads cut at the limit', () => {
    const db = openDatabase(dir, { create: true });
    const log = new InferenceLog(db, { batchRows: 100, flushMs: 60_000, maxPayloadChars: 10 });
    const count = (): number =>
      (db.prepare('SELECT count(*) AS n FROM inference_log').get() as { n: number }).n;
    for (let i = 0; i < 250; i++) {
      log.add({
        requestId: `r${i}`,
        time: 1_000 + i,
        model: 'm',
        version: '2',
        protocol: i % 2 ? 'oip' : 'mlflow',
        status: 200,
        latencyMs: 1.5,
        inputs: `{"x":${i},"pad":"0123456789"}`,
        outputs: '{"predictions":[1]}',
      });
    }
    assert.equal(count(), 200, 'two full batches written, the rest held');
    const recent = log.recent('m', 2);
    assert.equal(count(), 250);
    assert.deepEqual(
      recent.map((r) => r.requestId),
      ['r249', 'r248'],
    );
    assert.equal(recent[0]!.inputs, '{"x":249,"…');
    assert.equal(recent[0]!.error, undefined);
    db.close();
  });
});
