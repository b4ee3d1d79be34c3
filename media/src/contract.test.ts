import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SampledSeries } from '@sextant/language-server/protocol';
import { MessageType, isHostMessage, isViewMessage, mergeSeries } from './contract';

const series = (runId: string, key: string, values: number[]): SampledSeries => ({
  runId,
  key,
  total: values.length,
  steps: values.map((_, i) => i),
  timestamps: values.map((_, i) => i),
  values,
  downsampled: false,
});

test('message guards tell host and view messages apart', () => {
  assert.ok(isViewMessage({ type: MessageType.Ready }));
  assert.ok(!isHostMessage({ type: MessageType.Ready }));
  assert.ok(isHostMessage({ type: MessageType.SeriesUpdate, series: [] }));
  assert.ok(!isViewMessage({ type: 'nonsense' }));
  assert.ok(!isHostMessage(null));
  assert.ok(!isHostMessage('compareSnapshot'));
});

test('mergeSeries replaces by run and key and appends new ones', () => {
  const merged = mergeSeries(
    [series('a', 'loss', [1]), series('a', 'acc', [0.1])],
    [series('a', 'loss', [1, 0.5]), series('b', 'loss', [2])],
  );
  assert.deepEqual(
    merged.map((s) => [s.runId, s.key, s.values]),
    [
      ['a', 'loss', [1, 0.5]],
      ['a', 'acc', [0.1]],
      ['b', 'loss', [2]],
    ],
  );
});
