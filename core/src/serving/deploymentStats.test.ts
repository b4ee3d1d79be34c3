import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningDeployment } from './deployment';
import { EchoDeployment } from './echoDeployment.testing';
import type { DeploymentStats } from './liveStats';
import { seededRandom } from './traffic';

const echo = new EchoDeployment('sextant-deployment-stats-', 10);
let deployment: RunningDeployment;

before(async () => {
  deployment = await echo.start(
    { champion: 50, challenger: 50 },
    { maxBatchSize: 4, maxBatchDelayMs: 20, random: seededRandom(3) },
  );
});

after(() => echo.close());

type StatsAnswer = DeploymentStats & { requests: { requestId: string; variant?: string }[] };

describe('the live stats route of a deployment', () => {
  it('answers per-variant figures over the window and the latest logged requests', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${deployment.url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: [[i]], sleep: 0.01 }),
        }).then((r) => r.headers.get('x-sextant-variant')),
      ),
    );
    const byVariant = (name: string) => answers.filter((a) => a === name).length;
    const response = await fetch(
      `${deployment.url}/v2/sextant/deployments/echo-api/stats?window=30&requests=5`,
    );
    assert.equal(response.status, 200);
    const stats = (await response.json()) as StatsAnswer;
    assert.equal(stats.deployment, 'echo-api');
    assert.equal(stats.seconds.length, 30);
    const of = (name: string) => stats.variants.find((v) => v.variant === name)!;
    assert.equal(of('champion').requests, byVariant('champion'));
    assert.equal(of('challenger').requests, byVariant('challenger'));
    assert.equal(stats.total.requests, 40);
    assert.equal(of('champion').errors, 0);
    // Each request sleeps 10 ms in the worker: figures in milliseconds, not seconds.
    assert.ok(of('champion').p50Ms! >= 10, `p50 ${of('champion').p50Ms}`);
    assert.ok(of('champion').p99Ms! >= of('champion').p50Ms!);
    assert.ok(of('champion').meanBatchSize! >= 1);
    assert.equal(of('champion').replicasReady, 1);
    assert.equal(of('mirror').shadow, true);
    for (let i = 0; i < 50 && of('mirror').requests < 40; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const again = (await (
        await fetch(`${deployment.url}/v2/sextant/deployments/echo-api/stats`)
      ).json()) as StatsAnswer;
      stats.variants = again.variants;
    }
    assert.equal(of('mirror').requests, 40);
    assert.equal(stats.requests.length, 5);
  });

  it('refuses a bad window and another deployment name', async () => {
    const bad = await fetch(`${deployment.url}/v2/sextant/deployments/echo-api/stats?window=-1`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /window takes a whole number/);
    const big = await fetch(`${deployment.url}/v2/sextant/deployments/echo-api/stats?window=601`);
    assert.equal(big.status, 400);
    const other = await fetch(`${deployment.url}/v2/sextant/deployments/other/stats`);
    assert.equal(other.status, 404);
    const post = await fetch(`${deployment.url}/v2/sextant/deployments/echo-api/stats`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(post.status, 405);
  });
});
