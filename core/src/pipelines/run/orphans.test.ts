import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../engine';
import { OrphanRecovery } from './orphans';
import { openTestStore } from './parts.testing';
import { PIPELINE_TAGS } from '../../model/pipeline';
import { experimentNameOf } from './tracking';

describe('orphan recovery', () => {
  it('fails the runs and tracking runs a killed Sextant left running', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-orphan-'));
    try {
      const first = Engine.open({ storeDir: store });
      const pipelineRunId = 'f0e1d2c3-0000-4000-8000-000000000001';
      const parent = await first.tracking.createRun({ runName: 'demo' });
      const child = await first.tracking.createRun({ runName: 'hang' });
      // A step run created just before the kill, before its step record named it.
      const unnamed = await first.tracking.createRun({
        experimentId: await first.tracking.createExperiment(experimentNameOf('demo')),
        runName: 'next',
        tags: [{ key: PIPELINE_TAGS.pipelineRunId, value: pipelineRunId }],
      });
      first.pipelines.runs.insert({
        pipelineRunId,
        pipeline: 'demo',
        file: '/ws/sextant.yaml',
        status: 'running',
        trigger: { kind: 'manual' },
        runId: parent.info.runId,
        startTime: Date.now(),
        forced: false,
        steps: [
          {
            step: 'hang',
            status: 'running',
            compute: 'local',
            attempts: 1,
            runId: child.info.runId,
          },
          { step: 'next', status: 'queued', compute: 'local', attempts: 0 },
        ],
      });
      await first.close();
      // The owner was a process that is gone now: a shell that has exited.
      const gone = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
      const db = new Database(path.join(store, 'sextant.db'));
      db.prepare('UPDATE pipeline_runs SET owner_pid = ?').run(gone);
      db.close();

      const second = Engine.open({ storeDir: store });
      assert.deepEqual(await second.recovered, [pipelineRunId]);
      const recovered = second.pipelines.getRun(pipelineRunId);
      assert.equal(recovered.status, 'failed');
      assert.equal(recovered.steps[0]?.status, 'failed');
      assert.match(
        recovered.steps[0]?.reason ?? '',
        new RegExp(`Sextant stopped while this ran \\(process ${gone} is gone\\)`),
      );
      assert.equal(recovered.steps[1]?.status, 'skipped');
      for (const runId of [parent.info.runId, child.info.runId, unnamed.info.runId]) {
        const run = await second.tracking.getRun(runId);
        assert.equal(run.info.status, 'FAILED');
        assert.match(
          run.data.tags.find((t) => t.key === PIPELINE_TAGS.failureReason)?.value ?? '',
          /Sextant stopped/,
        );
      }
      assert.deepEqual(await second.pipelines.recoverOrphans(), [], 'recovered twice');
      await second.close();
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('leaves alone a run whose owner process is alive', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-orphan-'));
    const owner = spawn('sleep', ['30']);
    try {
      const first = Engine.open({ storeDir: store });
      first.pipelines.runs.insert({
        pipelineRunId: 'f0e1d2c3-0000-4000-8000-000000000002',
        pipeline: 'demo',
        file: '/ws/sextant.yaml',
        status: 'running',
        trigger: { kind: 'manual' },
        startTime: Date.now(),
        forced: false,
        steps: [{ step: 'a', status: 'running', compute: 'local', attempts: 1 }],
      });
      await first.close();
      const db = new Database(path.join(store, 'sextant.db'));
      db.prepare('UPDATE pipeline_runs SET owner_pid = ?').run(owner.pid);
      db.close();
      const second = Engine.open({ storeDir: store });
      assert.deepEqual(await second.recovered, []);
      assert.equal(
        second.pipelines.getRun('f0e1d2c3-0000-4000-8000-000000000002').status,
        'running',
      );
      await second.close();
    } finally {
      owner.kill('SIGKILL');
      fs.rmSync(store, { recursive: true, force: true });
    }
  });
});

describe('the orphan recovery unit', () => {
  it('stores what an orphaned step printed with its tracking run and removes the log folder', async () => {
    const store = openTestStore();
    try {
      const child = await store.tracking.createRun({ runName: 'hang' });
      const pipelineRunId = 'f0e1d2c3-0000-4000-8000-000000000003';
      store.recorder.runs.insert({
        pipelineRunId,
        pipeline: 'demo',
        file: '/ws/sextant.yaml',
        status: 'running',
        trigger: { kind: 'manual' },
        startTime: Date.now(),
        forced: false,
        steps: [
          {
            step: 'hang',
            status: 'running',
            compute: 'local',
            attempts: 1,
            runId: child.info.runId,
          },
        ],
      });
      store.db.prepare('UPDATE pipeline_runs SET owner_pid = NULL').run();
      const logs = store.logs.files(pipelineRunId, 0);
      fs.mkdirSync(path.dirname(logs.stdout), { recursive: true });
      fs.writeFileSync(logs.stdout, 'half way\n');
      const finished: string[] = [];
      store.recorder.onEvent((e) => {
        if (e.type === 'run-finished') finished.push(e.run.pipelineRunId);
      });

      const recovery = new OrphanRecovery(store.recorder, store.logs);
      assert.deepEqual(await recovery.recover(), [pipelineRunId]);
      assert.deepEqual(finished, [pipelineRunId]);
      assert.equal(store.recorder.runs.get(pipelineRunId)?.steps[0]?.status, 'failed');
      const stored = await store.recorder.stepTracking.readText(
        child.info.runId,
        'logs/stdout.txt',
      );
      assert.equal(stored?.toString(), 'half way\n');
      assert.equal(fs.existsSync(path.dirname(logs.stdout)), false, 'the log folder is gone');
      assert.equal((await store.tracking.getRun(child.info.runId)).info.status, 'FAILED');
    } finally {
      await store.close();
    }
  });
});
