import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeState } from './hover';

test('a step state reads as people say it', () => {
  assert.equal(describeState(undefined), 'not run yet');
  assert.equal(describeState({ status: 'queued' }), 'not run yet');
  assert.equal(describeState({ status: 'not-run' }), 'not run yet');
  const endTime = Date.UTC(2026, 0, 2, 3, 4, 5);
  assert.equal(
    describeState({ status: 'done', durationMs: 3200, endTime, runId: 'r1' }),
    '**done** in 3.2s, ended 2026-01-02 03:04:05 UTC (run `r1`)',
  );
  assert.equal(
    describeState({ status: 'stale', endTime }),
    '**stale**: runs next time: it, or a step it reads from, changed since its last run, ended 2026-01-02 03:04:05 UTC',
  );
  assert.equal(
    describeState({ status: 'cached', runId: 'r2' }),
    '**cached**: its last result was reused (run `r2`)',
  );
  assert.equal(describeState({ status: 'running', runId: 'r3' }), '**running** (run `r3`)');
});
