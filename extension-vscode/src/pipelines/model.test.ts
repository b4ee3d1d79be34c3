import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineRun, StepRun } from '@sextant/language-server/protocol';
import {
  LogLines,
  outcomeMessage,
  pipelineItem,
  pipelineRunItem,
  progressMessage,
  stepProgress,
  targetOf,
} from './model';

const step = (name: string, status: StepRun['status'], extra: Partial<StepRun> = {}): StepRun => ({
  step: name,
  status,
  compute: 'local',
  attempts: 1,
  ...extra,
});

const run = (
  status: PipelineRun['status'],
  steps: StepRun[],
  extra: Partial<PipelineRun> = {},
): PipelineRun => ({
  pipelineRunId: 'abcdef0123456789',
  pipeline: 'train',
  file: '/ws/sextant.yaml',
  status,
  trigger: { kind: 'manual' },
  startTime: 1_000,
  forced: false,
  steps,
  ...extra,
});

test('step progress counts done, cached and skipped steps of all the run holds', () => {
  const r = run('running', [
    step('a', 'done'),
    step('b', 'cached'),
    step('c', 'running'),
    step('d', 'queued'),
    step('e', 'skipped'),
  ]);
  assert.equal(stepProgress(r), '3/5');
  assert.equal(progressMessage(r), '3/5 steps · c running');
});

test('a running pipeline shows progress and a spinner; a finished one its outcome', () => {
  const running = pipelineItem(
    {
      name: 'train',
      file: '/ws/sextant.yaml',
      steps: ['a', 'b'],
      lastRun: run('running', [step('a', 'done'), step('b', 'running')]),
    },
    5_000,
  );
  assert.equal(running.description, '1/2 running');
  assert.equal(running.icon?.id, 'loading~spin');
  assert.equal(running.contextValue, 'pipeline.running');
  const never = pipelineItem({ name: 'train', file: '/ws/sextant.yaml', steps: ['a'] }, 5_000);
  assert.equal(never.description, '1 step · never run');
  assert.equal(never.contextValue, 'pipeline');
  const failed = pipelineRunItem(
    run('failed', [step('a', 'done'), step('b', 'failed', { reason: 'exit code 2' })], {
      endTime: 4_000,
      forced: true,
    }),
    10_000,
  );
  assert.equal(failed.icon?.id, 'error');
  assert.match(failed.description!, /^1\/2 failed · 3\.0s · forced$/);
  assert.match(failed.tooltip!, /b: failed — exit code 2/);
});

test('commands take code-lens arguments and tree nodes alike', () => {
  assert.deepEqual(targetOf({ file: '/ws/sextant.yaml', pipeline: 'train', step: 'prep' }), {
    file: '/ws/sextant.yaml',
    pipeline: 'train',
    step: 'prep',
  });
  assert.deepEqual(
    targetOf({
      kind: 'pipeline',
      pipeline: { name: 'train', file: '/ws/a.sextant.yaml', steps: [] },
    }),
    { file: '/ws/a.sextant.yaml', pipeline: 'train' },
  );
  assert.deepEqual(targetOf({ kind: 'run', run: run('done', []) }), {
    file: '/ws/sextant.yaml',
    pipeline: 'train',
  });
  assert.equal(targetOf(undefined), undefined);
  assert.equal(targetOf({ pipeline: 'x' }), undefined);
});

test('outcome messages name the failed step and its reason, and the cached count', () => {
  assert.equal(
    outcomeMessage(
      run('failed', [step('a', 'done'), step('b', 'failed', { reason: 'exit code 1' })]),
    ),
    'pipeline train failed at b: exit code 1.',
  );
  assert.equal(
    outcomeMessage(run('done', [step('a', 'cached'), step('b', 'done')], { endTime: 3_500 })),
    'pipeline train done in 2.5s (2 steps, 1 from the cache).',
  );
});

test('log chunks become whole prefixed lines; the rest waits, and a run end flushes it', () => {
  const lines = new LogLines();
  assert.deepEqual(lines.push('r1', 'train', 'stdout', 'epoch 1\nepo'), ['[train] epoch 1']);
  assert.deepEqual(lines.push('r1', 'prep', 'stderr', 'warning\r\n'), ['[prep] (stderr) warning']);
  assert.deepEqual(lines.push('r1', 'train', 'stdout', 'ch 2\n'), ['[train] epoch 2']);
  assert.deepEqual(lines.push('r1', 'train', 'stdout', 'tail'), []);
  assert.deepEqual(lines.push('r2', 'train', 'stdout', 'other'), []);
  assert.deepEqual(lines.flush('r1'), ['[train] tail']);
  assert.deepEqual(lines.flush('r1'), []);
  assert.deepEqual(lines.flush('r2'), ['[train] other']);
});
