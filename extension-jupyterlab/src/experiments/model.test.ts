import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSummary as run } from '@sextant/media/runs/fixtures.testing';
import { runDescription, runTooltip } from './model.js';

describe('sidebar model', () => {
  it('describes a run by its first metric in key order and its duration', () => {
    const text = runDescription(run('a', { metrics: { loss: 0.123456, acc: 0.9 } }), 0);
    assert.match(text, /^acc=0\.9 · /);
    assert.equal(runDescription(run('b'), 0).includes('='), false);
  });

  it('lists every latest metric in the tooltip, shortened', () => {
    const tip = runTooltip(run('a', { metrics: { loss: 0.123456, acc: 0.9 } }));
    assert.match(tip, /^name-a \(finished\)\nRun ID: a\n/);
    assert.match(tip, /acc: 0\.9\nloss: 0\.1235$/);
  });
});
