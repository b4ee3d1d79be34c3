import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServingDeploymentSummary } from '@sextant/language-server/protocol';
import {
  canaryWeights,
  deploymentDescription,
  deploymentTooltip,
  formatMs,
  suggestedDeploymentName,
  trafficShares,
} from './deployments';

const running: ServingDeploymentSummary = {
  name: 'churn-api',
  status: 'running',
  url: 'http://127.0.0.1:9000',
  variants: [
    {
      name: 'champion',
      model: 'churn',
      version: '1',
      uri: 'models:/churn@champion',
      weight: 9,
      shadow: false,
      replicas: 2,
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
    {
      name: 'mirror',
      model: 'churn',
      version: '3',
      uri: 'models:/churn/3',
      weight: 0,
      shadow: true,
      replicas: 1,
    },
  ],
  live: { requestRate: 12.345, errorRate: 0.005, p50Ms: 2.04, p99Ms: 120.4 },
};

test('a deployment reads as its split and live figures', () => {
  assert.deepEqual(trafficShares(running.variants), { champion: 90, challenger: 10 });
  assert.equal(
    deploymentDescription(running),
    'champion 90% / challenger 10% · 12.3 req/s · p50 2.0 ms · p99 120 ms · 0.5% errors',
  );
  assert.equal(deploymentDescription({ ...running, status: 'stopped' }), 'stopped');
  assert.match(
    deploymentTooltip(running),
    /mirror: models:\/churn\/3 \(version 3\) · v3 · shadow · 1 replica$/m,
  );
  assert.equal(formatMs(null), '–');
});

test('the canary slider gives the champion the rest, and names are proposed from a model', () => {
  assert.deepEqual(canaryWeights('champion', 'challenger', 25), { champion: 75, challenger: 25 });
  assert.deepEqual(canaryWeights('a', 'b', 140), { a: 0, b: 100 });
  assert.equal(suggestedDeploymentName('Churn Classifier'), 'churn-classifier-api');
  assert.equal(suggestedDeploymentName('__'), 'model-api');
});
