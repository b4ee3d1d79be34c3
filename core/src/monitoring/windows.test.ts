import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueCountWindows, dueTimeWindows, formatWindow, parseWindow } from './windows';

const H = 3_600_000;

describe('monitoring windows', () => {
  it('reads a window as a duration or a request count, and writes it back', () => {
    assert.deepEqual(parseWindow('1h'), { kind: 'time', ms: H });
    assert.deepEqual(parseWindow('90s'), { kind: 'time', ms: 90_000 });
    assert.deepEqual(parseWindow('1000'), { kind: 'count', requests: 1000 });
    assert.deepEqual(parseWindow(250), { kind: 'count', requests: 250 });
    assert.equal(formatWindow(parseWindow('15m')), '15m');
    assert.equal(formatWindow(parseWindow('1d')), '1d');
    assert.equal(formatWindow(parseWindow('1500ms')), '1500ms');
    assert.equal(formatWindow(parseWindow('1000')), '1000');
    assert.throws(() => parseWindow('1 hour'), /neither a duration/);
    assert.throws(() => parseWindow('0'), /between 1 and/);
    assert.throws(() => parseWindow('-5m'), /neither a duration/);
  });

  it('walks tumbling time windows aligned to their length, from where the last one ended', () => {
    const now = 10 * H + 20 * 60_000;
    assert.deepEqual(
      dueTimeWindows(H, now, undefined),
      [{ start: 9 * H, end: 10 * H }],
      'first: the last closed',
    );
    assert.deepEqual(dueTimeWindows(H, now, 10 * H), [], 'the current hour is still open');
    assert.deepEqual(dueTimeWindows(H, now, 7 * H), [
      { start: 7 * H, end: 8 * H },
      { start: 8 * H, end: 9 * H },
      { start: 9 * H, end: 10 * H },
    ]);
    assert.deepEqual(
      dueTimeWindows(H, now, 7 * H + 5),
      [
        { start: 8 * H, end: 9 * H },
        { start: 9 * H, end: 10 * H },
      ],
      'an unaligned end rounds up to the next boundary: no window checked twice',
    );
    const catchUp = dueTimeWindows(H, now, 0, 3);
    assert.deepEqual(
      catchUp.map((w) => w.start / H),
      [7, 8, 9],
      'after a long gap, the newest `max` only',
    );
    assert.throws(() => dueTimeWindows(0, now, undefined), /positive length/);
  });

  it('cuts request keys into complete count windows; the rest waits', () => {
    const keys = Float64Array.from([3, 4, 7, 8, 9, 12, 13]);
    assert.deepEqual(dueCountWindows(keys, 3), [
      { first: 3, last: 7 },
      { first: 8, last: 12 },
    ]);
    assert.deepEqual(dueCountWindows(keys, 8), []);
    assert.deepEqual(dueCountWindows(keys, 7), [{ first: 3, last: 13 }]);
  });
});
