import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { testStep } from '../../testing/steps';
import type { ResolvedStep, StepRun, StepStatus } from '../../model/pipeline';
import type { ComputeBackend } from '../../compute';
import type { Backends } from './backends';
import type { StepExecutor } from './executor';
import type { RunRecorder } from './recorder';
import { ResourcePool } from '../../compute';
import type { ActiveRun } from './runState';
import { StepScheduler } from './scheduler';
import { testActiveRun, testPipeline } from './parts.testing';

type Execute = StepExecutor['execute'];

/** A scheduler over a fake executor and a recorder that only keeps each step's last change. */
function schedulerOf(execute: Execute, options: { schedules?: boolean; cpu?: number } = {}) {
  const pool = new ResourcePool({ cpu: options.cpu ?? 2, gpu: 0, memoryMb: 0, gpuIds: [] });
  const backend = { kind: 'local', schedules: options.schedules === true } as ComputeBackend;
  const backends = {
    targetOf: () => ({ kind: 'local' }),
    backendFor: () => backend,
  } as unknown as Backends;
  const recorder = {
    setStep: (_active: ActiveRun, record: StepRun, change: Partial<StepRun>) =>
      Object.assign(record, change),
  } as unknown as RunRecorder;
  return new StepScheduler(pool, backends, recorder, { execute } as StepExecutor);
}

const step = (name: string, extra: Partial<ResolvedStep> = {}): ResolvedStep =>
  testStep('true', { name, ...extra });

describe('the step scheduler', () => {
  it('starts a step once its upstream steps are done, and skips the ones after a failure', async () => {
    const order: string[] = [];
    const steps = [
      step('a'),
      step('b', { upstream: ['a'] }),
      step('bad'),
      step('after-bad', { upstream: ['bad', 'a'] }),
      step('after-after', { upstream: ['after-bad'] }),
    ];
    const active = testActiveRun(testPipeline('/ws', steps));
    const scheduler = schedulerOf(async (_active, s, _record, _force, acquire, release) => {
      await acquire();
      order.push(s.name);
      release();
      return s.name === 'bad' ? 'failed' : 'done';
    });
    const statuses = await scheduler.run(active, steps, false);
    assert.deepEqual(statuses, ['done', 'done', 'failed', 'skipped', 'skipped']);
    assert.ok(order.indexOf('a') < order.indexOf('b'));
    assert.deepEqual(order.sort(), ['a', 'b', 'bad']);
    const record = (name: string) => active.run.steps.find((r) => r.step === name)!;
    assert.equal(record('after-bad').reason, "upstream step 'bad' failed");
    assert.equal(record('after-after').reason, "upstream step 'after-bad' was skipped");
  });

  it('holds local steps to the resource pool: two steps that need every core never overlap', async () => {
    let running = 0;
    let most = 0;
    const execute: Execute = async (_active, _s, _record, _force, acquire, release) => {
      assert.ok(await acquire());
      running++;
      most = Math.max(most, running);
      await delay(20);
      running--;
      release();
      return 'done' as StepStatus;
    };
    const whole = { cpu: 2, gpu: 0, memoryMb: 0 };
    const heavy = [step('c', { resources: whole }), step('d', { resources: whole })];
    await schedulerOf(execute).run(testActiveRun(testPipeline('/ws', heavy)), heavy, false);
    assert.equal(most, 1, 'two steps that each need both cores ran at once');

    most = 0;
    const light = [step('e'), step('f')];
    await schedulerOf(execute).run(testActiveRun(testPipeline('/ws', light)), light, false);
    assert.equal(most, 2, 'two 1-core steps did not run at once');

    most = 0;
    await schedulerOf(execute, { schedules: true }).run(
      testActiveRun(testPipeline('/ws', heavy)),
      heavy,
      false,
    );
    assert.equal(most, 2, 'a backend that schedules holds its steps itself');
  });

  it('cancels the steps that have not started when the run is cancelled', async () => {
    const steps = [step('a'), step('b', { upstream: ['a'] })];
    const active = testActiveRun(testPipeline('/ws', steps));
    const scheduler = schedulerOf(async () => {
      active.controller.abort(new Error('cancelled'));
      return 'cancelled';
    });
    assert.deepEqual(await scheduler.run(active, steps, false), ['cancelled', 'cancelled']);
    assert.equal(active.run.steps[1]?.reason, 'the pipeline run was cancelled');
  });

  it('fails a step whose execution throws, naming why, and goes on with the others', async () => {
    const steps = [step('a'), step('b')];
    const active = testActiveRun(testPipeline('/ws', steps));
    const scheduler = schedulerOf(async (_active, s) => {
      if (s.name === 'a') throw new Error('disk full');
      return 'done';
    });
    assert.deepEqual(await scheduler.run(active, steps, false), ['failed', 'done']);
    assert.equal(active.run.steps[0]?.reason, 'Sextant failed to run the step: disk full');
  });

  it('passes force on to the executor', async () => {
    const steps = [step('a')];
    const seen: boolean[] = [];
    const scheduler = schedulerOf(async (_active, _s, _record, force) => {
      seen.push(force);
      return 'done';
    });
    await scheduler.run(testActiveRun(testPipeline('/ws', steps)), steps, true);
    assert.deepEqual(seen, [true]);
  });
});
