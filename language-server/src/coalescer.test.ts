import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  let flushed: [string, string[]][];
  let coalescer: Coalescer;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    flushed = [];
    coalescer = new Coalescer(100, (key, items) => flushed.push([key, [...items].sort()]));
  });
  afterEach(() => {
    coalescer.dispose();
    mock.timers.reset();
  });

  it('sends the first event at once and merges the rest of the interval into one', () => {
    coalescer.add('run1', ['loss']);
    assert.deepEqual(flushed, [['run1', ['loss']]]);
    for (let i = 0; i < 1000; i++) coalescer.add('run1', [i % 2 ? 'loss' : 'acc']);
    assert.equal(flushed.length, 1);
    mock.timers.tick(100);
    assert.deepEqual(flushed, [
      ['run1', ['loss']],
      ['run1', ['acc', 'loss']],
    ]);
    mock.timers.tick(100);
    assert.equal(flushed.length, 2);
  });

  it('limits each key on its own and goes quiet when events stop', () => {
    coalescer.add('a');
    coalescer.add('b');
    coalescer.add('a');
    assert.deepEqual(
      flushed.map(([key]) => key),
      ['a', 'b'],
    );
    mock.timers.tick(100);
    assert.deepEqual(
      flushed.map(([key]) => key),
      ['a', 'b', 'a'],
    );
    mock.timers.tick(200);
    coalescer.add('a');
    assert.deepEqual(
      flushed.map(([key]) => key),
      ['a', 'b', 'a', 'a'],
    );
  });

  it('drops pending events on dispose', () => {
    coalescer.add('a');
    coalescer.add('a');
    coalescer.dispose();
    mock.timers.tick(100);
    assert.equal(flushed.length, 1);
  });
});
