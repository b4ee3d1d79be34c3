import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSummary as run } from './fixtures.testing';
import { nestRuns, shortNumber, upsertRun, withLatestMetrics } from './nesting';

describe('nestRuns', () => {
  it('puts children under their parent and keeps orphans and cycles at the top', () => {
    const runs = [
      run('p'),
      run('c1', { parentRunId: 'p' }),
      run('c2', { parentRunId: 'p' }),
      run('g', { parentRunId: 'c1' }),
      run('orphan', { parentRunId: 'gone' }),
      run('x', { parentRunId: 'y' }),
      run('y', { parentRunId: 'x' }),
    ];
    const { roots, children } = nestRuns(runs);
    assert.deepEqual(
      roots.map((r) => r.runId),
      ['p', 'orphan', 'x', 'y'],
    );
    assert.deepEqual(
      children.get('p')?.map((r) => r.runId),
      ['c1', 'c2'],
    );
    assert.deepEqual(
      children.get('c1')?.map((r) => r.runId),
      ['g'],
    );
    assert.equal(children.has('x'), false);
  });

  it('keeps a child under a parent whose own parent is missing', () => {
    const { roots, children } = nestRuns([
      run('p', { parentRunId: 'gone' }),
      run('c', { parentRunId: 'p' }),
    ]);
    assert.deepEqual(
      roots.map((r) => r.runId),
      ['p'],
    );
    assert.deepEqual(
      children.get('p')?.map((r) => r.runId),
      ['c'],
    );
  });
});

describe('run list updates', () => {
  it('puts a new run first, updates one in place and drops a deleted one', () => {
    const runs = [run('a'), run('b')];
    assert.deepEqual(
      upsertRun(runs, run('c')).map((r) => r.runId),
      ['c', 'a', 'b'],
    );
    assert.equal(upsertRun(runs, run('b', { runName: 'renamed' }))[1]!.runName, 'renamed');
    assert.deepEqual(
      upsertRun(runs, run('a', { lifecycleStage: 'deleted' })).map((r) => r.runId),
      ['b'],
    );
  });

  it('merges the latest points of a notification', () => {
    const merged = withLatestMetrics(run('a', { metrics: { loss: 1 } }), [
      { key: 'loss', value: 0.5, step: 3, timestamp: 0 },
      { key: 'acc', value: 0.7, step: 3, timestamp: 0 },
    ]);
    assert.deepEqual(merged.metrics, { loss: 0.5, acc: 0.7 });
  });

  it('shortens numbers', () => {
    assert.equal(shortNumber(0.123456), '0.1235');
    assert.equal(shortNumber(42), '42');
    assert.equal(shortNumber(123456.7), '1.23e+5');
    assert.equal(shortNumber(0.00001234), '1.23e-5');
    assert.equal(shortNumber(null), 'NaN');
  });
});
