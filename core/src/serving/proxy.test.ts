import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseDeployments } from './deploymentSpec';
import { ServingError } from './errors';
import { kserveManifest, kubernetesName, modelFormatOf, storageUriOf } from './kserve';
import { proxyRuntime } from './proxy';
import { reshape, stack, toPredictions, toUpstream, unstack } from './proxyCodec';

const META = [
  { name: 'a', datatype: 'FP64', shape: [-1, 1] },
  { name: 'b', datatype: 'FP64', shape: [-1, 1] },
];

describe('toUpstream', () => {
  it('turns MLflow frames into one tensor per column, typed by the upstream metadata', () => {
    const split = toUpstream(
      {
        mlflow: {
          dataframe_split: {
            columns: ['a', 'b'],
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        },
      },
      META,
    );
    assert.deepEqual(split, {
      answer: 'mlflow',
      request: {
        inputs: [
          { name: 'a', shape: [2, 1], datatype: 'FP64', data: [1, 3] },
          { name: 'b', shape: [2, 1], datatype: 'FP64', data: [2, 4] },
        ],
        parameters: { content_type: 'pd' },
      },
    });
    const records = toUpstream(
      {
        mlflow: {
          dataframe_records: [
            { a: 1, b: 2 },
            { a: 3, b: 4 },
          ],
        },
      },
      META,
    );
    assert.deepEqual(records.request, split.request);
    const csv = toUpstream({ csv: 'a,b\n1,2\n3,4\n' }, META);
    assert.deepEqual(csv.request, split.request);
  });

  it('sends a list of rows as one tensor, params as request parameters, OIP as it is', () => {
    const rows = toUpstream(
      {
        mlflow: {
          inputs: [
            [1, 2],
            [3, 4],
          ],
          params: { k: 3 },
        },
      },
      [],
    );
    assert.deepEqual(rows.request, {
      inputs: [{ name: 'input-0', shape: [2, 2], datatype: 'INT64', data: [1, 2, 3, 4] }],
      parameters: { k: 3 },
    });
    const oip = { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] };
    assert.deepEqual(toUpstream({ oip }, META), { request: oip, answer: 'oip' });
  });

  it('refuses what it can tell is wrong with a 400', () => {
    const refuses = (item: Record<string, unknown>, pattern: RegExp): void =>
      assert.throws(
        () => toUpstream(item, META),
        (e: unknown) => e instanceof ServingError && e.status === 400 && pattern.test(e.message),
      );
    refuses({ mlflow: { dataframe_records: [{ a: 1 }] } }, /missing input 'b'/);
    refuses(
      { mlflow: { dataframe_split: { columns: ['a', 'b'], data: [['x', 1]] } } },
      /column 'a' takes numbers/,
    );
    refuses({ mlflow: { inputs: [[1, 2], [3]] } }, /ragged/);
    refuses({ csv: 'a,b\n1\n' }, /CSV row 1 has 1 cells/);
  });
});

describe('predictions and stacking', () => {
  it('answers MLflow-style: a column flattened, a matrix nested, several outputs by name', () => {
    assert.deepEqual(
      toPredictions([{ name: 'o', shape: [3, 1], datatype: 'INT64', data: [0, 1, 2] }]),
      [0, 1, 2],
    );
    assert.deepEqual(reshape([1, 2, 3, 4, 5, 6], [2, 3]), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const two = [
      { name: 'x', shape: [2], datatype: 'FP64', data: [1, 2] },
      { name: 'y', shape: [2], datatype: 'FP64', data: [3, 4] },
    ];
    assert.deepEqual(toPredictions(two), { x: [1, 2], y: [3, 4] });
    assert.deepEqual(toPredictions(two, { content_type: 'pd' }), [
      { x: 1, y: 3 },
      { x: 2, y: 4 },
    ]);
  });

  it('stacks requests of one form along the rows and cuts the outputs back', () => {
    const one = (rows: number[][]) => ({
      inputs: [{ name: 't', shape: [rows.length, 2], datatype: 'FP64', data: rows.flat() }],
    });
    const batch = stack([
      one([[1, 2]]),
      one([
        [3, 4],
        [5, 6],
      ]),
    ])!;
    assert.deepEqual(batch.rows, [1, 2]);
    assert.deepEqual(batch.request.inputs[0], {
      name: 't',
      shape: [3, 2],
      datatype: 'FP64',
      data: [1, 2, 3, 4, 5, 6],
    });
    const pieces = unstack(
      [{ name: 'o', shape: [3, 1], datatype: 'FP64', data: [7, 8, 9] }],
      batch.rows,
    )!;
    assert.deepEqual(
      pieces.map((p) => p[0]!.data),
      [[7], [8, 9]],
    );
    assert.equal(
      stack([
        one([[1, 2]]),
        { inputs: [{ name: 'u', shape: [1, 2], datatype: 'FP64', data: [1, 2] }] },
      ]),
      undefined,
    );
    assert.equal(
      unstack([{ name: 'o', shape: [1], datatype: 'FP64', data: [1] }], [1, 2]),
      undefined,
    );
  });
});

/** A small OIP server: metadata, readiness, and an infer that sums each row (and counts calls). */
async function fakeUpstream(): Promise<{
  url: string;
  calls: () => number;
  close: () => Promise<void>;
}> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/v2/health/ready' || req.url === '/v2/models/m/ready') return send(200, {});
      if (req.url === '/v2') return send(200, { name: 'fake', version: '9' });
      if (req.url === '/v2/models/m')
        return send(200, { name: 'm', inputs: [{ name: 't', datatype: 'FP64', shape: [-1, 2] }] });
      if (req.url === '/v2/models/m/infer') {
        calls++;
        const t = (JSON.parse(body) as { inputs: { shape: number[]; data: number[] }[] })
          .inputs[0]!;
        if (t.data.some((v) => v < 0)) return send(400, { error: 'negative values' });
        const sums = Array.from(
          { length: t.shape[0]! },
          (_, r) => t.data[2 * r]! + t.data[2 * r + 1]!,
        );
        return send(200, {
          outputs: [{ name: 'sum', shape: [sums.length, 1], datatype: 'FP64', data: sums }],
        });
      }
      send(404, { error: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('proxyRuntime', () => {
  it('forwards, batches waiting requests into one upstream call, and passes refusals as 400', async () => {
    const upstream = await fakeUpstream();
    const runtime = proxyRuntime({
      upstream: { url: upstream.url, model: 'm' },
      replicas: 1,
      maxConcurrency: 1,
      maxQueue: 100,
      maxBatchSize: 8,
      maxBatchDelayMs: 20,
      requestTimeoutMs: 5_000,
      startTimeoutMs: 5_000,
    });
    try {
      const ready = await runtime.ready;
      assert.equal(ready.mlflowVersion, 'fake 9');
      assert.deepEqual(ready.inputs?.[0]?.['tensor-spec'], { dtype: 'float64', shape: [-1, 2] });
      const before = upstream.calls();
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) => runtime.submit(JSON.stringify({ mlflow: { inputs: [[i, i]] } }))),
      );
      assert.deepEqual(results, [
        { predictions: [2] },
        { predictions: [4] },
        { predictions: [6] },
        { predictions: [8] },
      ]);
      assert.equal(upstream.calls() - before, 1, 'four waiting requests went upstream as one');
      const refused = await runtime.submit(JSON.stringify({ mlflow: { inputs: [[-1, 1]] } }));
      assert.deepEqual(refused, {
        error: 'the upstream ' + upstream.url + ' refused the request (400): negative values',
        status: 400,
      });
    } finally {
      await runtime.stop();
      await upstream.close();
    }
  });
});

