import { buildServer, Engine } from '@sextant/core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, ok, rawRequest, type RawRequest, type RawResponse } from '../support/http';
import { startServerProcess, tempStore, type ServerProcess } from '../support/server';

/** The generator's seed: the same requests every run, so a failure replays. */
const SEED = 0x5e7a47;
/** Malformed requests sent to each method of each route. */
const PER_ROUTE = 6;
const MLFLOW = '/api/2.0/mlflow';

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A route the server registers: its method and its path pattern (`:param`, `*`). */
interface Route {
  method: string;
  url: string;
}

/** Every route a freshly built server registers, so a route added later is swept too. */
async function serverRoutes(): Promise<Route[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-fuzz-routes-'));
  const engine = Engine.open({ storeDir: path.join(dir, 'store') });
  const routes: Route[] = [];
  try {
    const app = await buildServer(engine, {
      host: '127.0.0.1',
      port: 0,
      onRoute: (method, url) => {
        if (method !== 'HEAD') routes.push({ method, url });
      },
    });
    await app.close();
    return routes;
  } finally {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Nested arrays `depth` deep, as JSON text. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Values of the wrong type, size or shape for any field. */
const BAD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1e30,
  -1e308,
  2 ** 63,
  1.5,
  '',
  ' ',
  'NaN',
  '-Infinity',
  'x'.repeat(20_000),
  '../../../etc/passwd',
  '%2e%2e%2f%2e%2e%2f',
  '\u0000\u0001',
  'é\u202e漢字🚀',
  "' OR 1=1 --",
  [],
  [1, 'a', null, {}],
  Array.from({ length: 2_000 }, (_, i) => `id_${i}`),
  {},
  { key: { key: { key: [] } } },
  JSON.parse(nested(200)) as unknown,
];

/** Page tokens that are not what the server handed out. */
const BAD_TOKENS = [
  '!!!not base64!!!',
  b64('{"offset": 1e30}'),
  b64('{"offset": -5}'),
  b64('{"offset": 1.5}'),
  b64('{"offset": "12"}'),
  b64('[]'),
  b64('null'),
  b64('{'),
  'A'.repeat(10_000),
];

/** Field names the MLflow routes read; each request sets a few of them to bad values. */
const FIELDS = [
  'experiment_id',
  'experiment_ids',
  'run_id',
  'run_uuid',
  'run_ids',
  'name',
  'new_name',
  'key',
  'value',
  'step',
  'timestamp',
  'start_step',
  'end_step',
  'max_results',
  'page_token',
  'filter',
  'filter_string',
  'order_by',
  'run_view_type',
  'view_type',
  'tags',
  'metrics',
  'params',
  'datasets',
  'models',
  'metric_key',
  'path',
  'artifact_file_path',
  'artifact_directory_path',
  'version',
  'alias',
  'stage',
  'source',
  'status',
  'start_time',
  'end_time',
  'artifact_location',
  'description',
  'model_id',
  'source_run_id',
];

/** Values for a path parameter or wildcard: traversal, encoding tricks, sizes. */
const BAD_SEGMENTS = [
  '..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%00',
  'x'.repeat(5_000),
  '%E2%80%AE',
  '%ZZ',
  'a/b/../../..',
];

const pick = <T>(random: () => number, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

/** Headers of a JSON body with its length, so every method frames it the same way. */
const jsonHeaders = (body: string): Record<string, string | number> => ({
  'content-type': 'application/json',
  'content-length': Buffer.byteLength(body),
});

/** One malformed request for `route`, chosen by `random`. */
function malformed(route: Route, random: () => number, ids: Record<string, string>): RawRequest {
  const url = route.url
    .replace(/:(\w+)/g, (_m, name: string) =>
      random() < 0.5 && ids[name] ? (ids[name] as string) : pick(random, BAD_SEGMENTS),
    )
    .replace('*', () => pick(random, BAD_SEGMENTS));
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(random() * 4); i++) {
    const name = pick(random, FIELDS);
    fields[name] =
      name === 'page_token'
        ? pick(random, BAD_TOKENS)
        : random() < 0.3 && ids[name]
          ? ids[name]
          : pick(random, BAD_VALUES);
  }
  if (route.method === 'GET' || route.method === 'DELETE') {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value.slice(0, 300) : [value]) {
        query.append(name, typeof item === 'string' ? item : JSON.stringify(item));
      }
    }
    const body = route.method === 'DELETE' && random() < 0.5 ? JSON.stringify(fields) : undefined;
    return {
      method: route.method,
      path: `${url}?${query.toString()}`,
      ...(body ? { headers: jsonHeaders(body), body } : {}),
    };
  }
  const kind = random();
  const body =
    kind < 0.6
      ? JSON.stringify(fields)
      : kind < 0.7
        ? nested(50_000)
        : kind < 0.8
          ? '{"name": "unterminated'
          : kind < 0.9
            ? JSON.stringify(pick(random, ['text', 42, null, [fields]]))
            : '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
  const contentType =
    random() < 0.9 ? 'application/json' : pick(random, ['text/plain', 'application/xml']);
  return {
    method: route.method,
    path: url,
    headers: { ...jsonHeaders(body), 'content-type': contentType },
    body,
  };
}

