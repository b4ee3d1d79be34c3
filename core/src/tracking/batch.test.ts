import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase, SqliteUnitOfWork } from '../store';
import { newRunId } from './runIds';
import { TrackingService } from './service';
import { SqliteTrackingStore } from './sqliteStore';

describe("tracking's batch-write port", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-batch-'));
  const db = openDatabase(dir, { create: true });
  const tracking = new TrackingService(new SqliteTrackingStore(db));
  const unit = new SqliteUnitOfWork(db);
  const writer = tracking.batchWriter(unit);
  const events: string[] = [];
  tracking.events.on('runChanged', ({ runId }) => events.push(`changed ${runId}`));
  tracking.events.on('metricsAppended', ({ runId, keys }) =>
    events.push(`metrics ${runId} ${keys.join(',')}`),
  );
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (runId: string, experimentId = '0') => ({
    runId,
    experimentId,
    userId: 'me',
    runName: 'step',
    status: 'RUNNING' as const,
    startTime: 1,
    endTime: null,
    tags: [],
    params: [],
    metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
  });

  it('announces what it wrote once the unit commits, not before', async () => {
    events.length = 0;
    const id = newRunId();
    unit.write((tx) => {
      writer.insertRuns(tx, [run(id)]);
      assert.deepEqual(events, [], 'nothing is announced inside the transaction');
    });
    assert.deepEqual(events, [`metrics ${id} loss`, `changed ${id}`]);
    unit.write((tx) =>
      writer.updateRuns(tx, [{ runId: id, status: 'FINISHED', tags: [], metrics: [] }]),
    );
    assert.equal(events.at(-1), `changed ${id}`);
    assert.equal((await tracking.getRun(id)).info.status, 'FINISHED');
  });

  it('announces nothing and writes nothing when the unit rolls back', async () => {
    events.length = 0;
    const good = newRunId();
    assert.throws(() =>
      unit.write((tx) => {
        writer.insertRuns(tx, [run(good)]);
        writer.insertRuns(tx, [run(newRunId(), '999')]);
      }),
    );
    assert.deepEqual(events, []);
    await assert.rejects(tracking.getRun(good), /not found/);
  });

  it('refuses a unit on another connection', () => {
    const other = openDatabase(dir, { create: false });
    try {
      assert.throws(
        () => tracking.batchWriter(new SqliteUnitOfWork(other)),
        /same database connection/,
      );
    } finally {
      other.close();
    }
  });
});
