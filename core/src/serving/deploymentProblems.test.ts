import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentProblems, readDeploymentSchema } from './deploymentSpec';

describe('deploymentProblems', () => {
  it('puts each schema problem at its node', () => {
    assert.deepEqual(
      deploymentProblems({
        api: {
          model: 'runs:/abc/model',
          colour: 'red',
          routes: { variants: [{ name: 'a', model: 'nope' }] },
        },
        'bad name!': { model: 'models:/m/1' },
        empty: {},
      }),
      [
        {
          path: ['bad name!'],
          message:
            "deployment name 'bad name!': use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128)",
        },
        { path: ['api', 'colour'], message: "unknown field 'colour' in api" },
        {
          path: ['api', 'model'],
          message: 'api.model: use models:/<name>@<alias> or models:/<name>/<version>',
        },
        {
          path: ['api', 'routes', 'variants', 0, 'model'],
          message:
            'api.routes.variants.0.model: use models:/<name>@<alias> or models:/<name>/<version>',
        },
        { path: ['empty'], message: "missing field 'model' (or 'graph') in empty" },
      ],
    );
  });

  it("puts the first rule each valid deployment breaks at its node, worded as the parser's", () => {
    assert.deepEqual(
      deploymentProblems({
        scale: { model: 'models:/m/1', replicas: { min: 3, max: 1 } },
        twice: {
          model: 'models:/m/1',
          routes: {
            variants: [
              { name: 'a', weight: 1 },
              { name: 'a', weight: 1 },
            ],
          },
        },
        idle: { model: 'models:/m/1', routes: { variants: [{ name: 'a', weight: 0 }] } },
        crown: {
          model: 'models:/m/1',
          routes: { champion: 'b', variants: [{ name: 'a', weight: 1 }] },
        },
        guard: { model: 'models:/m/1', rollback: { window_s: 5 } },
        fine: { model: 'models:/m@champion' },
      }),
      [
        { path: ['scale', 'replicas'], message: 'scale.replicas: max (1) is below min (3)' },
        {
          path: ['twice', 'routes', 'variants', 1, 'name'],
          message: "twice: variant 'a' is listed twice",
        },
        {
          path: ['idle', 'routes', 'variants'],
          message: 'idle: give at least one variant that is not a shadow a positive weight',
        },
        {
          path: ['crown', 'routes', 'champion'],
          message: "crown: routes.champion 'b' is not a variant taking traffic",
        },
        {
          path: ['guard', 'rollback'],
          message: 'guard.rollback: give max_error_rate, max_p99_ms or both',
        },
      ],
    );
    assert.deepEqual(deploymentProblems(undefined), []);
  });

  it('reads the published schema', () => {
    const schema = readDeploymentSchema() as { definitions: Record<string, unknown> };
    assert.ok(schema.definitions.deployment);
  });
});
