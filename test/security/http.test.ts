import { CVE_PAYLOADS } from '@sextant/core/dist/artifacts/cvePayloads';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sextant } from '../support/cli';
import {
  api,
  assertMlflowError,
  ok,
  rawRequest,
  type RawRequest,
  type RawResponse,
} from '../support/http';
import { startServerProcess, tempStore, type ServerProcess } from '../support/server';

const MLFLOW = '/api/2.0/mlflow';
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const TOKEN = randomBytes(6).toString('hex');
/** Names every canary file; it must come back in no response that was not asked about it. */
const CANARY = `sextant-canary-${TOKEN}`;
/** The content of every canary file; it must come back in no response at all. */
const SECRET = `canary-content-${randomBytes(6).toString('hex')}`;
/** Enough levels between the sandbox and the store that every `../` payload lands in the sandbox. */
const NESTING = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10'];

const isInside = (parent: string, child: string): boolean => {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** Where a traversal payload would end up if the server decoded it fully and followed it. */
function landing(base: string, payload: string): string {
  let text = payload;
  for (let round = 0; round < 5; round++) {
    let next: string;
    try {
      next = decodeURIComponent(text);
    } catch {
      break;
    }
    if (next === text) break;
    text = next;
  }
  return path.resolve(base, text.replace(/\\/g, '/'));
}

/** Files and directories under `root`, outside `skip`, with a digest of each file's content. */
function snapshot(root: string, skip: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (full === skip) continue;
      const key = path.relative(root, full);
      if (entry.isSymbolicLink()) entries[key] = `link -> ${fs.readlinkSync(full)}`;
      else if (entry.isDirectory()) {
        entries[key] = 'dir';
        walk(full);
      } else {
        entries[key] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      }
    }
  };
  walk(root);
  return entries;
}

/** Fastify's default body limit, which the server keeps. */
const BODY_LIMIT = 32 * 1024 * 1024;

/**
 * POSTs a JSON body of more than 32 MiB and reads the answer. `declared`: the headers announce
 * 33 MiB and the body is never sent (the server must answer from the header alone); otherwise
 * the body streams chunked until one byte past the limit, then the client stops writing and
 * waits, so the server's close cannot race a write.
 */
