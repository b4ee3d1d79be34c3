import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import type { PipelineEvent, ResolvedStep } from '../../model/pipeline';
import type { ComputeBackend, StepLaunch, StepOutcome } from '../../compute';
import { StepAttempts } from './attempts';
import { Backends } from './backends';
import { StepExecutor } from './executor';
import { StepOutputs } from './outputs';
import { openTestStore, testActiveRun, testPipeline, type TestStore } from './parts.testing';
import { StepEnvironments } from './stepEnvironment';
import { StepKeys } from './stepKeys';

/** A local backend that runs steps as `behave` says, without processes. */
const fakeBackend = (
  behave: (launch: StepLaunch, attempt: number) => Promise<StepOutcome>,
  gpu = 0,
): { backend: ComputeBackend; launches: StepLaunch[]; gpu: number } => {
  const launches: StepLaunch[] = [];
  return {
    backend: {
      kind: 'local',
      execute: (launch) => {
        launches.push(launch);
        return behave(launch, launches.length);
      },
    },
    launches,
    gpu,
  };
};

describe('the step executor', () => {
  let store: TestStore;
  let root: string;
  const events: PipelineEvent[] = [];

  before(() => {
    store = openTestStore();
    store.recorder.onEvent((e) => events.push(e));
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-executor-ws-'));
    fs.writeFileSync(path.join(root, 'input.txt'), 'hello\n');
  });

  after(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** An executor whose steps all go to `fake`'s backend. */
  const executorOf = (fake: ReturnType<typeof fakeBackend>): StepExecutor => {
    const capacity = { cpu: 2, gpu: fake.gpu, memoryMb: 0 };
    const backends = new Backends({
      storeDir: store.dir,
      capacity,
      backendFor: () => fake.backend,
    });
    const outputs = new StepOutputs(store.hasher, store.cache, store.recorder);
    return new StepExecutor({
      keys: new StepKeys(store.hasher),
      cache: store.cache,
      recorder: store.recorder,
      logs: store.logs,
      outputs,
      attempts: new StepAttempts(
        store.recorder,
        backends,
        new StepEnvironments(path.join(store.dir, 'envs')),
        outputs,
        capacity,
      ),
    });
  };

  /** Executes the one step of a fresh run; answers its status and record. */
  const execute = async (executor: StepExecutor, s: ResolvedStep, acquired = true) => {
    const active = testActiveRun(testPipeline(root, [s]), `run-${s.name}-${events.length}`);
    active.parent = await store.recorder.stepTracking.startParent(
      active.pipeline,
      active.run.pipelineRunId,
    );
    let acquires = 0;
    const status = await executor.execute(
      active,
      s,
      active.run.steps[0]!,
      false,
      async () => {
        acquires++;
        return acquired;
      },
      () => undefined,
    );
    return { status, record: active.run.steps[0]!, acquires };
  };

  const writes = (file: string, text: string) =>
    fakeBackend(async (launch) => {
      launch.onOutput('stdout', `writing ${file}\n`);
      fs.writeFileSync(path.join(launch.root, file), text);
      return { exitCode: 0 };
    });

  it('runs a step: its output logged and stored with its tracking run, its outputs cached', async () => {
    const s = testStep('write', { name: 'write', deps: ['input.txt'], outputs: ['out.txt'] });
    const fake = writes('out.txt', 'made\n');
    const { status, record, acquires } = await execute(executorOf(fake), s);
    assert.equal(status, 'done', record.reason);
    assert.equal(acquires, 1);
    assert.match(record.cacheKey ?? '', /^[0-9a-f]{64}$/);
    assert.equal(fake.launches[0]?.env.vars.SEXTANT_STEP, 'write');
    assert.ok(events.some((e) => e.type === 'step-log' && e.text === 'writing out.txt\n'));
    store.recorder.flush();
    const stored = await store.recorder.stepTracking.readText(record.runId!, 'logs/stdout.txt');
    assert.equal(stored?.toString(), 'writing out.txt\n');
    assert.ok(await store.cache.lookup(record.cacheKey!), 'the outputs are in the cache');

    fs.rmSync(path.join(root, 'out.txt'));
    const again = await execute(executorOf(fake), s);
    assert.equal(again.status, 'cached');
    assert.equal(again.acquires, 0, 'a restore holds no resources');
    assert.equal(fake.launches.length, 1, 'a restored step does not run');
    assert.equal(fs.readFileSync(path.join(root, 'out.txt'), 'utf8'), 'made\n');
  });

  it('fails a step whose output is missing after it succeeded', async () => {
    const s = testStep('x', { name: 'forgetful', outputs: ['never.txt'] });
    const { status, record } = await execute(executorOf(writes('other.txt', '')), s);
    assert.equal(status, 'failed');
    assert.equal(record.reason, "the step succeeded but did not write its output 'never.txt'");
  });

  it('fails a step whose dependency is missing, naming it, before it runs', async () => {
    const fake = writes('x', '');
    const s = testStep('x', { name: 'needs', deps: ['absent.txt'] });
    const { status, record, acquires } = await execute(executorOf(fake), s);
    assert.equal(status, 'failed');
    assert.equal(record.reason, "dependency 'absent.txt' does not exist and no step writes it");
    assert.equal(acquires, 0);
    assert.equal(fake.launches.length, 0);
  });

  it('cancels a step whose run is cancelled while it waits for its resources', async () => {
    const fake = writes('x', '');
    const { status, record } = await execute(executorOf(fake), testStep('x', { name: 'w' }), false);
    assert.equal(status, 'cancelled');
    assert.equal(record.reason, 'the pipeline run was cancelled');
    assert.equal(fake.launches.length, 0);
  });

  it('retries a failing step as often as it may, saying so in its log', async () => {
    const fake = fakeBackend(async (_launch, attempt) => ({ exitCode: attempt < 2 ? 3 : 0 }));
    const flaky = testStep('x', { name: 'flaky', retries: 2 });
    const { status, record } = await execute(executorOf(fake), flaky);
    assert.equal(status, 'done');
    assert.equal(record.attempts, 2);
    const log = events
      .filter((e) => e.type === 'step-log' && e.step === 'flaky')
      .map((e) => (e.type === 'step-log' ? e.text : ''))
      .join('');
    assert.match(log, /step 'flaky' exited with code 3; retrying/);
    assert.match(log, /attempt 2 of 3/);

    const always = fakeBackend(async () => ({ exitCode: 1 }));
    const failing = await execute(executorOf(always), testStep('x', { name: 'bad', retries: 1 }));
    assert.equal(failing.status, 'failed');
    assert.equal(failing.record.reason, 'exited with code 1 (after 2 attempts)');
    assert.equal(failing.record.exitCode, 1);
  });

  it('stops an attempt past its timeout', async () => {
    const hangs = fakeBackend(
      (launch) =>
        new Promise((resolve) =>
          launch.signal.addEventListener('abort', () => resolve({ exitCode: null })),
        ),
    );
    const { status, record } = await execute(
      executorOf(hangs),
      testStep('x', { name: 'slow', timeoutSec: 0.05 }),
    );
    assert.equal(status, 'failed');
    assert.equal(record.reason, 'timed out after 0.05 s');
  });

  it('tells a local step that asks for more GPUs than the machine has', async () => {
    const fake = fakeBackend(async () => ({ exitCode: 0 }), 1);
    const gpus = { cpu: 1, gpu: 2, memoryMb: 0 };
    await execute(executorOf(fake), testStep('x', { name: 'gpu', resources: gpus }));
    assert.ok(
      events.some(
        (e) =>
          e.type === 'step-log' &&
          e.text.includes('declares 2 GPUs and this machine offers 1: it runs with all 1'),
      ),
    );
  });
});
