import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveStats, quantile, type GaugeSource } from './liveStats';

const gauge = (name: string, queueDepth = 0, ready = 1): GaugeSource => ({
  name,
  model: 'm',
  version: '1',
  weight: 50,
  shadow: false,
  runtime: { queueDepth, replicaCounts: { ready, starting: 0 } },
});

const T = 1_700_000_000_000;

describe('LiveStats', () => {
  it('takes nearest-rank quantiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantile(sorted, 0.5), 50);
    assert.equal(quantile(sorted, 0.99), 99);
    assert.equal(quantile([], 0.5), null);
  });

  it('gives per-variant rate, percentiles, errors and batches over the window', () => {
    const stats = new LiveStats(60);
    for (let s = 0; s < 10; s++) {
      for (let i = 1; i <= 10; i++) stats.request('a', i === 10 ? 503 : 200, i, T + s * 1000 + i);
      stats.batch('a', 2, T + s * 1000);
      stats.batch('a', 4, T + s * 1000);
    }
    stats.request('b', 200, 100, T + 9_000);
    const snap = stats.snapshot('d', [gauge('a', 3, 2), gauge('b')], 10, T + 9_500);
    const [a, b] = snap.variants;
    assert.equal(snap.seconds.length, 10);
    assert.equal(a!.requests, 100);
    assert.equal(a!.requestRate, 10);
    assert.equal(a!.errors, 10);
    assert.equal(a!.errorRate, 0.1);
    assert.equal(a!.p50Ms, 5);
    assert.equal(a!.p90Ms, 9);
    assert.equal(a!.p99Ms, 10);
    assert.equal(a!.meanBatchSize, 3);
    assert.equal(a!.queueDepth, 3);
    assert.equal(a!.replicasReady, 2);
    assert.deepEqual(a!.series.requests, Array(10).fill(10));
    assert.deepEqual(a!.series.p99Ms, Array(10).fill(10));
    assert.equal(b!.requests, 1);
    assert.deepEqual(b!.series.requests, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(b!.series.p50Ms.slice(0, 9), Array(9).fill(null));
  });

  it('forgets seconds older than the window, and a slot reused after wrapping', () => {
    const stats = new LiveStats(5);
    stats.request('a', 200, 1, T);
    stats.request('a', 200, 1, T + 5_000);
    const snap = stats.snapshot('d', [gauge('a')], 5, T + 5_000);
    assert.equal(snap.variants[0]!.requests, 1);
    assert.equal(stats.snapshot('d', [gauge('a')], 60, T + 60_000).variants[0]!.requests, 0);
  });

  it('keeps a bounded latency sample per second', () => {
    const stats = new LiveStats(10, () => 0.999);
    for (let i = 0; i < 5_000; i++) stats.request('a', 200, i < 512 ? 1 : 1000, T);
    const v = stats.snapshot('d', [gauge('a')], 1, T).variants[0]!;
    assert.equal(v.requests, 5_000);
    assert.equal(v.p99Ms, 1);
  });

  it('samples queue depth and replicas into the series', () => {
    const stats = new LiveStats(10);
    stats.sample(gauge('a', 7, 3), T);
    const v = stats.snapshot('d', [gauge('a', 0, 1)], 2, T + 1_000).variants[0]!;
    assert.deepEqual(v.series.queueDepth, [7, null]);
    assert.deepEqual(v.series.replicas, [3, null]);
  });
});
