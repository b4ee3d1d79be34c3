import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import { SextantError } from '../model/errors';
import type { DeliveryOutcome } from './delivery';
import { signDelivery } from './signing';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { entity: string; action: string; data: Record<string, unknown> };
  raw: string;
}

let dir: string;
let engine: Engine;
let receiver: http.Server;
let base: string;
const received: Received[] = [];
/** Paths whose requests are held unanswered (a slow receiver). */
const held: http.ServerResponse[] = [];

before(async () => {
  // MLflow's escape hatch, so the receiver may be on loopback over http; a short timeout
  process.env.MLFLOW_WEBHOOK_ALLOWED_SCHEMES = 'http';
  process.env.MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS = 'true';
  process.env.MLFLOW_WEBHOOK_REQUEST_TIMEOUT = '1';
  process.env.MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES = '0';
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-webhooks-'));
  engine = Engine.open({ storeDir: dir });
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        raw,
        body: JSON.parse(raw) as Received['body'],
      });
      if (request.url === '/slow') held.push(response);
      else response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const run = await engine.tracking.createRun({});
  await engine.artifacts.write(
    `0/${run.info.runId}/artifacts/model/MLmodel`,
    Buffer.from('flavors:\n  python_function: {}\n'),
  );
  runSource = `runs:/${run.info.runId}/model`;
});

let runSource: string;

