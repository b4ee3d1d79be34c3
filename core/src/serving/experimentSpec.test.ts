import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeployments } from './deploymentSpec';

const deployment = (experiment: unknown, routes: Record<string, unknown> = {}) => ({
  api: {
    model: 'models:/m@champion',
    routes: {
      variants: [
        { name: 'champion', weight: 90 },
        { name: 'challenger', model: 'models:/m/2', weight: 10 },
      ],
      ...routes,
    },
    experiment,
  },
});

describe('the experiment block of a deployment', () => {
  it('fills defaults and makes the unit header the sticky header', () => {
    const [spec] = parseDeployments(
      deployment({ type: 'bandit', unit: 'x-user', metric: { feedback: 'value' } }),
    );
    assert.equal(spec!.stickyHeader, 'x-user');
    assert.deepEqual(spec!.experiment, {
      type: 'bandit',
      unit: 'x-user',
      metric: {
        name: 'value',
        feedback: 'value',
        kind: 'mean',
        higherIsBetter: true,
        missing: 'exclude',
      },
      guardrails: { minRequests: 100 },
      alpha: 0.05,
      mixingSd: 1,
      minSamples: 100,
      decide: { everyS: 0, promote: true, stop: true, rollback: true },
      bandit: { policy: 'thompson', epsilon: 0.1, everyS: 30, minWeight: 0, seed: 1, draws: 1000 },
    });
  });

  it('names what is wrong', () => {
    const cases: [unknown, RegExp, Record<string, unknown>?][] = [
      [{ type: 'ab' }, /missing field 'metric' in api.experiment/],
      [
        { type: 'abc', metric: { feedback: 'reward' } },
        /api.experiment.type: must be equal to one of/,
      ],
      [
        { type: 'ab', metric: { feedback: 'reward' }, colour: 1 },
        /unknown field 'colour' in api.experiment/,
      ],
      [{ type: 'ab', metric: { feedback: 'reward' }, alpha: 1.5 }, /api.experiment.alpha/],
      [
        { type: 'ab', unit: 'x-a', metric: { feedback: 'reward' } },
        /experiment.unit 'x-a' and routes.sticky_header 'x-b' differ/,
        { sticky_header: 'x-b' },
      ],
    ];
    for (const [experiment, message, routes] of cases) {
      assert.throws(() => parseDeployments(deployment(experiment, routes)), message);
    }
    assert.throws(
      () =>
        parseDeployments({
          api: {
            model: 'models:/m@champion',
            experiment: { type: 'ab', metric: { feedback: 'reward' } },
          },
        }),
      /at least two variants taking traffic/,
    );
  });
});
