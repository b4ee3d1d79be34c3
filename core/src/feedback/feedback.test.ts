import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../store';
import { parseCsv, readFeedbackFile } from './file';
import { parseFeedbackBody } from './parse';
import { FeedbackStore } from './store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-feedback-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function seeded(): { db: ReturnType<typeof openDatabase>; store: FeedbackStore } {
  const db = openDatabase(fs.mkdtempSync(path.join(dir, 'store-')), { create: true });
  const insert = db.prepare(
    `INSERT INTO inference_log (request_id, time, model, version, protocol, status, latency_ms, inputs, deployment, variant)
     VALUES (?, ?, 'iris', ?, 'mlflow', ?, ?, ?, 'api', ?)`,
  );
  for (let i = 0; i < 6; i++) {
    const challenger = i % 2 === 1;
    insert.run(
      `r${i}`,
      1_000 + i,
      challenger ? '2' : '1',
      i === 5 ? 500 : 200,
      10 + i,
      `{"x":${i}}`,
      challenger ? 'challenger' : 'champion',
    );
  }
  insert.run('r0', 1_000, '3', 200, 3, null, 'mirror');
  return { db, store: new FeedbackStore(db) };
}

describe('feedback', () => {
  it('parses one item, a list, and refuses bad items naming the field', () => {
    assert.deepEqual(
      parseFeedbackBody({ request_id: 'a', reward: 1, time: '1970-01-01T00:00:01Z' }),
      [{ requestId: 'a', kind: 'reward', value: 1, time: 1000 }],
    );
    assert.deepEqual(
      parseFeedbackBody([
        { request_id: 'a', label: 2 },
        { request_id: 'b', value: -3.5 },
      ]),
      [
        { requestId: 'a', kind: 'label', label: '2' },
        { requestId: 'b', kind: 'value', value: -3.5 },
      ],
    );
    assert.throws(
      () => parseFeedbackBody({ request_id: 'a', reward: 1.5 }),
      /reward must be in \[0, 1\]/,
    );
    assert.throws(
      () => parseFeedbackBody({ request_id: 'a', reward: 1, value: 2 }),
      /exactly one of label, reward, value; got reward, value/,
    );
    assert.throws(
      () =>
        parseFeedbackBody([
          { request_id: 'a', reward: 1 },
          { request_id: 'b c', reward: 1 },
        ]),
      /feedback\[1\]: request_id/,
    );
    assert.throws(
      () => parseFeedbackBody({ request_id: 'a', reward: 1, extra: 1 }),
      /unknown field 'extra'/,
    );
    assert.throws(() => parseFeedbackBody([]), /empty/);
    assert.throws(
      () => parseFeedbackBody({ request_id: 'a', value: 1, time: 'soon' }),
      /time must be/,
    );
  });

  it('joins feedback to the answer that was returned (not the shadow), reports unknown ids, keeps the last word', () => {
    const { db, store } = seeded();
    const result = store.record(
      [
        { requestId: 'r0', kind: 'reward', value: 1 },
        { requestId: 'r1', kind: 'reward', value: 0, time: 5_000 },
        { requestId: 'nope', kind: 'reward', value: 1 },
      ],
      { deployment: 'api', shadows: ['mirror'], source: 'http', now: 9_000 },
    );
    assert.deepEqual(result, { recorded: 2, unknownRequestIds: ['nope'] });
    assert.deepEqual(
      store.record([{ requestId: 'r0', kind: 'reward', value: 1 }], {
        deployment: 'other',
        source: 'http',
      }),
      {
        recorded: 0,
        unknownRequestIds: ['r0'],
      },
    );
    store.record([{ requestId: 'r1', kind: 'reward', value: 1 }], {
      deployment: 'api',
      shadows: ['mirror'],
      source: 'file:x.csv',
      now: 9_500,
    });
    const joined = store.join({ deployment: 'api' }, { payloads: true });
    assert.deepEqual(
      joined.map((o) => [o.requestId, o.variant, o.version, o.value, o.time, o.status, o.inputs]),
      [
        ['r0', 'champion', '1', 1, 9_000, 200, '{"x":0}'],
        ['r1', 'challenger', '2', 1, 9_500, 200, '{"x":1}'],
      ],
    );
    assert.deepEqual(store.join({ deployment: 'api', variant: 'challenger', since: 1_002 }), []);
    const traffic = store.traffic({ deployment: 'api' }, ['mirror']);
    assert.deepEqual(
      traffic.map((t) => [t.variant, t.requests, t.errors, [...t.latenciesMs], t.withFeedback]),
      [
        ['challenger', 3, 1, [11, 13, 15], 1],
        ['champion', 3, 0, [10, 12, 14], 1],
      ],
    );
    db.close();
  });

  it('reads CSV (quoted fields) and Parquet files, refusing bad rows by line', async () => {
    assert.deepEqual(parseCsv('a,b\r\n"x,""y""",2\n\n3,4'), [
      ['a', 'b'],
      ['x,"y"', '2'],
      ['3', '4'],
    ]);
    const csv = path.join(dir, 'fb.csv');
    fs.writeFileSync(csv, 'request_id,reward,label,time\nr0,1,,\nr1,,cat,2026-01-01T00:00:00Z\n');
    assert.deepEqual(await readFeedbackFile(csv), [
      { requestId: 'r0', kind: 'reward', value: 1 },
      { requestId: 'r1', kind: 'label', label: 'cat', time: Date.parse('2026-01-01T00:00:00Z') },
    ]);
    fs.writeFileSync(csv, 'request_id,reward\nr0,2\n');
    await assert.rejects(
      readFeedbackFile(csv),
      /fb\.csv line 2 \(r0\): reward must be in \[0, 1\]/,
    );
    fs.writeFileSync(csv, 'id,reward\nr0,1\n');
    await assert.rejects(readFeedbackFile(csv), /no request_id column/);
    await assert.rejects(readFeedbackFile(path.join(dir, 'none.csv')), /no file/);
    const parquet = path.join(dir, 'fb.parquet');
    fs.writeFileSync(parquet, Buffer.from(PARQUET_BASE64, 'base64'));
    assert.deepEqual(await readFeedbackFile(parquet), [
      { requestId: 'r0', kind: 'value', value: 1.5 },
      { requestId: 'r1', kind: 'value', value: -2 },
    ]);
  });
});