after(async () => {
  for (const response of held) response.end();
  await engine.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await engine.webhooks.idle();
}

const at = (p: string): Received[] => received.filter((r) => r.path === p);

describe('webhook service', () => {
  it('stores secrets but never returns them, and keeps one when an update leaves it out', async () => {
    const created = await engine.webhooks.create({
      name: 'secretive',
      url: `${base}/secret`,
      events: [{ entity: 'registered_model', action: 'created' }],
      secret: 'hush',
    });
    const shown = [
      created,
      await engine.webhooks.get(created.webhookId),
      ...(await engine.webhooks.list()).items,
      await engine.webhooks.update(created.webhookId, { description: 'changed' }),
    ];
    for (const webhook of shown) assert.ok(!JSON.stringify(webhook).includes('hush'));
    await engine.registry.createModel({ name: 'secret-model' });
    await settle();
    const [delivery] = at('/secret');
    assert.ok(delivery);
    assert.equal(
      delivery.headers['x-mlflow-signature'],
      signDelivery(
        'hush',
        delivery.headers['x-mlflow-delivery-id'] as string,
        delivery.headers['x-mlflow-timestamp'] as string,
        delivery.raw,
      ),
    );
    await engine.webhooks.delete(created.webhookId);
  });

  it('delivers only to active webhooks subscribed to the event', async () => {
    const alias = await engine.webhooks.create({
      name: 'alias-only',
      url: `${base}/alias`,
      events: [{ entity: 'model_version_alias', action: 'created' }],
    });
    const off = await engine.webhooks.create({
      name: 'off',
      url: `${base}/off`,
      events: [{ entity: 'model_version_alias', action: 'created' }],
      status: 'DISABLED',
    });
    await engine.registry.createModel({ name: 'sub-model' });
    await engine.registry.createVersion({ name: 'sub-model', source: runSource });
    await engine.registry.setAlias('sub-model', 'champion', '1');
    await settle();
    assert.deepEqual(
      at('/alias').map((r) => [r.body.entity, r.body.action, r.body.data]),
      [['model_version_alias', 'created', { name: 'sub-model', alias: 'champion', version: '1' }]],
    );
    assert.equal(at('/off').length, 0);
    await engine.webhooks.update(off.webhookId, { status: 'ACTIVE' });
    await engine.registry.setAlias('sub-model', 'challenger', '1');
    await settle();
    assert.equal(at('/off').length, 1);
    await engine.webhooks.delete(alias.webhookId);
    await engine.webhooks.delete(off.webhookId);
  });

  it("announces a prompt's changes as prompt events, as MLflow does", async () => {
    const hook = await engine.webhooks.create({
      name: 'prompts',
      url: `${base}/prompts`,
      events: [
        { entity: 'prompt', action: 'created' },
        { entity: 'prompt_version', action: 'created' },
        { entity: 'prompt_tag', action: 'set' },
        { entity: 'registered_model', action: 'created' },
      ],
    });
    await engine.registry.createModel({
      name: 'greeting',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'team', value: 'nlp' },
      ],
    });
    await engine.registry.createVersion({
      name: 'greeting',
      source: runSource,
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.text', value: 'Hello {{name}}!' },
      ],
    });
    await engine.registry.setModelTag('greeting', { key: 'owner', value: 'ada' });
    await engine.registry.createModel({ name: 'plain' });
    await engine.registry.setModelTag('plain', { key: 'owner', value: 'ada' });
    await settle();
    assert.deepEqual(
      at('/prompts').map((r) => [`${r.body.entity}.${r.body.action}`, r.body.data]),
      [
        ['prompt.created', { name: 'greeting', tags: { team: 'nlp' }, description: '' }],
        [
          'prompt_version.created',
          {
            name: 'greeting',
            version: '1',
            template: 'Hello {{name}}!',
            tags: {},
            description: null,
          },
        ],
        ['prompt_tag.set', { name: 'greeting', key: 'owner', value: 'ada' }],
        ['registered_model.created', { name: 'plain', tags: {}, description: '' }],
      ],
    );
    await engine.webhooks.delete(hook.webhookId);
  });

  it('never makes a registry call wait for a slow receiver', async () => {
    const hook = await engine.webhooks.create({
      name: 'slow',
      url: `${base}/slow`,
      events: [{ entity: 'registered_model', action: 'created' }],
    });
    const outcomes: DeliveryOutcome[] = [];
    const listener = (outcome: DeliveryOutcome): void => void outcomes.push(outcome);
    engine.webhooks.events.on('delivered', listener);
    const started = performance.now();
    for (let i = 0; i < 5; i++) await engine.registry.createModel({ name: `quick-${i}` });
    const took = performance.now() - started;
    await settle();
    engine.webhooks.events.off('delivered', listener);
    assert.ok(took < 500, `5 registry calls took ${took} ms`);
    assert.equal(outcomes.length, 5);
    for (const outcome of outcomes) assert.match(outcome.error ?? '', /timed out after 1000 ms/);
    await engine.webhooks.delete(hook.webhookId);
  });

  it("pages newest first with MLflow's tokens and refuses bad ones", async () => {
    const ids: string[] = [];
    for (const name of ['p1', 'p2', 'p3']) {
      ids.push(
        (
          await engine.webhooks.create({
            name,
            url: `${base}/page`,
            events: [{ entity: 'prompt', action: 'created' }],
          })
        ).webhookId,
      );
    }
    const first = await engine.webhooks.list(2);
    assert.deepEqual(
      first.items.map((w) => w.webhookId),
      [ids[2], ids[1]],
    );
    assert.equal(Buffer.from(first.nextPageToken ?? '', 'base64').toString(), '{"offset": 2}');
    const second = await engine.webhooks.list(2, first.nextPageToken);
    assert.equal(second.items[0]?.webhookId, ids[0]);
    const invalid = (e: unknown) =>
      e instanceof SextantError && e.code === 'INVALID_PARAMETER_VALUE';
    await assert.rejects(engine.webhooks.list(2, '%%%'), invalid);
    await assert.rejects(
      engine.webhooks.list(2, Buffer.from('{"offset": -1}').toString('base64')),
      invalid,
    );
    await assert.rejects(engine.webhooks.list(0 - 1), invalid);
    await assert.rejects(
      engine.webhooks.get('nope'),
      (e: unknown) => e instanceof SextantError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
    for (const id of ids) await engine.webhooks.delete(id);
  });
});
