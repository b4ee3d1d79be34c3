import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration } from './format';

test('formatDuration: ms, tenths of seconds, minutes with seconds, hours with minutes', () => {
  assert.deepEqual([-5, 240, 850, 1234, 61_000, 125_000, 3_725_000].map(formatDuration), [
    '0ms',
    '240ms',
    '850ms',
    '1.2s',
    '1m 01s',
    '2m 05s',
    '1h 02m',
  ]);
});
