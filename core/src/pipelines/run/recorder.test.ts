import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalArtifactStore } from '../../artifacts';
import { testStep } from '../../testing/steps';
import type { PipelineEvent } from '../../model/pipeline';
import { openDatabase } from '../../store';
import { SqliteTrackingStore, TrackingService } from '../../tracking';
import { ContentCache } from './cache';
import { FileHasher, type PathHash } from './fileHash';
import { LINEAGE_FILES_PER_FOLDER, RunRecorder } from './recorder';
import { openTestStore, testActiveRun, testPipeline, type TestStore } from './parts.testing';

describe('the run recorder', () => {
  let store: TestStore;
  before(() => {
    store = openTestStore();
  });
  after(() => store.close());

  it('records a run with its parent tracking run, and refuses a second while it runs', async () => {
    const pipeline = testPipeline('/ws', [testStep('true', { name: 'a' })], 'recorded');
    const active = testActiveRun(pipeline, 'rec-1');
    const parent = await store.recorder.startRun(pipeline, active.run);
    assert.equal(active.run.runId, parent.runId);
    assert.equal(store.recorder.runs.get('rec-1')?.runId, parent.runId);
    const second = testActiveRun(pipeline, 'rec-2');
    await assert.rejects(store.recorder.startRun(pipeline, second.run), /is already running/);

    active.parent = parent;
    store.recorder.setStep(active, active.run.steps[0]!, { status: 'done', endTime: 1 });
    store.recorder.endRun(active, 'done');
    assert.equal(store.recorder.runs.get('rec-1')?.status, 'done');
    assert.equal(store.recorder.runs.get('rec-1')?.steps[0]?.status, 'done');
    const tracked = await store.tracking.getRun(parent.runId);
    assert.equal(tracked.info.status, 'FINISHED');
  });

  it('tells every listener of a step change, with a copy, even after one that throws', () => {
    const seen: PipelineEvent[] = [];
    const stopThrowing = store.recorder.onEvent(() => {
      throw new Error('listener broke');
    });
    const stop = store.recorder.onEvent((e) => seen.push(e));
    const write = process.stderr.write;
    let reported = '';
    process.stderr.write = ((text: string) => {
      reported += text;
      return true;
    }) as typeof process.stderr.write;
    try {
      const active = testActiveRun(testPipeline('/ws', [testStep('true', { name: 'a' })]), 'ev');
      const record = active.run.steps[0]!;
      store.recorder.setStep(active, record, { status: 'running' });
      assert.equal(seen.length, 1);
      const event = seen[0]!;
      assert.equal(event.type, 'step-status');
      if (event.type === 'step-status') {
        assert.equal(event.step.status, 'running');
        assert.notEqual(event.step, record, 'listeners get a copy of the record');
      }
      assert.match(reported, /a pipeline event listener failed: Error: listener broke/);
    } finally {
      process.stderr.write = write;
      stop();
      stopThrowing();
    }
  });

  it('makes lineage edges: a folder as itself and each of its files, up to the limit', async () => {
    const active = testActiveRun(testPipeline('/ws', [testStep('true', { name: 'a' })]), 'lin');
    const entries = Array.from({ length: LINEAGE_FILES_PER_FOLDER + 5 }, (_, i) => ({
      path: `f${i}`,
      md5: 'ab',
    }));
    const deps = new Map<string, PathHash>([
      ['data', { kind: 'dir', digest: 'md5:dir', entries }],
      ['gone', { kind: 'missing' }],
    ]);
    const edges = await store.recorder.lineageEdges(
      active,
      active.pipeline.steps[0]!,
      deps,
      { key: 'k', outputs: [], time: 0 },
      false,
    );
    assert.equal(edges.length, 1 + LINEAGE_FILES_PER_FOLDER);
    assert.deepEqual(edges[0]?.artifact, { path: 'data', digest: 'md5:dir' });
    assert.deepEqual(edges[1]?.artifact, { path: 'data/f0', digest: 'md5:ab' });
    assert.ok(edges.every((e) => e.relation === 'consumed' && !e.cached));
  });

  it('refuses a tracking store on another database connection', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-recorder-'));
    const db = openDatabase(dir, { create: true });
    const other = new Database(path.join(dir, 'sextant.db'));
    try {
      const hasher = new FileHasher(other, [dir]);
      assert.throws(
        () =>
          new RunRecorder({
            db: other,
            tracking: new TrackingService(new SqliteTrackingStore(db)),
            artifacts: new LocalArtifactStore(path.join(dir, 'artifacts')),
            cache: new ContentCache(path.join(dir, 'cache'), hasher),
          }),
        /same database connection/,
      );
    } finally {
      other.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
