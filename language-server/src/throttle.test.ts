import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { KeyedThrottle } from './throttle';

describe('KeyedThrottle', () => {
  let flushed: [string, string[]][];
  let throttle: KeyedThrottle;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    flushed = [];
    throttle = new KeyedThrottle(100, (key, items) => flushed.push([key, [...items].sort()]));
  });
  afterEach(() => {
    throttle.dispose();
    mock.timers.reset();
  });

  it('sends the first event at once and merges the rest of the interval into one', () => {
    throttle.add('run1', ['loss']);
    assert.deepEqual(flushed, [['run1', ['loss']]]);
    for (let i = 0; i < 1000; i++) throttle.add('run1', [i % 2 ? 'loss' : 'acc']);
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
    throttle.add('a');
    throttle.add('b');
    throttle.add('a');
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
    throttle.add('a');
    assert.deepEqual(
      flushed.map(([key]) => key),
      ['a', 'b', 'a', 'a'],
    );
  });

  it('drops pending events on dispose', () => {
    throttle.add('a');
    throttle.add('a');
    throttle.dispose();
    mock.timers.tick(100);
    assert.equal(flushed.length, 1);
  });
});
