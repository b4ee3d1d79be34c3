import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseDeployments } from './deploymentSpec';

const section = (text: string): unknown => (parse(text) as { deployments: unknown }).deployments;

describe('parseDeployments', () => {
  it('reads variants, weights, shadows, batching, logging and rollback limits', () => {
    const [spec] = parseDeployments(
      section(`
deployments:
  iris-api:
    model: models:/iris@champion
    replicas: { min: 2, max: 4 }
    batching: { max_batch_size: 8, max_delay_ms: 5 }
    port: 5050
    request_logging: { sample_rate: 0.25 }
    routes:
      sticky_header: x-user-id
      variants:
        - { name: champion, weight: 90 }
        - { name: challenger, model: models:/iris/2, weight: 10 }
        - { name: mirror, model: models:/iris/3, shadow: true }
    rollback: { window_s: 30, min_requests: 10, max_p99_ms: 250 }
`),
    );
    assert.deepEqual(spec, {
      name: 'iris-api',
      model: 'models:/iris@champion',
      runtime: 'python',
      replicas: { min: 2, max: 4 },
      batching: { maxBatchSize: 8, maxDelayMs: 5 },
      host: '127.0.0.1',
      port: 5050,
      sampleRate: 0.25,
      stickyHeader: 'x-user-id',
      champion: 'champion',
      variants: [
        { name: 'champion', model: 'models:/iris@champion', weight: 90, shadow: false },
        { name: 'challenger', model: 'models:/iris/2', weight: 10, shadow: false },
        { name: 'mirror', model: 'models:/iris/3', weight: 0, shadow: true },
      ],
      rollback: { windowMs: 30_000, minRequests: 10, maxP99Ms: 250 },
      autoscaling: {
        targetConcurrency: 2,
        stableWindowMs: 60_000,
        panicWindowMs: 6_000,
        panicThreshold: 2,
        scaleDownDelayMs: 0,
      },
    });
  });

  it('reads autoscaling in seconds and percentages, as Knative writes them', () => {
    const [spec] = parseDeployments({
      api: {
        model: 'models:/iris/1',
        replicas: { min: 1, max: 3 },
        autoscaling: {
          target_concurrency: 4,
          stable_window_s: 20,
          panic_window_percent: 25,
          panic_threshold_percent: 150,
          scale_down_delay_s: 5,
        },
      },
    });
    assert.deepEqual(spec?.autoscaling, {
      targetConcurrency: 4,
      stableWindowMs: 20_000,
      panicWindowMs: 5_000,
      panicThreshold: 1.5,
      scaleDownDelayMs: 5_000,
    });
    assert.throws(
      () =>
        parseDeployments({
          api: { model: 'models:/m/1', autoscaling: { target_concurrency: 0, window: 3 } },
        }),
      /unknown field 'window' in api.autoscaling.*api.autoscaling.target_concurrency: must be > 0/,
    );
  });

  it('serves the model alone as champion when no routes are given', () => {
    const [spec] = parseDeployments({ api: { model: 'models:/iris/1', replicas: 2 } });
    assert.deepEqual(spec?.variants, [
      { name: 'champion', model: 'models:/iris/1', weight: 100, shadow: false },
    ]);
    assert.deepEqual(spec?.replicas, { min: 2, max: 2 });
  });

  it('names every problem clearly', () => {
    assert.throws(
      () => parseDeployments({ api: { model: 'runs:/abc/model', colour: 'red' } }),
      /unknown field 'colour' in api.*api.model: use models:\/<name>@<alias>/,
    );
    assert.throws(
      () =>
        parseDeployments({
          api: { model: 'models:/m/1', routes: { variants: [{ name: 'a', weight: 0 }] } },
        }),
      /positive weight/,
    );
    assert.throws(
      () => parseDeployments({ api: { model: 'models:/m/1', rollback: { window_s: 5 } } }),
      /max_error_rate, max_p99_ms/,
    );
    assert.throws(
      () => parseDeployments({ api: { model: 'models:/m/1', replicas: { min: 3, max: 1 } } }),
      /max \(1\) is below min \(3\)/,
    );
  });
});