/** A Parquet file written by pyarrow 2 (snappy): request_id, value, and a column to ignore. */
const PARQUET_BASE64 =
  'UEFSMRUEFRgVHEwVBBUAEgAADCwCAAAAcjACAAAAcjEVABUSFRYsFQQVEBUGFQYcNgAoAnIxGAJyMBERAAAACSACAAAABAEBAwIVBBUgFSRMFQQVABIAABA8AAAAAAAA+D8AAAAAAAAAwBUAFRIVFiwVBBUQFQYVBhwYCAAAAAAAAPg/GAgAAAAAAAAAwBYAKAgAAAAAAAD4PxgIAAAAAAAAAMAREQAAAAkgAgAAAAQBAQMCFQQVIBUkTBUEFQASAAAQPAEAAAAAAAAAAgAAAAAAAAAVABUSFRYsFQQVEBUGFQYcGAgCAAAAAAAAABgIAQAAAAAAAAAWACgIAgAAAAAAAAAYCAEAAAAAAAAAEREAAAAJIAIAAAAEAQEDAhUEGUw1ABgGc2NoZW1hFQYAFQwlAhgKcmVxdWVzdF9pZCUATBwAAAAVCiUCGAV2YWx1ZQAVBCUCGAVvdGhlcgAWBBkcGTwmABwVDBk1AAYQGRgKcmVxdWVzdF9pZBUCFgQWhAEWjAEmQCYIHDYAKAJyMRgCcjAREQAZLBUEFQAVAgAVABUQFQIAPBYIGQYZJgAEAAAAJgAcFQoZNQAGEBkYBXZhbHVlFQIWBBbMARbUASbUASaUARwYCAAAAAAAAPg/GAgAAAAAAAAAwBYAKAgAAAAAAAD4PxgIAAAAAAAAAMAREQAZLBUEFQAVAgAVABUQFQIAPCkGGSYABAAAACYAHBUEGTUABhAZGAVvdGhlchUCFgQWzAEW1AEmqAMm6AIcGAgCAAAAAAAAABgIAQAAAAAAAAAWACgIAgAAAAAAAAAYCAEAAAAAAAAAEREAGSwVBBUAFQIAFQAVEBUCADwpBhkmAAQAAAAWnAQWBCYIFrQEABkcGAxBUlJPVzpzY2hlbWEYwAIvLy8vLytnQUFBQVFBQUFBQUFBS0FBd0FCZ0FGQUFnQUNnQUFBQUFCQkFBTUFBQUFDQUFJQUFBQUJBQUlBQUFBQkFBQUFBTUFBQUNFQUFBQVFBQUFBQVFBQUFDWS8vLy9BQUFCQWhBQUFBQWdBQUFBQkFBQUFBQUFBQUFGQUFBQWIzUm9aWElBQUFBSUFBd0FDQUFIQUFnQUFBQUFBQUFCUUFBQUFORC8vLzhBQUFFREVBQUFBQndBQUFBRUFBQUFBQUFBQUFVQUFBQjJZV3gxWlFBR0FBZ0FCZ0FHQUFBQUFBQUNBQkFBRkFBSUFBWUFCd0FNQUFBQUVBQVFBQUFBQUFBQkJSQUFBQUFnQUFBQUJBQUFBQUFBQUFBS0FBQUFjbVZ4ZFdWemRGOXBaQUFBQkFBRUFBUUFBQUFBQUFBQQAYIHBhcnF1ZXQtY3BwLWFycm93IHZlcnNpb24gMjUuMC4xGTwcAAAcAAAcAAAA9gIAAFBBUjE=';