/**
 * MLflow's own answer when the artifact store has no multipart or presigned transfers: 501
 * NOT_IMPLEMENTED, which its client reads as "fall back to plain uploads"; not a failure.
 */
const isMlflowNotImplemented = (request: RawRequest, response: RawResponse): boolean =>
  response.status === 501 &&
  /^\/api\/2\.0\/mlflow-artifacts\/(mpu|presigned)\//.test(request.path) &&
  response.body.includes('"NOT_IMPLEMENTED"');

describe('malformed requests to every route of a running sextant server', () => {
  let store: string;
  let server: ServerProcess;
  let routes: Route[];
  const ids: Record<string, string> = {};

  before(async () => {
    routes = await serverRoutes();
    store = tempStore('sextant-fuzz-');
    server = await startServerProcess(store);
    const created = await ok(server.url, `${MLFLOW}/experiments/create`, { name: 'kept' });
    ids.experiment_id = created.experiment_id as string;
    const run = (await ok(server.url, `${MLFLOW}/runs/create`, {
      experiment_id: ids.experiment_id,
    })) as { run: { info: { run_id: string } } };
    ids.run_id = run.run.info.run_id;
    ids.run_uuid = ids.run_id;
    await ok(server.url, `${MLFLOW}/runs/log-batch`, {
      run_id: ids.run_id,
      metrics: [0, 1, 2].map((step) => ({
        key: 'loss',
        value: 1 / (step + 1),
        timestamp: 7,
        step,
      })),
      params: [{ key: 'lr', value: '0.1' }],
    });
    const model = (await ok(server.url, `${MLFLOW}/logged-models`, {
      experiment_id: ids.experiment_id,
      name: 'kept-model',
    })) as { model: { info: { model_id: string } } };
    ids.id = model.model.info.model_id;
    ids.model_id = ids.id;
    ids.name = 'kept-model';
  });

  after(async () => {
    await server?.stop();
    if (store) fs.rmSync(store, { recursive: true, force: true });
  });

  test('the route table holds the MLflow surface', () => {
    const urls = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const expected of [
      `POST ${MLFLOW}/runs/log-batch`,
      `GET ${MLFLOW}/metrics/get-history-bulk-interval`,
      `POST ${MLFLOW}/logged-models/search`,
      `PUT /api/2.0/mlflow-artifacts/artifacts/*`,
    ]) {
      assert.ok(urls.has(expected), `${expected} is missing from ${[...urls].join('\n')}`);
    }
  });

  test('no answer is a 5xx, every 4xx is an MLflow error, and the server keeps answering', async () => {
    const random = prng(SEED);
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      for (let i = 0; i < PER_ROUTE; i++) {
        const request = malformed(route, random, ids);
        let response: RawResponse;
        try {
          response = await rawRequest(server.url, request);
        } catch (error) {
          failures.push(`${request.method} ${request.path.slice(0, 200)}: ${String(error)}`);
          continue;
        }
        sent++;
        const what = `${request.method} ${request.path.slice(0, 200)} -> ${response.status}`;
        if (response.status >= 500 && !isMlflowNotImplemented(request, response))
          failures.push(`${what}: ${response.body.slice(0, 300)}`);
        else if (response.status >= 400 && request.method !== 'HEAD') {
          let body: { error_code?: unknown; message?: unknown } = {};
          try {
            body = JSON.parse(response.body) as typeof body;
          } catch {
            // Reported below: an error answer must be JSON.
          }
          if (typeof body.error_code !== 'string' || typeof body.message !== 'string') {
            failures.push(`${what}: not an MLflow error: ${response.body.slice(0, 300)}`);
          }
        }
      }
      const health = await rawRequest(server.url, { path: '/health' });
      assert.equal(health.status, 200, `the server stopped answering after ${route.url}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${sent} answers were wrong`);
    assert.ok(sent >= routes.length * PER_ROUTE, `only ${sent} requests were answered`);
  });

  test('the store still reads back what was written before the sweep', async () => {
    const run = (await ok(server.url, `${MLFLOW}/runs/get?run_id=${ids.run_id}`)) as {
      run: { data: { params: { key: string; value: string }[] }; info: { experiment_id: string } };
    };
    assert.equal(run.run.info.experiment_id, ids.experiment_id);
    assert.deepEqual(run.run.data.params, [{ key: 'lr', value: '0.1' }]);
    const history = await api(
      server.url,
      `${MLFLOW}/metrics/get-history?run_id=${ids.run_id}&metric_key=loss`,
    );
    assert.deepEqual(
      (history.body.metrics as { step: number; value: number }[]).map((m) => [m.step, m.value]),
      [
        [0, 1],
        [1, 0.5],
        [2, 1 / 3],
      ],
    );
  });
});
