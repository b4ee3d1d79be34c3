import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serveDeployment, type RunningDeployment } from './deployment';
import { EchoDeployment } from './echoDeployment.testing';
import { seededRandom, type RollbackEvidence } from './traffic';

const echo = new EchoDeployment('sextant-deployment-', 10);
const { db, log, script } = echo;
const variant = echo.variant.bind(echo);
const rollbacks: RollbackEvidence[] = [];
const changes: Record<string, number>[] = [];
let deployment: RunningDeployment;

before(async () => {
  deployment = await echo.start(
    { champion: 90, challenger: 10 },
    {
      stickyHeader: 'x-user-id',
      random: seededRandom(7),
      guard: { champion: 'champion', windowMs: 60_000, minRequests: 5, maxP99Ms: 1_000 },
      onAutoRollback: (evidence) => rollbacks.push(evidence),
      onTraffic: (weights) => changes.push(weights),
    },
  );
});

after(() => echo.close());

async function invoke(
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; variant: string | null; body: { predictions?: unknown } }> {
  const response = await fetch(`${deployment.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    variant: response.headers.get('x-sextant-variant'),
    body: (await response.json()) as { predictions?: unknown },
  };
}

async function many<T>(n: number, call: (i: number) => Promise<T>, parallel = 16): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

describe('serveDeployment', () => {
  it('splits 2,000 requests 90/10 within sampling error and names the variant that answered', async () => {
    const answers = await many(2000, (i) => invoke({ inputs: [i] }));
    assert.ok(answers.every((a) => a.status === 200));
    const challenger = answers.filter((a) => a.variant === 'challenger').length;
    const champion = answers.filter((a) => a.variant === 'champion').length;
    assert.equal(champion + challenger, 2000, 'a shadow never answers');
    // 10% of 2,000: 200 ± 4 standard deviations (sd = sqrt(2000 * 0.1 * 0.9) ≈ 13.4).
    assert.ok(Math.abs(challenger - 200) < 54, `challenger answered ${challenger} of 2000`);
  });

  it('keeps a request key on one variant, as online assignment does', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const first = await many(200, (i) => invoke({ inputs: [i] }, { 'x-user-id': keys[i]! }));
    const again = await many(200, (i) => invoke({ inputs: [i] }, { 'x-user-id': keys[i]! }));
    assert.deepEqual(
      again.map((a) => a.variant),
      first.map((a) => a.variant),
    );
    assert.ok(first.some((a) => a.variant === 'challenger'));
    // The key is logged as the request's unit, what an experiment is analysed by.
    log.flush();
    const units = db
      .prepare(`SELECT DISTINCT unit FROM inference_log WHERE unit LIKE 'user-%'`)
      .all() as { unit: string }[];
    assert.equal(units.length, 200);
  });

  it('logs what the shadow answered with its variant, never returning it', async () => {
    const answer = await invoke({ inputs: ['shadowed'] }, { 'x-request-id': 'shadow-check' });
    assert.notEqual(answer.variant, 'mirror');
    // The shadow answers after the caller got its answer: wait for both rows (10 s at most).
    const logged = () => {
      log.flush();
      return db
        .prepare(
          `SELECT variant, version, deployment, status FROM inference_log WHERE request_id = ?`,
        )
        .all('shadow-check') as { variant: string; version: string; deployment: string }[];
    };
    let rows = logged();
    for (const end = Date.now() + 10_000; rows.length < 2 && Date.now() < end; rows = logged()) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(rows.map((r) => r.variant).sort(), [answer.variant, 'mirror'].sort());
    const shadow = rows.find((r) => r.variant === 'mirror')!;
    assert.equal(shadow.version, '3');
    assert.equal(shadow.deployment, 'echo-api');
  });

  it('counts requests per variant in /metrics, shadows included', async () => {
    const text = await (await fetch(`${deployment.url}/metrics`)).text();
    const count = (variant: string): number =>
      Number(
        new RegExp(
          `sextant_serving_variant_requests_total\\{deployment="echo-api",variant="${variant}",version="\\d",status="200"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    assert.ok(count('champion') > 1500, text);
    assert.ok(count('challenger') > 100);
    assert.ok(count('mirror') >= 2000);
  });

  it('changes the weights through the admin route, refusing bad ones with 400', async () => {
    const url = `${deployment.url}/v2/sextant/deployments/echo-api/traffic`;
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { weights?: Record<string, number>; error?: string },
      }));
    const bad = await post({ weights: { nobody: 5 } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error!, /no variant 'nobody'/);
    assert.equal((await post({ weights: { mirror: 5 } })).status, 400);
    assert.equal((await post({ weights: { champion: 0, challenger: 0 } })).status, 400);
    const ok = await post({ weights: { champion: 0, challenger: 100 } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.weights, { champion: 0, challenger: 100 });
    assert.deepEqual(changes.at(-1), { champion: 0, challenger: 100 });
    const answers = await many(50, (i) => invoke({ inputs: [i] }));
    assert.ok(answers.every((a) => a.variant === 'challenger'));
    const other = await fetch(`${deployment.url}/v2/sextant/deployments/other/traffic`, {
      method: 'POST',
      body: '{"weights":{}}',
    });
    assert.equal(other.status, 404);
  });

  it('returns traffic to the champion when the canary passes its p99 limit, with the evidence', async () => {
    deployment.traffic.setWeights({ champion: 50, challenger: 50 });
    const slow = await many(
      40,
      (i) => invoke({ inputs: [i], sleep: 1.2 }, { 'x-user-id': `slow-${i}` }),
      8,
    );
    assert.ok(slow.some((a) => a.variant === 'challenger'));
    assert.equal(rollbacks.length, 1);
    const [evidence] = rollbacks;
    assert.equal(evidence?.variant, 'challenger');
    assert.ok(evidence!.p99Ms > 1_000, `p99 ${evidence?.p99Ms}`);
    assert.ok(evidence!.requests >= 5);
    assert.deepEqual(evidence?.before, { champion: 50, challenger: 50 });
    assert.deepEqual(deployment.traffic.weights(), { champion: 100, challenger: 0 });
    const after = await many(30, (i) => invoke({ inputs: [i] }, { 'x-user-id': `slow-${i}` }));
    assert.ok(after.every((a) => a.variant === 'champion'));
  });

  it('asks for the token on its admin routes when one is set', async () => {
    const guarded = await serveDeployment({
      name: 'guarded',
      variants: [variant('champion', '1', 1), variant('challenger', '2', 1)],
      script,
      adminToken: 's3cret',
    });
    try {
      const url = `${guarded.url}/v2/sextant/deployments/guarded`;
      assert.equal((await fetch(url)).status, 401);
      const wrong = await fetch(url, { headers: { authorization: 'Bearer s3cre7' } });
      assert.equal(wrong.status, 401);
      assert.match(((await wrong.json()) as { error: string }).error, /requires a token/);
      const right = await fetch(url, { headers: { authorization: 'Bearer s3cret' } });
      assert.equal(right.status, 200);
      assert.deepEqual(((await right.json()) as { weights: unknown }).weights, {
        champion: 1,
        challenger: 1,
      });
    } finally {
      await guarded.close();
    }
  });
});