function oversizedPost(
  baseUrl: string,
  urlPath: string,
  prefix: string,
  declared: boolean,
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostname,
      port,
      method: 'POST',
      path: urlPath,
      agent: false,
      headers: {
        'content-type': 'application/json',
        ...(declared ? { 'content-length': 33 * 1024 * 1024 } : {}),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    req.on('error', reject);
    if (declared) {
      req.flushHeaders();
      return;
    }
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent <= BODY_LIMIT) {
        const piece =
          sent === 0
            ? Buffer.from(prefix)
            : chunk.subarray(0, Math.min(chunk.length, BODY_LIMIT + 1 - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

/** One way to send an artifact path to the server. */
interface PathEndpoint {
  name: string;
  /** The directory the path is relative to on the server's disk. */
  base: 'root' | 'run';
  request(payload: string): RawRequest;
}

describe('HTTP security of a running sextant server', () => {
  let sandbox: string;
  let store: string;
  let server: ServerProcess;
  let runId: string;
  /** The run's artifact directory relative to the store's artifact root, e.g. `1/<run>/artifacts`. */
  let runRoot: string;
  let bases: Record<'root' | 'run', string>;
  const canaries: string[] = [];
  let outsideBefore: Record<string, string>;

  const send = (request: RawRequest): Promise<RawResponse> => rawRequest(server.url, request);

  function assertNoLeak(response: RawResponse, request: RawRequest): void {
    const what = `${request.method ?? 'GET'} ${request.path}`;
    assert.ok(!response.body.includes(SECRET), `${what} served a canary:\n${response.body}`);
    if (!request.path.includes(CANARY)) {
      assert.ok(!response.body.includes(CANARY), `${what} listed a canary:\n${response.body}`);
    }
    assert.ok(!response.body.includes('root:x:0:0'), `${what} served /etc/passwd`);
  }

  function assertCanariesIntact(): void {
    for (const file of canaries) {
      assert.ok(fs.existsSync(file), `canary ${file} was deleted`);
      assert.equal(fs.readFileSync(file, 'utf8'), SECRET, `canary ${file} was overwritten`);
    }
  }

  /** Plants a canary at `spot` (a file, or a directory holding one when `asDir`). */
  function plant(spot: string, asDir: boolean): void {
    const file = asDir ? path.join(spot, `${CANARY}.txt`) : spot;
    if (fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, SECRET);
    canaries.push(file);
  }

  const runQuery = (name: string, payload: string): string => `run_id=${runId}&${name}=${payload}`;

  const pathEndpoints: PathEndpoint[] = [
    {
      name: 'GET mlflow-artifacts/artifacts/<path>',
      base: 'root',
      request: (p) => ({ path: `${PROXY}/${p}` }),
    },
    {
      name: 'PUT mlflow-artifacts/artifacts/<path>',
      base: 'root',
      request: (p) => ({
        method: 'PUT',
        path: `${PROXY}/${p}`,
        headers: { 'content-type': 'application/octet-stream' },
        body: 'written through a traversal',
      }),
    },
    {
      name: 'DELETE mlflow-artifacts/artifacts/<path>',
      base: 'root',
      request: (p) => ({ method: 'DELETE', path: `${PROXY}/${p}` }),
    },
    {
      name: 'GET mlflow-artifacts/artifacts/<run root>/<path>',
      base: 'run',
      request: (p) => ({ path: `${PROXY}/${runRoot}/${p}` }),
    },
    {
      name: 'DELETE mlflow-artifacts/artifacts/<run root>/<path>',
      base: 'run',
      request: (p) => ({ method: 'DELETE', path: `${PROXY}/${runRoot}/${p}` }),
    },
    {
      name: 'GET mlflow-artifacts/artifacts?path=',
      base: 'root',
      request: (p) => ({ path: `${PROXY}?path=${p}` }),
    },
    {
      name: 'GET mlflow-artifacts/artifacts?path= (encoded)',
      base: 'root',
      request: (p) => ({ path: `${PROXY}?path=${encodeURIComponent(p)}` }),
    },
    {
      name: 'GET mlflow/artifacts/list?path=',
      base: 'run',
      request: (p) => ({ path: `${MLFLOW}/artifacts/list?${runQuery('path', p)}` }),
    },
    {
      name: 'GET mlflow/artifacts/list?path= (encoded)',
      base: 'run',
      request: (p) => ({
        path: `${MLFLOW}/artifacts/list?${runQuery('path', encodeURIComponent(p))}`,
      }),
    },
    {
      name: 'GET get-artifact?path=',
      base: 'run',
      request: (p) => ({ path: `/get-artifact?${runQuery('path', p)}` }),
    },
    {
      name: 'GET get-artifact?path= (encoded)',
      base: 'run',
      request: (p) => ({ path: `/get-artifact?${runQuery('path', encodeURIComponent(p))}` }),
    },
  ];

  const pathPayloads = CVE_PAYLOADS.filter((p) => p.kind === 'path');

  /**
   * The payload as sent to `endpoint`. Writes and deletes of a payload that would land outside
   * the sandbox (an absolute path such as //etc/passwd) are aimed at a canary in the sandbox
   * instead, same shape, so a regression could never delete a file of the machine.
   */
  function aimed(endpoint: PathEndpoint, payload: string): string {
    const method = endpoint.request('x').method ?? 'GET';
    if (method === 'GET' || isInside(sandbox, landing(bases[endpoint.base], payload)))
      return payload;
    assert.ok(
      payload.startsWith('/'),
      `payload ${payload} lands outside the sandbox: nest the store deeper`,
    );
    return `/${path.join(sandbox, 'absolute', `${CANARY}.txt`)}`;
  }

  before(async () => {
    sandbox = tempStore('sextant-security-');
    store = path.join(sandbox, ...NESTING, 'store');
    server = await startServerProcess(store);
    const experimentId = (
      await ok(server.url, `${MLFLOW}/experiments/create`, { name: 'security' })
    ).experiment_id as string;
    const created = await ok(server.url, `${MLFLOW}/runs/create`, { experiment_id: experimentId });
    const info = (created.run as { info: { run_id: string; artifact_uri: string } }).info;
    runId = info.run_id;
    runRoot = info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const put = await send({
      method: 'PUT',
      path: `${PROXY}/${runRoot}/inside/ok.txt`,
      headers: { 'content-type': 'application/octet-stream' },
      body: 'inside the store',
    });
    assert.equal(put.status, 200, put.body);
    bases = {
      root: path.join(store, 'artifacts'),
      run: path.join(store, 'artifacts', ...runRoot.split('/')),
    };
    assert.ok(
      fs.existsSync(path.join(bases.run, 'inside', 'ok.txt')),
      'the artifact layout changed',
    );

    const spots = new Set<string>();
    for (const { input } of pathPayloads) {
      for (const base of Object.values(bases)) {
        const spot = landing(base, input);
        if (!isInside(base, spot) && isInside(sandbox, spot)) spots.add(spot);
      }
    }
    const sorted = [...spots].sort((a, b) => a.length - b.length);
    for (const spot of sorted)
      plant(
        spot,
        sorted.some((other) => other.startsWith(`${spot}${path.sep}`)),
      );
    plant(path.join(path.dirname(store), `${CANARY}-next-to-store.txt`), false);
    plant(path.join(sandbox, 'absolute', `${CANARY}.txt`), false);
    plant(path.join(sandbox, 'linked'), true);
    fs.symlinkSync(path.join(sandbox, 'linked'), path.join(bases.run, 'escape'));
    outsideBefore = snapshot(sandbox, store);
  });

  after(async () => {
    await server?.stop();
    if (sandbox) fs.rmSync(sandbox, { recursive: true, force: true });
  });

  test('the artifact endpoints serve a path inside the store (control)', async () => {
    const get = await send({ path: `${PROXY}/${runRoot}/inside/ok.txt` });
    assert.equal(get.status, 200);
    assert.equal(get.body, 'inside the store');
    const viaRun = await send({ path: `/get-artifact?${runQuery('path', 'inside/ok.txt')}` });
    assert.equal(viaRun.body, 'inside the store');
    const list = await api(server.url, `${MLFLOW}/artifacts/list?${runQuery('path', 'inside')}`);
    assert.deepEqual(list.body.files, [{ path: 'inside/ok.txt', is_dir: false, file_size: 16 }]);
    const proxyList = await api(server.url, `${PROXY}?path=${runRoot}/inside`);
    assert.deepEqual(proxyList.body.files, [{ path: 'ok.txt', is_dir: false, file_size: 16 }]);
    assert.ok(canaries.length >= 8, `only ${canaries.length} canaries planted`);
  });

  for (const payload of pathPayloads) {
    test(`${payload.cve}: ${payload.description} (${payload.input})`, async () => {
      for (const endpoint of pathEndpoints) {
        const request = endpoint.request(aimed(endpoint, payload.input));
        const what = `${endpoint.name} with ${request.path}`;
        const response = await send(request);
        assertNoLeak(response, request);
        const message = assertMlflowError(response, 400, 'INVALID_PARAMETER_VALUE', what);
        assert.match(message, /artifact path/i, what);
      }
      assertCanariesIntact();
    });
  }

  test('a symbolic link in the store that leads out is refused', async () => {
    const attempts: RawRequest[] = [
      { path: `/get-artifact?${runQuery('path', `escape/${CANARY}.txt`)}` },
      { path: `${PROXY}/${runRoot}/escape/${CANARY}.txt` },
      { path: `${MLFLOW}/artifacts/list?${runQuery('path', 'escape')}` },
      { path: `${PROXY}?path=${runRoot}/escape` },
      { method: 'DELETE', path: `${PROXY}/${runRoot}/escape/${CANARY}.txt` },
      {
        method: 'PUT',
        path: `${PROXY}/${runRoot}/escape/new.txt`,
        headers: { 'content-type': 'application/octet-stream' },
        body: 'x',
      },
    ];
    for (const request of attempts) {
      const response = await send(request);
      assertNoLeak(response, request);
      assertMlflowError(
        response,
        400,
        'INVALID_PARAMETER_VALUE',
        `${request.method ?? 'GET'} ${request.path}`,
      );
    }
    const listing = await api(server.url, `${MLFLOW}/artifacts/list?run_id=${runId}`);
    assert.ok(!listing.text.includes('escape'), `the run listing shows the link: ${listing.text}`);
    assertCanariesIntact();
  });

  const locations = CVE_PAYLOADS.filter((p) => p.kind === 'artifactLocation');
  for (const [index, payload] of locations.entries()) {
    test(`${payload.cve}: artifact_location ${payload.description} (${payload.input})`, async () => {
      const name = `location-${index}-${TOKEN}`;
      const response = await api(server.url, `${MLFLOW}/experiments/create`, {
        name,
        artifact_location: payload.input,
      });
      const message = assertMlflowError(response, 400, 'INVALID_PARAMETER_VALUE');
      assert.match(message, /artifact/);
      const lookup = await api(
        server.url,
        `${MLFLOW}/experiments/get-by-name?experiment_name=${name}`,
      );
      assertMlflowError(lookup, 404, 'RESOURCE_DOES_NOT_EXIST', 'the refused experiment exists');
    });
  }

  test('an artifact_location inside the store is accepted (control)', async () => {
    const created = await ok(server.url, `${MLFLOW}/experiments/create`, {
      name: `location-ok-${TOKEN}`,
      artifact_location: `mlflow-artifacts:/custom-${TOKEN}`,
    });
    assert.equal(typeof created.experiment_id, 'string');
  });

  test('nothing outside the store was read, written or deleted', () => {
    assertCanariesIntact();
    assert.deepEqual(snapshot(sandbox, store), outsideBefore);
  });

  test('DNS rebinding: a foreign Host header is refused with 403', async () => {
    const name = `rebinding-${TOKEN}`;
    for (const host of [`evil.example:${server.port}`, `127.0.0.1.evil.example:${server.port}`]) {
      const read = await send({
        path: `${MLFLOW}/experiments/search?max_results=5`,
        headers: { host },
      });
      assertMlflowError(read, 403, 'PERMISSION_DENIED', host);
      assert.ok(!read.body.includes('security'), 'a refused request returned data');
      const write = await send({
        method: 'POST',
        path: `${MLFLOW}/experiments/create`,
        headers: { host, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      assertMlflowError(write, 403, 'PERMISSION_DENIED', host);
    }
    const own = await send({ path: '/health', headers: { host: `localhost:${server.port}` } });
    assert.equal(own.status, 200, 'the server refuses its own name');
    const lookup = await api(
      server.url,
      `${MLFLOW}/experiments/get-by-name?experiment_name=${name}`,
    );
    assert.equal(lookup.status, 404, 'a rebinding request created an experiment');
  });

  test('a cross-origin request is refused with 403; a same-origin one is served', async () => {
    const name = `cross-origin-${TOKEN}`;
    for (const origin of ['http://evil.example', 'null', `http://localhost:${server.port + 1}`]) {
      const read = await send({
        path: `${MLFLOW}/experiments/search?max_results=5`,
        headers: { origin },
      });
      assertMlflowError(read, 403, 'PERMISSION_DENIED', origin);
      const write = await send({
        method: 'POST',
        path: `${MLFLOW}/experiments/create`,
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      assertMlflowError(write, 403, 'PERMISSION_DENIED', origin);
    }
    const same = await send({ path: '/health', headers: { origin: server.url } });
    assert.equal(same.status, 200);
    const lookup = await api(
      server.url,
      `${MLFLOW}/experiments/get-by-name?experiment_name=${name}`,
    );
    assert.equal(lookup.status, 404, 'a cross-origin request created an experiment');
  });

  test('CSRF: "simple" content types are refused and create nothing', async () => {
    const name = `csrf-${TOKEN}`;
    const attempts: Array<[string, string]> = [
      ['text/plain', JSON.stringify({ name })],
      ['text/plain;charset=UTF-8', JSON.stringify({ name })],
      ['application/x-www-form-urlencoded', `name=${name}`],
      [
        'multipart/form-data; boundary=x',
        `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n--x--\r\n`,
      ],
    ];
    for (const [type, body] of attempts) {
      const response = await send({
        method: 'POST',
        path: `${MLFLOW}/experiments/create`,
        headers: { 'content-type': type },
        body,
      });
      assert.ok(response.status >= 400 && response.status < 500, `${type}: ${response.status}`);
      const parsed = JSON.parse(response.body) as Record<string, unknown>;
      assert.equal(typeof parsed.error_code, 'string', `${type}: ${response.body}`);
      assert.match(String(parsed.message), /application\/json/, type);
    }
    const lookup = await api(
      server.url,
      `${MLFLOW}/experiments/get-by-name?experiment_name=${name}`,
    );
    assert.equal(lookup.status, 404, 'a CSRF request created an experiment');
  });

  test('a JSON body over 32 MB gets 413 and the server keeps answering', async () => {
    const name = `big-${TOKEN}`;
    const prefix = JSON.stringify({ name, description: '' }).slice(0, -2);
    for (const declared of [true, false]) {
      const response = await oversizedPost(
        server.url,
        `${MLFLOW}/experiments/create`,
        prefix,
        declared,
      );
      const what = declared ? 'declared Content-Length' : 'chunked body';
      assertMlflowError(response, 413, 'REQUEST_LIMIT_EXCEEDED', what);
      const health = await api(server.url, '/health');
      assert.equal(health.status, 200, `the server stopped answering after a ${what}`);
    }
    const created = await ok(server.url, `${MLFLOW}/experiments/create`, { name: `after-${name}` });
    assert.equal(typeof created.experiment_id, 'string');
    const lookup = await api(
      server.url,
      `${MLFLOW}/experiments/get-by-name?experiment_name=${name}`,
    );
    assert.equal(lookup.status, 404, 'the oversized request created an experiment');
  });

  test('malformed bodies get 400 with a clear message', async () => {
    const post = (body: string): Promise<RawResponse> =>
      send({
        method: 'POST',
        path: `${MLFLOW}/experiments/create`,
        headers: { 'content-type': 'application/json' },
        body,
      });
    assert.match(assertMlflowError(await post('{"name": '), 400, 'MALFORMED_REQUEST'), /JSON/);
    assert.match(assertMlflowError(await post(''), 400, 'MALFORMED_REQUEST'), /empty/i);
    assert.match(
      assertMlflowError(await post('[1, 2]'), 400, 'INVALID_PARAMETER_VALUE'),
      /JSON object/,
    );
    assert.match(
      assertMlflowError(await post('"name"'), 400, 'INVALID_PARAMETER_VALUE'),
      /JSON object/,
    );
    const wrongType = await api(server.url, `${MLFLOW}/runs/log-batch`, {
      run_id: runId,
      metrics: 'loss',
    });
    assert.match(assertMlflowError(wrongType, 400, 'INVALID_PARAMETER_VALUE'), /metrics/);
  });

  test('bodies nested 10,000 and 1,000,000 deep get 400 before they are parsed, never a 500', async () => {
    for (const depth of [10_000, 1_000_000]) {
      const arrays = '['.repeat(depth) + ']'.repeat(depth);
      const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      for (const [route, body] of [
        ['experiments/create', `{"name":${arrays}}`],
        ['experiments/create', arrays],
        ['runs/create', `{"experiment_id":"0","run_name":${objects}}`],
        ['runs/create', objects],
      ] as const) {
        const response = await send({
          method: 'POST',
          path: `${MLFLOW}/${route}`,
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.match(
          assertMlflowError(response, 400, 'MALFORMED_REQUEST', `${route} at ${depth}`),
          /levels deep/,
        );
      }
    }
    await ok(server.url, `${MLFLOW}/experiments/get?experiment_id=0`);
  });

  test('a page token past any real offset (1e30) gets 400, never a 500', async () => {
    const token = Buffer.from(JSON.stringify({ offset: 1e30 })).toString('base64');
    const responses = [
      await api(server.url, `${MLFLOW}/experiments/search`, { max_results: 10, page_token: token }),
      await api(server.url, `${MLFLOW}/runs/search`, { experiment_ids: ['0'], page_token: token }),
      await api(
        server.url,
        `${MLFLOW}/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=10&page_token=${encodeURIComponent(token)}`,
      ),
    ];
    for (const response of responses) {
      assert.match(assertMlflowError(response, 400, 'INVALID_PARAMETER_VALUE'), /page token/);
    }
  });

  test('an unknown run id gets 404 RESOURCE_DOES_NOT_EXIST naming the id, never a 500', async () => {
    const missing = `missing${TOKEN}`;
    const responses = [
      await api(server.url, `${MLFLOW}/runs/get?run_id=${missing}`),
      await api(server.url, `${MLFLOW}/metrics/get-history?run_id=${missing}&metric_key=loss`),
      await api(server.url, `${MLFLOW}/artifacts/list?run_id=${missing}`),
      await api(server.url, `/get-artifact?run_id=${missing}&path=model.pkl`),
      await api(server.url, `${MLFLOW}/runs/update`, { run_id: missing, status: 'FINISHED' }),
      await api(server.url, `${MLFLOW}/runs/log-batch`, {
        run_id: missing,
        metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
      }),
    ];
    for (const response of responses) {
      assert.match(
        assertMlflowError(response, 404, 'RESOURCE_DOES_NOT_EXIST'),
        new RegExp(missing),
      );
    }
  });

  test('a bad filter gets 400 naming what is wrong, never a 500', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['runs', 'metrics.acc >>> 1', />>>/],
      ['runs', 'foo.bar = 1', /foo/],
      ['runs', 'params.lr = ', /params\.lr/],
      ['runs', "metrics.acc = 'high'", /acc/],
      ['runs', "attributes.nope = 'x'", /nope/],
      ['runs', "tags.team = 'unterminated", /unterminated/],
      ['runs', "metrics.acc > 1 OR tags.a = 'b'", /OR/],
      ['runs', '(', /\(/],
      ['experiments', 'name >>> 1', />>>/],
      ['experiments', "nme = 'x'", /nme/],
    ];
    for (const [entity, filter, names] of cases) {
      const body = entity === 'runs' ? { experiment_ids: ['0'], filter } : { filter };
      const response = await api(server.url, `${MLFLOW}/${entity}/search`, body);
      assert.match(
        assertMlflowError(response, 400, 'INVALID_PARAMETER_VALUE', filter),
        names,
        filter,
      );
    }
  });

  test('/metrics counts requests in sextant_http_requests_total', async () => {
    const counters = async (): Promise<Map<string, number>> => {
      const text = (await api(server.url, '/metrics')).text;
      const found = new Map<string, number>();
      for (const match of text.matchAll(/^sextant_http_requests_total\{([^}]*)\} (\d+)$/gm)) {
        const labels = Object.fromEntries(
          [...(match[1] as string).matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
        );
        found.set(`${labels.method} ${labels.route} ${labels.status}`, Number(match[2]));
      }
      return found;
    };
    const before = await counters();
    for (let i = 0; i < 3; i++) assert.equal((await api(server.url, '/health')).status, 200);
    const afterwards = await counters();
    const health = 'GET /health 200';
    assert.equal(
      (afterwards.get(health) ?? 0) - (before.get(health) ?? 0),
      3,
      `${health} did not go up by 3`,
    );
    const refused = `GET ${PROXY}/* 400`;
    assert.ok((afterwards.get(refused) ?? 0) >= pathPayloads.length, `${refused} not counted`);
    const errors = [...afterwards.keys()].filter((key) => / 5\d\d$/.test(key));
    assert.deepEqual(errors, [], 'some request of this suite got a 5xx');
  });

  test('a bearer token is required once --token is set', async () => {
    const tokenStore = tempStore('sextant-token-');
    const secret = `s3cret-${TOKEN}`;
    const guarded = await startServerProcess(tokenStore, ['--token', secret]);
    try {
      const search = `${MLFLOW}/experiments/search?max_results=5`;
      const missing: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: secret },
      ];
      for (const headers of missing) {
        const response = await api(guarded.url, search, undefined, headers);
        const message = assertMlflowError(
          response,
          401,
          'UNAUTHENTICATED',
          JSON.stringify(headers),
        );
        assert.match(message, /Authorization: Bearer/);
      }
      const refused = await api(guarded.url, `${MLFLOW}/experiments/create`, { name: 'no-token' });
      assertMlflowError(refused, 401, 'UNAUTHENTICATED');
      const granted = await api(guarded.url, search, undefined, {
        authorization: `Bearer ${secret}`,
      });
      assert.equal(granted.status, 200, granted.text);
      const names = (granted.body.experiments as Array<{ name: string }>).map((e) => e.name);
      assert.deepEqual(names, ['Default'], 'the refused create went through');
    } finally {
      await guarded.stop();
      fs.rmSync(tokenStore, { recursive: true, force: true });
    }
  });

  test('--host 0.0.0.0 without a token refuses to start with a clear message', async () => {
    const openStore = tempStore('sextant-open-');
    try {
      const result = await sextant([
        'server',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--store',
        openStore,
      ]);
      assert.equal(result.code, 1, result.stderr);
      assert.doesNotMatch(result.stdout, /tracking server at/);
      assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
      assert.match(result.stderr, /--token/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    } finally {
      fs.rmSync(openStore, { recursive: true, force: true });
    }
  });
});
