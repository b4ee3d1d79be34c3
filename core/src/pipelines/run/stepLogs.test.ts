import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import { openTestStore, testActiveRun, testPipeline, type TestStore } from './parts.testing';
import { STEP_LOG_LIMIT } from './stepLogs';

describe('step logs', () => {
  let store: TestStore;
  before(() => {
    store = openTestStore();
  });
  after(() => store.close());

  it('reads a running step from its files, its tail only, and removes them with the run', async () => {
    const { run } = testActiveRun(testPipeline('/ws', [testStep('true', { name: 'a' })]), 'live');
    run.steps[0]!.status = 'running';
    const files = store.logs.files('live', 0);
    assert.equal(path.basename(files.stdout), '0.stdout.txt');
    assert.equal(path.basename(files.stderr), '0.stderr.txt');
    fs.mkdirSync(path.dirname(files.stdout), { recursive: true });
    fs.writeFileSync(files.stdout, 'x'.repeat(STEP_LOG_LIMIT) + 'end');
    fs.writeFileSync(files.stderr, 'warning\n');
    const log = await store.logs.read(run, 0);
    assert.equal(log.truncated, true);
    assert.equal(log.stdout.length, STEP_LOG_LIMIT);
    assert.ok(log.stdout.endsWith('end'));
    assert.equal(log.stderr, 'warning\n');
    await store.logs.removeRun('live');
    assert.equal(fs.existsSync(path.dirname(files.stdout)), false);
  });

  it("reads an ended step from its tracking run's stored logs, and nothing when it has none", async () => {
    const pipeline = testPipeline('/ws', [testStep('true', { name: 'a' })], 'ended');
    const active = testActiveRun(pipeline, 'ended');
    const parent = await store.recorder.stepTracking.startParent(pipeline, 'ended');
    const runId = store.recorder.stepTracking.beginStep({
      pipeline,
      pipelineRunId: 'ended',
      parent,
      step: pipeline.steps[0]!,
      cacheKey: 'k',
    });
    assert.deepEqual(await store.logs.read(active.run, 0), {
      stdout: '',
      stderr: '',
      truncated: false,
    });
    const files = store.logs.files('ended', 0);
    fs.mkdirSync(path.dirname(files.stdout), { recursive: true });
    fs.writeFileSync(files.stdout, 'done\n');
    await store.logs.store(runId, files);
    await store.logs.removeRun('ended');
    active.run.steps[0]!.runId = runId;
    active.run.steps[0]!.status = 'done';
    store.recorder.flush();
    assert.deepEqual(await store.logs.read(active.run, 0), {
      stdout: 'done\n',
      stderr: '',
      truncated: false,
    });
  });
});
