import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FeedbackStore } from '../feedback';
import type { RunningDeployment } from './deployment';
import { EchoDeployment } from './echoDeployment.testing';
import { seededRandom } from './traffic';

const echo = new EchoDeployment('sextant-feedback-route-', 60_000);
const store = new FeedbackStore(echo.db);
let deployment: RunningDeployment;

before(async () => {
  deployment = await echo.start(
    { champion: 50, challenger: 50 },
    { feedback: store, random: seededRandom(3) },
  );
});

after(() => echo.close());

const postFeedback = async (
  body: string,
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${deployment.url}/v2/sextant/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('POST /v2/sextant/feedback', () => {
  it('joins feedback to the served answer at once (held log rows written first), and reports unknown ids', async () => {
    const served: { id: string; variant: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${deployment.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [i] }),
      });
      assert.equal(response.status, 200);
      served.push({
        id: response.headers.get('x-request-id')!,
        variant: response.headers.get('x-sextant-variant')!,
      });
    }
    const answer = await postFeedback(
      JSON.stringify([
        ...served.map((s, i) => ({ request_id: s.id, reward: i % 2 })),
        { request_id: 'never-served', reward: 1 },
      ]),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { recorded: 20, unknown_request_ids: ['never-served'] });
    const joined = store.join({ deployment: 'echo-api' });
    assert.deepEqual(
      joined.map((o) => [o.requestId, o.variant]).sort(),
      served.map((s) => [s.id, s.variant]).sort(),
    );
    assert.ok(new Set(joined.map((o) => o.variant)).size === 2, 'both variants served');
  });

  it('answers 404 when no id is known and 400 in MLflow shape for a bad body, storing nothing', async () => {
    const unknown = await postFeedback(JSON.stringify({ request_id: 'ghost', reward: 1 }));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
    assert.deepEqual(unknown.body.unknown_request_ids, ['ghost']);
    const before = store.join({ deployment: 'echo-api' }).length;
    for (const [body, pattern] of [
      ['{not json', /not valid JSON/],
      [JSON.stringify({ request_id: 'x', reward: 7 }), /reward must be in \[0, 1\]/],
      [JSON.stringify({ reward: 1 }), /request_id must be/],
      [
        JSON.stringify([{ request_id: 'x', label: 'a' }, { request_id: 'y' }]),
        /feedback\[1\] \(y\): give exactly one/,
      ],
    ] as const) {
      const answer = await postFeedback(body);
      assert.equal(answer.status, 400, body);
      assert.match(String(answer.body.message), pattern);
      assert.ok(typeof answer.body.error_code === 'string');
    }
    assert.equal(store.join({ deployment: 'echo-api' }).length, before);
    const get = await fetch(`${deployment.url}/v2/sextant/feedback`);
    assert.equal(get.status, 405);
  });
});
