import { CVE_PAYLOADS } from '@sextant/core/dist/artifacts/cvePayloads';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, assertMlflowError, ok } from '../support/http';
import { startServerProcess, tempStore, type ServerProcess } from '../support/server';

const MLFLOW = '/api/2.0/mlflow';

/**
 * The registry over raw HTTP: a model version's `source` must resolve inside the artifact root
 * (MLflow's CVE-2023-1177 / 2023-2780 / 2023-6977 / 2024-1558 / 2024-3573 family, each trick
 * refused with INVALID_PARAMETER_VALUE and nothing registered), and names and aliases written into
 * filters stay data, never SQL or wildcards.
 */
describe('model registry security over HTTP', () => {
  let server: ServerProcess;
  let store: string;
  let runId: string;
  let experimentId: string;
  const model = 'secure-model';

  before(async () => {
    store = tempStore('sextant-registry-security-');
    server = await startServerProcess(store);
    experimentId = (await ok(server.url, `${MLFLOW}/experiments/create`, { name: 'reg-sec' }))
      .experiment_id as string;
    const run = await ok(server.url, `${MLFLOW}/runs/create`, { experiment_id: experimentId });
    runId = (run.run as { info: { run_id: string } }).info.run_id as string;
    await ok(server.url, `${MLFLOW}/registered-models/create`, { name: model });
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  const create = (source: string) =>
    api(server.url, `${MLFLOW}/model-versions/create`, { name: model, source, run_id: runId });

  const tricks: [string, string][] = [
    ['CVE-2023-1177: file URI', 'file:///etc/'],
    ['CVE-2023-2780: file URI with a "." host', 'file://./etc'],
    ['CVE-2023-2356: file URI with a host and ..', 'file://localhost/../../../../../../../'],
    ['absolute path', '/etc/passwd'],
    ['CVE-2023-6977: //proc/self/root', '//proc/self/root'],
    ['.. in a runs: source', `runs:/${'RUN'}/../../../../etc`],
    ['.. after the artifact root', 'mlflow-artifacts:/0/../../../../etc'],
    ['backslash traversal', `runs:/${'RUN'}/..\\..\\..\\etc`],
    ['backslash in a models: source', 'models:/m-0\\..\\..'],
    ['CVE-2024-1558: url-encoded ..', `runs:/${'RUN'}/%2e%2e/%2e%2e/etc`],
    ['CVE-2024-3573: double-encoded ..', `runs:/${'RUN'}/%252e%252e/%252e%252e/etc`],
    ['encoded slash', `runs:/${'RUN'}/model%2f..%2f..%2fetc`],
    ['fragment carrying ..', 'mlflow-artifacts:/0/abc/artifacts#/../../../../etc'],
    ['query carrying ..', `runs:/${'RUN'}/model?/../../../../etc`],
    ['empty scheme', ':/etc/passwd'],
    ['scheme only', 'runs:'],
    ['another host: mlflow-artifacts', 'mlflow-artifacts://evil.example/0/x'],
    ['another host: runs', 'runs://evil.example/abc/model'],
    ['another host: models', 'models://evil.example/m-1'],
    ['http URL', 'http://169.254.169.254/latest/meta-data'],
    ['s3 URL', 's3://bucket/model'],
    ['relative local path', 'model'],
    ['home directory', '~/model'],
    ['Windows drive', 'C:\\Windows\\System32'],
    ['NUL byte', `runs:/${'RUN'}/model\u0000.txt`],
    ['a run that does not exist', 'runs:/0123456789abcdef0123456789abcdef/model'],
    ['outside every run', 'mlflow-artifacts:/0/somewhere/else'],
  ];

  for (const [what, template] of tricks) {
    test(`refuses a source: ${what}`, async () => {
      const response = await create(template.replace('RUN', runId));
      assertMlflowError(response, 400, 'INVALID_PARAMETER_VALUE', what);
    });
  }

  test("refuses every 'source' payload of MLflow's CVE list", async () => {
    for (const payload of CVE_PAYLOADS.filter((p) => p.kind === 'source')) {
      assertMlflowError(await create(payload.input), 400, 'INVALID_PARAMETER_VALUE', payload.cve);
    }
  });

  test('registered nothing for the refused sources, and accepts a run source', async () => {
    const listed = await api(
      server.url,
      `${MLFLOW}/model-versions/search?filter=${encodeURIComponent(`name = '${model}'`)}`,
    );
    assert.equal(listed.status, 200);
    assert.equal(listed.body.model_versions, undefined);
    const created = await create(`runs:/${runId}/model`);
    assert.equal(created.status, 200, created.text);
    const uri = await api(
      server.url,
      `${MLFLOW}/model-versions/get-download-uri?name=${model}&version=1`,
    );
    assert.equal(
      uri.body.artifact_uri,
      `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
    );
  });

  test('names and aliases in filters are data: quotes, %, _ and SQL match only themselves', async () => {
    const names = ["o'brien", 'pct%model', 'under_score', "x' OR '1'='1", 'a"b', 'drop;--'];
    for (const name of names) {
      await ok(server.url, `${MLFLOW}/registered-models/create`, { name });
    }
    await ok(server.url, `${MLFLOW}/registered-models/create`, { name: 'pctXmodel' });
    await ok(server.url, `${MLFLOW}/registered-models/create`, { name: 'underXscore' });
    const search = async (filter: string): Promise<string[]> => {
      const response = await api(
        server.url,
        `${MLFLOW}/registered-models/search?filter=${encodeURIComponent(filter)}&max_results=1000`,
      );
      assert.equal(response.status, 200, `${filter}: ${response.text}`);
      return ((response.body.registered_models ?? []) as { name: string }[]).map((m) => m.name);
    };
    assert.deepEqual(await search("name = 'o''brien'"), ["o'brien"]);
    assert.deepEqual(await search("name = 'x'' OR ''1''=''1'"), ["x' OR '1'='1"]);
    assert.deepEqual(await search(`name = 'a"b'`), ['a"b']);
    assert.deepEqual(await search("name = 'pct%model'"), ['pct%model']);
    assert.deepEqual(await search("name = 'under_score'"), ['under_score']);
    assert.deepEqual(await search("name = 'drop;--'"), ['drop;--']);
    // In LIKE, % and _ are wildcards, as in MLflow; with = they are not.
    assert.deepEqual((await search("name LIKE 'pct%model'")).sort(), ['pct%model', 'pctXmodel']);
    const injected = await api(
      server.url,
      `${MLFLOW}/registered-models/search?filter=${encodeURIComponent("name = 'x' OR 1=1 --")}`,
    );
    assertMlflowError(injected, 400, 'INVALID_PARAMETER_VALUE', 'OR injection');
    const stacked = await api(
      server.url,
      `${MLFLOW}/model-versions/search?filter=${encodeURIComponent("name = 'x'; DROP TABLE model_versions")}`,
    );
    assertMlflowError(stacked, 400, 'INVALID_PARAMETER_VALUE', 'stacked statement');
    const orderInjection = await api(
      server.url,
      `${MLFLOW}/registered-models/search?order_by=${encodeURIComponent('name; DROP TABLE registered_models')}`,
    );
    assertMlflowError(orderInjection, 400, 'INVALID_PARAMETER_VALUE', 'order_by injection');
    assert.ok((await search("name LIKE '%'")).length >= names.length);
  });

  test('names in version searches are data: quotes, %, _ and SQL match only their own versions', async () => {
    const names = ["v'quote", 'v%pct', 'vXpct', 'v_under', 'vYunder', "v' OR '1'='1"];
    for (const name of names) {
      await ok(server.url, `${MLFLOW}/registered-models/create`, { name });
      await ok(server.url, `${MLFLOW}/model-versions/create`, {
        name,
        source: `runs:/${runId}/model`,
        run_id: runId,
        tags: [{ key: 'quality', value: 'high' }],
      });
    }
    const versions = async (filter: string): Promise<string[]> => {
      const response = await api(
        server.url,
        `${MLFLOW}/model-versions/search?filter=${encodeURIComponent(filter)}&max_results=1000`,
      );
      assert.equal(response.status, 200, `${filter}: ${response.text}`);
      return ((response.body.model_versions ?? []) as { name: string; version: string }[])
        .map((v) => `${v.name}/${v.version}`)
        .sort();
    };
    assert.deepEqual(await versions("name = 'v''quote'"), ["v'quote/1"]);
    assert.deepEqual(await versions("name = 'v%pct' AND tags.quality = 'high'"), ['v%pct/1']);
    assert.deepEqual(await versions("name = 'v_under'"), ['v_under/1']);
    assert.deepEqual(await versions("name = 'v'' OR ''1''=''1'"), ["v' OR '1'='1/1"]);
    assert.deepEqual(await versions("name = 'v' AND tags.quality = 'high'"), []);
    // In LIKE, % and _ are wildcards, as in MLflow.
    assert.deepEqual(await versions("name LIKE 'v%pct'"), ['v%pct/1', 'vXpct/1']);
    assert.deepEqual(await versions("name LIKE 'v_under'"), ['vYunder/1', 'v_under/1']);
    const injected = await api(
      server.url,
      `${MLFLOW}/model-versions/search?filter=${encodeURIComponent("name = 'v' OR 1=1 --")}`,
    );
    assertMlflowError(injected, 400, 'INVALID_PARAMETER_VALUE', 'OR injection in a version search');
  });

  test('aliases with quotes, %, _ or SQL are refused; lookups by such names find nothing', async () => {
    for (const alias of ["champ'ion", 'champ%', "x' OR '1'='1", 'a b', '../x', 'latest', 'V2']) {
      const response = await api(server.url, `${MLFLOW}/registered-models/alias`, {
        name: model,
        alias,
        version: '1',
      });
      assertMlflowError(response, 400, 'INVALID_PARAMETER_VALUE', alias);
    }
    const lookup = await api(
      server.url,
      `${MLFLOW}/registered-models/alias?name=${encodeURIComponent("x' OR '1'='1")}&alias=champion`,
    );
    assertMlflowError(lookup, 404, 'RESOURCE_DOES_NOT_EXIST', 'name injection');
  });
});
