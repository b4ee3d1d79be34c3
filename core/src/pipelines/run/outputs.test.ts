import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import { StepOutputs } from './outputs';
import { openTestStore, testPipeline, type TestStore } from './parts.testing';

describe('step outputs', () => {
  let store: TestStore;
  let root: string;
  let outputs: StepOutputs;
  before(() => {
    store = openTestStore();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-outputs-ws-'));
    outputs = new StepOutputs(store.hasher, store.cache, store.recorder);
  });
  after(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('clears the declared outputs and metrics files of a step before it runs', async () => {
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'data', 'old.csv'), 'stale');
    fs.writeFileSync(path.join(root, 'metrics.json'), '{}');
    fs.writeFileSync(path.join(root, 'keep.txt'), 'mine');
    const step = testStep('true', { outputs: ['data'], metrics: ['metrics.json'] });
    await outputs.clear(testPipeline(root, [step]), step);
    assert.deepEqual(fs.readdirSync(root), ['keep.txt']);
  });

  it('reads the metrics of every metrics file, flattened, or says why one cannot be read', async () => {
    fs.writeFileSync(path.join(root, 'a.json'), '{"loss": 0.5, "eval": {"acc": 0.9}}');
    fs.writeFileSync(path.join(root, 'b.json'), 'not json');
    const pipeline = testPipeline(root, []);
    const good = testStep('true', { metrics: ['a.json'] });
    assert.deepEqual(await outputs.readMetrics(pipeline, good), {
      metrics: { loss: 0.5, 'eval.acc': 0.9 },
    });
    const bad = testStep('true', { metrics: ['a.json', 'b.json'] });
    const read = await outputs.readMetrics(pipeline, bad);
    assert.deepEqual(read.metrics, {});
    assert.ok(read.problem);
  });
});
