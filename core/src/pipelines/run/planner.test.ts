import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import { openTestStore, testPipeline, type TestStore } from './parts.testing';
import { checkStepPaths, RunPlanner } from './planner';
import { StepKeys } from './stepKeys';

describe('the run planner and step keys', () => {
  let store: TestStore;
  let root: string;
  before(() => {
    store = openTestStore();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-planner-ws-'));
    fs.writeFileSync(path.join(root, 'input.txt'), 'one\n');
  });
  after(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const prepare = testStep('true', { name: 'prepare', deps: ['input.txt'], outputs: ['out.txt'] });
  const train = testStep('true', {
    name: 'train',
    deps: ['out.txt'],
    outputs: ['model.txt'],
    upstream: ['prepare'],
  });

  it("keys a step by its dependencies' contents, and has no key while one is missing", async () => {
    const keys = new StepKeys(store.hasher);
    const pipeline = testPipeline(root, [prepare, train]);
    const first = await keys.keyOf(pipeline, prepare, new Map());
    assert.match(first ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await keys.keyOf(pipeline, train, new Map()), undefined);
    assert.ok(await keys.keyOf(pipeline, train, new Map([['out.txt', 'md5:1']])), 'known digest');
    fs.writeFileSync(path.join(root, 'input.txt'), 'two\n');
    assert.notEqual(await keys.keyOf(pipeline, prepare, new Map()), first);
    assert.deepEqual(await keys.hashDeps(pipeline, train), { missing: 'out.txt' });
  });

  it('plans every step to run until it is cached, and a step after one that runs to run', async () => {
    const planner = new RunPlanner(new StepKeys(store.hasher), store.cache);
    const pipeline = testPipeline(root, [prepare, train]);
    assert.deepEqual(
      (await planner.plan(pipeline)).map((s) => s.action),
      ['run', 'run'],
    );
    assert.deepEqual(
      (await planner.plan(pipeline, { step: 'prepare' })).map((s) => s.step),
      ['prepare'],
    );
  });

  it('refuses a step whose paths leave the workspace', () => {
    const pipeline = testPipeline(root, []);
    assert.throws(
      () => checkStepPaths(pipeline, testStep('true', { name: 'x', deps: ['../secret'] })),
      /dependency of step 'x'/,
    );
    assert.throws(
      () => checkStepPaths(pipeline, testStep('true', { name: 'x', outputs: ['/etc/out'] })),
      /output of step 'x'/,
    );
    checkStepPaths(pipeline, prepare);
  });
});
