import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../engine';
import { startServer, type RunningServer } from '../app';

let dir: string;
let engine: Engine;
let server: RunningServer;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-webhook-routes-'));
  engine = Engine.open({ storeDir: dir });
  server = await startServer(engine, { host: '127.0.0.1', port: 0 });
});

after(async () => {
  await server.close();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const EVENT = { entity: 'MODEL_VERSION', action: 'CREATED' };
/** A public address literal: passes the SSRF rules without a DNS lookup, and is never dialled. */
const PUBLIC = 'https://93.184.215.14/hook';

async function call(method: string, route: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/2.0/mlflow/webhooks${route}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("MLflow's webhook routes", () => {
  it('create, get, update, list and delete in protobuf JSON, without the secret', async () => {
    const created = await call('POST', '', {
      name: 'routes',
      url: PUBLIC,
      events: [EVENT, { entity: 4, action: 1 }],
      secret: 'never-shown',
      status: 'DISABLED',
    });
    assert.equal(created.status, 200);
    const webhook = created.body.webhook as Record<string, unknown>;
    assert.deepEqual(webhook.events, [EVENT, { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }]);
    assert.equal(webhook.status, 'DISABLED');
    assert.equal(webhook.description, undefined);
    const id = webhook.webhook_id as string;
    const updated = await call('PATCH', `/${id}`, {
      description: 'now described',
      status: 'ACTIVE',
    });
    assert.equal((updated.body.webhook as Record<string, unknown>).description, 'now described');
    assert.equal((updated.body.webhook as Record<string, unknown>).status, 'ACTIVE');
    const listed = await call('GET', '?max_results=1');
    assert.equal((listed.body.webhooks as unknown[]).length, 1);
    for (const reply of [created, updated, listed, await call('GET', `/${id}`)]) {
      assert.ok(!JSON.stringify(reply.body).includes('never-shown'));
    }
    assert.deepEqual(await call('DELETE', `/${id}`), { status: 200, body: {} });
    assert.equal((await call('GET', `/${id}`)).status, 404);
  });

  it("answers bad input with 400 in MLflow's error shape", async () => {
    const bad: [unknown, RegExp][] = [
      [{ url: PUBLIC, events: [EVENT] }, /required parameter 'name'/],
      [{ name: 'x', events: [EVENT] }, /required parameter 'url'/],
      [{ name: 'x', url: PUBLIC }, /required parameter 'events'/],
      [{ name: 'x', url: PUBLIC, events: [] }, /required parameter 'events'/],
      [{ name: 'x', url: PUBLIC, events: 'MODEL_VERSION' }, /non-empty list/],
      [{ name: 'x', url: PUBLIC, events: ['MODEL_VERSION'] }, /expected an object/],
      [{ name: 'x', url: PUBLIC, events: [{ entity: 'MODEL', action: 'CREATED' }] }, /entity/],
      [{ name: 'x', url: PUBLIC, events: [{ entity: 0, action: 1 }] }, /entity/],
      [
        { name: 'x', url: PUBLIC, events: [{ entity: 'model_version', action: 'created' }] },
        /entity/,
      ],
      [
        { name: 'x', url: PUBLIC, events: [{ entity: 'REGISTERED_MODEL', action: 'DELETED' }] },
        /Invalid action 'deleted' for entity 'registered_model'. Valid actions are: \['created'\]/,
      ],
      [{ name: 'x', url: PUBLIC, events: [EVENT], status: 'ON' }, /ACTIVE or DISABLED/],
      [{ name: 'a b', url: PUBLIC, events: [EVENT] }, /Webhook name 'a b' is invalid/],
      [{ name: 'x'.repeat(64), url: PUBLIC, events: [EVENT] }, /is invalid/],
      [{ name: 'x', url: 'http://93.184.215.14/', events: [EVENT] }, /scheme: 'http'/],
      [{ name: 'x', url: 'https://192.168.0.1/', events: [EVENT] }, /non-public/],
      [{ name: 'x', url: 7, events: [EVENT] }, /expected a string/],
      [[1, 2], /JSON object/],
    ];
    for (const [body, message] of bad) {
      const reply = await call('POST', '', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.error_code, 'INVALID_PARAMETER_VALUE', JSON.stringify(body));
      assert.match(reply.body.message as string, message, JSON.stringify(body));
    }
    for (const query of ['?max_results=1001', '?max_results=x', '?page_token=%25%25']) {
      const reply = await call('GET', query);
      assert.equal(reply.status, 400, query);
      assert.equal(reply.body.error_code, 'INVALID_PARAMETER_VALUE', query);
    }
    const created = await call('POST', '', { name: 'bad-updates', url: PUBLIC, events: [EVENT] });
    const id = (created.body.webhook as { webhook_id: string }).webhook_id;
    for (const body of [
      { url: 'https://127.0.0.1/' },
      { name: '-x-' },
      { events: [{ entity: 'PROMPT', action: 'SET' }] },
      { status: 3 },
    ]) {
      const reply = await call('PATCH', `/${id}`, body);
      assert.equal(reply.status, 400, JSON.stringify(body));
    }
    const test = await call('POST', `/${id}/test`, { event: { entity: 'PROMPT', action: 'SET' } });
    assert.equal(test.status, 400);
    const missing = await call('PATCH', '/nope', { description: 'x' });
    assert.deepEqual(missing, {
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Webhook with ID nope not found.' },
    });
  });
});
