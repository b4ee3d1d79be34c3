import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { deliver, retryDelay, type ReceiverResponse } from './delivery';
import type { Announcement } from './payloads';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './settings';
import { signDelivery } from './signing';

const OPEN: WebhookSettings = {
  ...DEFAULT_WEBHOOK_SETTINGS,
  allowedSchemes: ['http', 'https'],
  allowPrivateIps: true,
  timeoutMs: 300,
  maxRetries: 3,
  backoffMs: 5,
};

const ANNOUNCEMENT: Announcement = {
  event: { entity: 'model_version', action: 'created' },
  data: { name: 'churn', version: '3' },
};

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real receiver on loopback whose answers the test scripts, one per request. */
let server: http.Server;
let base: string;
let script: ((response: http.ServerResponse) => void)[] = [];
let seen: Seen[] = [];

before(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = script.shift() ?? ((r: http.ServerResponse) => r.end('ok'));
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const status =
  (code: number, headers: Record<string, string> = {}) =>
  (r: http.ServerResponse) => {
    r.writeHead(code, headers);
    r.end(`status ${code}`);
  };
const hang = () => (): void => undefined;

function fresh(...answers: ((r: http.ServerResponse) => void)[]): void {
  script = answers;
  seen = [];
}

describe('deliver', () => {
  it('posts the envelope with the delivery headers and a signature a receiver can check', async () => {
    fresh(status(200));
    const outcome = await deliver({ url: `${base}/hook`, secret: 'k' }, ANNOUNCEMENT, OPEN);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.attempts, 1);
    const [request] = seen as [Seen];
    const id = request.headers['x-mlflow-delivery-id'] as string;
    const timestamp = request.headers['x-mlflow-timestamp'] as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 5);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(
      request.headers['x-mlflow-signature'],
      signDelivery('k', id, timestamp, request.body),
    );
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['entity', 'action', 'timestamp', 'data']);
    assert.deepEqual(body.data, { name: 'churn', version: '3' });
  });

  it('sends no signature without a secret', async () => {
    fresh(status(204));
    await deliver({ url: `${base}/hook`, secret: '' }, ANNOUNCEMENT, OPEN);
    assert.equal(seen[0]?.headers['x-mlflow-signature'], undefined);
  });

  it('retries 5xx and 429 with the same delivery, then stops at the first success', async () => {
    fresh(status(503), status(500), status(429), status(200));
    const outcome = await deliver({ url: `${base}/hook`, secret: 'k' }, ANNOUNCEMENT, OPEN);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.attempts, 4);
    assert.equal(new Set(seen.map((s) => s.headers['x-mlflow-delivery-id'])).size, 1);
    assert.equal(new Set(seen.map((s) => s.body)).size, 1);
  });

  it('gives up after maxRetries retries and reports the last answer', async () => {
    fresh(status(502), status(502), status(502), status(502), status(200));
    const outcome = await deliver({ url: `${base}/hook`, secret: '' }, ANNOUNCEMENT, OPEN);
    assert.equal(outcome.status, 502);
    assert.equal(outcome.attempts, 4);
    assert.equal(seen.length, 4);
  });

  it('does not retry a 4xx other than 429', async () => {
    fresh(status(404), status(200));
    const outcome = await deliver({ url: `${base}/hook`, secret: '' }, ANNOUNCEMENT, OPEN);
    assert.equal(outcome.status, 404);
    assert.equal(seen.length, 1);
  });

  it('times an attempt out and retries it', async () => {
    fresh(hang(), status(200));
    const started = Date.now();
    const outcome = await deliver({ url: `${base}/slow`, secret: '' }, ANNOUNCEMENT, OPEN);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.attempts, 2);
    assert.ok(Date.now() - started >= OPEN.timeoutMs);
  });

  it('reports a receiver that never answers within the retries as an error', async () => {
    fresh(hang(), hang());
    const outcome = await deliver({ url: `${base}/slow`, secret: '' }, ANNOUNCEMENT, {
      ...OPEN,
      maxRetries: 1,
    });
    assert.equal(outcome.status, undefined);
    assert.equal(outcome.attempts, 2);
    assert.match(outcome.error ?? '', /timed out after 300 ms/);
  });

  it('waits between retries as urllib3 does, and obeys Retry-After', async () => {
    const waits: number[] = [];
    fresh(status(500), status(503, { 'Retry-After': '2' }), status(500), status(200));
    await deliver({ url: `${base}/hook`, secret: '' }, ANNOUNCEMENT, OPEN, {
      wait: async (ms) => void waits.push(ms),
    });
    assert.deepEqual(waits, [0, 2000, 20]);
    const settings = { backoffMs: 1000, backoffMaxMs: 60_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 8].map((n) => retryDelay(n, settings)),
      [0, 2000, 4000, 8000, 60_000],
    );
    const dated: ReceiverResponse = {
      status: 429,
      body: '',
      retryAfter: new Date(Date.now() + 3000).toUTCString(),
    };
    assert.ok(Math.abs(retryDelay(1, settings, dated) - 3000) < 1100);
  });

  it('refuses a loopback receiver unless private addresses are allowed, without trying it', async () => {
    fresh(status(200));
    const outcome = await deliver({ url: `${base}/hook`, secret: '' }, ANNOUNCEMENT, {
      ...OPEN,
      allowPrivateIps: false,
    });
    assert.equal(outcome.attempts, 0);
    assert.match(outcome.error ?? '', /non-public IP address/);
    assert.equal(seen.length, 0);
  });

  it('refuses at connect time a public-looking name that is dialled on loopback', async () => {
    fresh(status(200));
    const port = (server.address() as AddressInfo).port;
    const outcome = await deliver(
      { url: `http://localhost:${port}/hook`, secret: '' },
      ANNOUNCEMENT,
      { ...OPEN, allowPrivateIps: false },
      // the check sees a public address; the socket's own lookup then finds loopback
      { resolve: async () => ['93.184.215.14'] },
    );
    assert.equal(outcome.status, undefined);
    assert.equal(outcome.attempts, 1);
    assert.match(outcome.error ?? '', /not a public IP address/);
    assert.equal(seen.length, 0);
  });
});
