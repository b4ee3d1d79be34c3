import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  ModelVersionSummary,
  ServingDeploymentSummary,
} from '@sextant/language-server/protocol';
import {
  deployabilityText,
  deploymentItem,
  deploymentNameProblem,
  deployTargets,
  parseWeights,
  replicasProblem,
  variantNodes,
} from './model';

const deployment = (status: ServingDeploymentSummary['status']): ServingDeploymentSummary => ({
  name: 'churn-api',
  status,
  variants: [
    {
      name: 'champion',
      model: 'churn',
      version: '1',
      uri: 'models:/churn@champion',
      weight: 3,
      shadow: false,
      replicas: 1,
    },
    {
      name: 'challenger',
      model: 'churn',
      version: '2',
      uri: 'models:/churn/2',
      weight: 1,
      shadow: false,
      replicas: 1,
    },
  ],
});

const version = (deployable: boolean): ModelVersionSummary =>
  ({
    name: 'churn',
    version: '2',
    aliases: ['challenger'],
    deployable,
    reasons: deployable
      ? []
      : ['No signature: log the model with a signature or an input_example.'],
  }) as unknown as ModelVersionSummary;

test('a deployment item names its status and canary in its context value', () => {
  assert.equal(deploymentItem(deployment('running')).contextValue, 'deployment.running.canary');
  assert.equal(deploymentItem(deployment('stopped')).contextValue, 'deployment.stopped.canary');
  const single = { ...deployment('running'), variants: deployment('running').variants.slice(0, 1) };
  assert.equal(deploymentItem(single).contextValue, 'deployment.running');
  assert.equal(
    deploymentItem(deployment('running'), true).contextValue,
    'deployment.running.canary.experiment',
  );
  assert.equal(deploymentItem({ name: 'x', status: 'declared', variants: [] }).collapsible, 'none');
  assert.deepEqual(
    variantNodes(deployment('running')).map((n) => n.kind === 'variant' && n.share),
    [75, 25],
  );
});

test('a version deploys through its aliases or as itself; a model through its aliases', () => {
  assert.deepEqual(
    deployTargets('churn', { version: version(true) }).map((t) => t.uri),
    ['models:/churn@challenger', 'models:/churn/2'],
  );
  assert.deepEqual(
    deployTargets('churn', {
      model: {
        name: 'churn',
        description: '',
        lastUpdatedTimestamp: 0,
        tags: [],
        aliases: [{ alias: 'champion', version: '1' }],
        latestVersion: '3',
      },
    }).map((t) => t.uri),
    ['models:/churn@champion', 'models:/churn/3'],
  );
});

test('the Deploy form checks deployability, names and replicas', () => {
  assert.equal(deployabilityText(version(true)).ok, true);
  const blocked = deployabilityText(version(false));
  assert.equal(blocked.ok, false);
  assert.match(blocked.text, /may not deploy: No signature/);
  assert.equal(deploymentNameProblem('churn-api', []), undefined);
  assert.match(deploymentNameProblem('-bad', []) ?? '', /starting with a letter/);
  assert.match(deploymentNameProblem('churn-api', ['churn-api']) ?? '', /exists/);
  assert.equal(replicasProblem('2'), undefined);
  assert.ok(replicasProblem('0'));
  assert.ok(replicasProblem('1.5'));
});

test('weights are read as variant=weight for known variants', () => {
  assert.deepEqual(parseWeights('champion=90 challenger=10', ['champion', 'challenger']), {
    champion: 90,
    challenger: 10,
  });
  assert.match(String(parseWeights('x=1', ['champion'])), /No variant 'x'/);
  assert.match(String(parseWeights('champion:1', ['champion'])), /is not variant=weight/);
});
