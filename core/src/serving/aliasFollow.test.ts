import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notFound } from '../model/errors';
import { followedWeights, movedAliases } from './aliasFollow';
import type { DeploymentState, VariantState } from './deploymentRecords';

const variant = (name: string, version: string, uri: string, weight: number): VariantState => ({
  name,
  model: 'm',
  version,
  uri,
  weight,
  shadow: false,
  replicas: 1,
});

const state = (champion: string, challenger: string, shadow?: string): DeploymentState => ({
  status: 'running',
  champion: 'champion',
  variants: [
    variant('champion', champion, 'models:/m@champion', 90),
    variant('challenger', challenger, 'models:/m@challenger', 10),
    ...(shadow ? [{ ...variant('mirror', shadow, 'models:/m/1', 0), shadow: true }] : []),
  ],
});

const declared = { champion: 90, challenger: 10, mirror: 0 };

describe('following aliases', () => {
  it('gives a new challenger its declared share, and no traffic to a variant serving the champion’s version', () => {
    // Starting: the challenger is the champion's own version.
    assert.deepEqual(followedWeights(state('1', '1'), declared, { champion: 90, challenger: 10 }), {
      champion: 100,
      challenger: 0,
    });
    // A new challenger rolled in after an experiment had rolled the last one back.
    assert.deepEqual(
      followedWeights(state('1', '2'), declared, { champion: 100, challenger: 0 }, ['challenger']),
      { champion: 90, challenger: 10 },
    );
    // Just promoted: the champion rolled to the challenger's version and takes the traffic back.
    assert.deepEqual(
      followedWeights(state('2', '2', '1'), declared, { champion: 0, challenger: 100 }, [
        'champion',
      ]),
      { champion: 100, challenger: 0 },
    );
    // A promotion reversed by hand: the champion rolled back, the rollback's weights hold.
    assert.deepEqual(
      followedWeights(state('1', '2'), declared, { champion: 100, challenger: 0 }, ['champion']),
      { champion: 100, challenger: 0 },
    );
  });

  it('finds the variants whose alias names another version now, and leaves unset aliases alone', async () => {
    const aliases: Record<string, string> = { champion: '1', challenger: '3' };
    const registry = {
      getVersionByAlias: async (model: string, alias: string) => {
        const version = aliases[alias];
        if (!version) throw notFound(`no alias ${alias} on ${model}`);
        return { version } as Awaited<
          ReturnType<Parameters<typeof movedAliases>[0]['getVersionByAlias']>
        >;
      },
    };
    assert.deepEqual(await movedAliases(registry, state('1', '2', '1')), [
      { variant: 'challenger', model: 'm', alias: 'challenger', from: '2', to: '3' },
    ]);
    delete aliases.challenger;
    assert.deepEqual(await movedAliases(registry, state('1', '2')), []);
  });
});