describe('KServe export', () => {
  const [spec] = parseDeployments(
    (
      parse(`
deployments:
  Iris_API:
    model: models:/iris@champion
    replicas: { min: 1, max: 4 }
    resources: { requests: { cpu: "1" } }
    routes:
      variants:
        - { name: champion, weight: 75 }
        - { name: challenger, model: models:/iris/2, weight: 25 }
`) as { deployments: unknown }
    ).deployments,
  );
  const variant = (name: string, version: string, weight: number) => ({
    name,
    weight,
    shadow: false,
    model: 'iris',
    version,
    flavors: ['python_function', 'sklearn'],
    storageUri: `s3://b/${version}`,
  });

  it('writes the challenger as the canary with its share of the traffic', () => {
    const { manifest, notes } = kserveManifest(spec!, [
      variant('champion', '1', 75),
      variant('challenger', '2', 25),
    ]);
    assert.deepEqual((manifest.spec as { predictor: unknown }).predictor, {
      minReplicas: 1,
      maxReplicas: 4,
      canaryTrafficPercent: 25,
      model: {
        modelFormat: { name: 'mlflow', version: '1' },
        protocolVersion: 'v2',
        storageUri: 's3://b/2',
        resources: { requests: { cpu: '1' } },
      },
    });
    assert.equal((manifest.metadata as { name: string }).name, 'iris-api');
    assert.ok(notes.some((n) => n.includes('--variant champion')));
    const alone = kserveManifest(
      spec!,
      [variant('champion', '1', 75), variant('challenger', '2', 25)],
      'champion',
    );
    assert.equal(
      (alone.manifest.spec as { predictor: { canaryTrafficPercent?: number } }).predictor
        .canaryTrafficPercent,
      undefined,
    );
  });

  it('names, formats and locates as Kubernetes and KServe expect', () => {
    assert.equal(kubernetesName('9.Model_A--'), 'model-a');
    assert.deepEqual(modelFormatOf(['onnx']), { name: 'onnx' });
    assert.throws(() => modelFormatOf(['keras']), /no KServe model format/);
    assert.equal(
      storageUriOf('mlflow-artifacts:/1/models/m-1/artifacts', '/srv/a'),
      '/srv/a/1/models/m-1/artifacts',
    );
    assert.equal(
      storageUriOf('mlflow-artifacts:/1/x', '/srv/a', 's3://b/root/'),
      's3://b/root/1/x',
    );
    assert.throws(
      () =>
        kserveManifest(spec!, [variant('a', '1', 1), variant('b', '2', 1), variant('c', '3', 1)]),
      /KServe canary takes two/,
    );
  });

  it('reads runtime proxy and compute ray from the spec', () => {
    const [proxied, onRay] = parseDeployments(
      (
        parse(`
deployments:
  p: { model: "models:/m/1", runtime: proxy, url: "http://h:8080", upstream_model: up }
  r: { model: "models:/m/1", compute: ray, ray: { address: "h:6379", http_port: 8123 } }
`) as { deployments: unknown }
      ).deployments,
    );
    assert.deepEqual(proxied!.variants[0]!.upstream, { url: 'http://h:8080', model: 'up' });
    assert.deepEqual(onRay!.ray, { address: 'h:6379', httpHost: '127.0.0.1', httpPort: 8123 });
    assert.throws(
      () => parseDeployments({ p: { model: 'models:/m/1', runtime: 'proxy' } }),
      /runtime proxy needs 'url'/,
    );
  });
});
