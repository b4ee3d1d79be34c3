import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LineageStore } from '../../lineage';
import { openDatabase, SqliteUnitOfWork } from '../../store';
import { newRunId, SqliteTrackingStore, TrackingService } from '../../tracking';
import { StepJournal } from './journal';
import { PipelineRunStore } from './runStore';

describe('the step journal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-journal-'));
  const db = openDatabase(dir, { create: true });
  const tracking = new SqliteTrackingStore(db);
  const service = new TrackingService(tracking);
  const changed: string[] = [];
  service.events.on('runChanged', ({ runId }) => changed.push(runId));
  const unit = new SqliteUnitOfWork(db);
  const journal = new StepJournal(
    {
      unit,
      tracking: service.batchWriter(unit),
      runs: new PipelineRunStore(db),
      lineage: new LineageStore(db),
    },
    10_000,
  );
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (runId: string, experimentId = '0') => ({
    runId,
    experimentId,
    userId: 'me',
    runName: `step-${runId.slice(0, 4)}`,
    status: 'SCHEDULED' as const,
    startTime: 1_000,
    endTime: null,
    tags: [{ key: 'sextant.step', value: 'a' }],
    params: [{ key: 'lr', value: '0.1' }],
    metrics: [],
  });

  it('writes nothing until it flushes, then a run started and ended in between once, ended', async () => {
    const id = newRunId();
    journal.insertRun(run(id));
    journal.updateRun(id, { status: 'RUNNING', startTime: 2_000 });
    journal.updateRun(id, {
      status: 'FINISHED',
      endTime: 3_000,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 3_000, step: 0 }],
    });
    await assert.rejects(tracking.getRun(id), /not found/);
    journal.flush();
    const stored = await tracking.getRun(id);
    assert.deepEqual(
      [stored.info.status, stored.info.startTime, stored.info.endTime],
      ['FINISHED', 2_000, 3_000],
    );
    assert.equal(stored.data.metrics.find((m) => m.key === 'acc')?.value, 0.9);
    assert.ok(changed.includes(id), 'announced after the commit');
    assert.ok(journal.empty);
  });

  it('updates a run written by an earlier flush', async () => {
    const id = newRunId();
    journal.insertRun(run(id));
    journal.flush();
    journal.updateRun(id, {
      status: 'FAILED',
      endTime: 5_000,
      tags: [{ key: 'sextant.failureReason', value: 'exit 1' }],
    });
    journal.flush();
    const stored = await tracking.getRun(id);
    assert.equal(stored.info.status, 'FAILED');
    assert.equal(stored.data.tags.find((t) => t.key === 'sextant.failureReason')?.value, 'exit 1');
  });

  it('when one record cannot be written, writes the others and names the one on stderr', async () => {
    const good = newRunId();
    const bad = newRunId();
    journal.insertRun(run(good));
    journal.insertRun(run(bad, '999'));
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      journal.flush();
    } finally {
      process.stderr.write = original;
    }
    assert.equal((await tracking.getRun(good)).info.status, 'SCHEDULED');
    await assert.rejects(tracking.getRun(bad), /not found/);
    assert.match(written.join(''), new RegExp(`recording tracking run ${bad} .*failed`));
  });
});
