import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  SKLEARN_PYTHON,
  sklearnFixture,
  type SklearnFixture,
} from '@sextant/core/dist/evaluation/evaluation.testing';
import {
  RegistryModelRequest,
  RegistryRegisterRequest,
  RegistrySetAliasRequest,
  ServingChangedNotification,
  ServingDeployRequest,
  ServingGetRequest,
  ServingListRequest,
  ServingLogsRequest,
  ServingPredictRequest,
  ServingPromoteRequest,
  ServingRequestsRequest,
  ServingRollbackRequest,
  ServingScaleRequest,
  ServingSetTrafficRequest,
  ServingStatsRequest,
  ServingStopRequest,
} from '../protocol';
import { mlflow, startSession, type TestSession } from '../session.testing';

const SEXTANT_YAML = `# The team's workspace: keep this comment.
deployments:
  # churn behind a canary
  churn-api:
    model: models:/churn@champion
    routes:
      champion: champion
      variants:
        - name: champion
          weight: 100
        - name: challenger
          model: models:/churn/2
          weight: 0
`;

describe('deployments from the language server', { timeout: 300_000 }, () => {
  let session: TestSession;
  let fixture: SklearnFixture;

  async function runWithModel(folder: string): Promise<string> {
    const { run } = await mlflow<{ run: { info: { run_id: string } } }>(
      session.sextant.trackingUri,
      'runs/create',
      { experiment_id: '0', run_name: path.basename(folder) },
    );
    const runId = run.info.run_id;
    for (const file of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const full = path.join(file.parentPath, file.name);
      const response = await fetch(
        `${session.sextant.trackingUri}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/${path.relative(folder, full)}`,
        { method: 'PUT', body: fs.readFileSync(full) },
      );
      assert.equal(response.status, 200);
    }
    return runId;
  }

  const weightsOf = (summary: { variants: { name: string; weight: number }[] }) =>
    Object.fromEntries(summary.variants.map((v) => [v.name, v.weight]));

  before(async () => {
    session = await startSession();
    fs.symlinkSync(
      path.resolve(path.dirname(SKLEARN_PYTHON), '..'),
      path.join(session.folder, '.venv'),
    );
    fixture = sklearnFixture(fs.mkdtempSync(path.join(session.folder, 'models-')));
    for (const model of [fixture.models.weak, fixture.models.strong]) {
      await session.client.sendRequest(RegistryRegisterRequest, {
        name: 'churn',
        source: `runs:/${await runWithModel(model)}/model`,
      });
    }
    await session.client.sendRequest(RegistrySetAliasRequest, {
      name: 'churn',
      alias: 'champion',
      version: '1',
    });
    fs.writeFileSync(path.join(session.folder, 'sextant.yaml'), SEXTANT_YAML);
  });

  after(async () => {
    for (const name of ['churn-api', 'churn-v2']) {
      await session.client.sendRequest(ServingStopRequest, { name }).catch(() => undefined);
    }
    await session.close();
  });

  it('lists a declared deployment, deploys it, and answers a test request from its input example', async () => {
    const listed = await session.client.sendRequest(ServingListRequest);
    assert.equal(listed.file, path.join(session.folder, 'sextant.yaml'));
    assert.deepEqual(
      listed.deployments.map((d) => [d.name, d.status]),
      [['churn-api', 'declared']],
    );
    const changed = session.inbox.next(ServingChangedNotification, (p) => p.name === 'churn-api');
    const deployed = await session.client.sendRequest(ServingDeployRequest, {
      name: 'churn-api',
      reason: 'first release',
    });
    assert.equal(deployed.status, 'running');
    assert.match(deployed.url!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(weightsOf(deployed), { champion: 100, challenger: 0 });
    assert.deepEqual(
      deployed.variants.map((v) => [v.name, v.version, v.replicas]),
      [
        ['champion', '1', 1],
        ['challenger', '2', 1],
      ],
    );
    await changed;

    const got = await session.client.sendRequest(ServingGetRequest, { name: 'churn-api' });
    assert.equal(got.testRequest.path, '/invocations');
    assert.notEqual(got.testRequest.source, 'none');
    assert.equal(got.events.at(-1)?.kind, 'deploy');
    assert.equal(got.events.at(-1)?.reason, 'first release');
    assert.ok(got.snippets.curl.startsWith(`curl -s -X POST ${deployed.url}/invocations`));
    assert.match(got.snippets.python, /requests\.post/);

    const answer = await session.client.sendRequest(ServingPredictRequest, {
      name: 'churn-api',
      body: got.testRequest.body,
    });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.variant, 'champion');
    assert.ok(answer.latencyMs > 0);
    const predictions = (JSON.parse(answer.body) as { predictions: number[] }).predictions;
    assert.equal(predictions.length, 2);
    assert.ok(predictions.every((p) => p === 0 || p === 1));

    const bad = await session.client.sendRequest(ServingPredictRequest, {
      name: 'churn-api',
      body: '{"dataframe_split": ',
    });
    assert.equal(bad.status, 400);

    // The 400 is an answer of the champion too (5xx alone count as errors).
    for (let i = 0; i < 20; i++) {
      await session.client.sendRequest(ServingPredictRequest, {
        name: 'churn-api',
        body: got.testRequest.body,
      });
    }
    const stats = await session.client.sendRequest(ServingStatsRequest, {
      name: 'churn-api',
      windowSeconds: 120,
    });
    assert.equal(stats.seconds.length, 120);
    const champion = stats.variants.find((v) => v.variant === 'champion')!;
    assert.equal(champion.requests, 22);
    assert.equal(champion.errors, 0);
    assert.ok(champion.p50Ms! > 0 && champion.p99Ms! >= champion.p50Ms!);
    assert.equal(champion.meanBatchSize, 1);
    assert.equal(champion.replicasReady, 1);
    assert.equal(
      champion.series.requests.reduce((a, b) => a + b, 0),
      22,
    );
    assert.equal(stats.total.requests, 22);

    // The deployment writes its inference log in batches (every 250 ms): wait for them.
    let logged = await session.client.sendRequest(ServingRequestsRequest, {
      name: 'churn-api',
      limit: 5,
    });
    for (let i = 0; i < 100 && logged.requests.length < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      logged = await session.client.sendRequest(ServingRequestsRequest, {
        name: 'churn-api',
        limit: 5,
      });
    }
    assert.equal(logged.requests.length, 5);
    assert.equal(logged.requests[0]!.variant, 'champion');
    assert.equal(logged.requests[0]!.status, 200);

    const list = await session.client.sendRequest(ServingListRequest);
    const live = list.deployments.find((d) => d.name === 'churn-api')!.live!;
    assert.ok(live.requestRate > 0);
    assert.ok(live.p99Ms! > 0);

    const logs = await session.client.sendRequest(ServingLogsRequest, { name: 'churn-api' });
    assert.match(logs.text, /Ready: churn-api at http/);
    const more = await session.client.sendRequest(ServingLogsRequest, {
      name: 'churn-api',
      offset: logs.offset,
    });
    assert.equal(more.text, '');
  });

  it('moves traffic, promotes and rolls back, each a recorded event with the alias moved', async () => {
    const split = await session.client.sendRequest(ServingSetTrafficRequest, {
      name: 'churn-api',
      weights: { champion: 50, challenger: 50 },
    });
    assert.deepEqual(weightsOf(split), { champion: 50, challenger: 50 });
    await assert.rejects(
      session.client.sendRequest(ServingSetTrafficRequest, {
        name: 'churn-api',
        weights: { nobody: 10 },
      }),
      /no variant 'nobody'/,
    );
    await assert.rejects(
      session.client.sendRequest(ServingSetTrafficRequest, {
        name: 'churn-api',
        weights: { champion: -1 },
      }),
      /expected a number >= 0/,
    );

    const promoted = await session.client.sendRequest(ServingPromoteRequest, {
      name: 'churn-api',
    });
    assert.deepEqual(weightsOf(promoted), { champion: 0, challenger: 100 });
    let model = await session.client.sendRequest(RegistryModelRequest, { name: 'churn' });
    assert.deepEqual(model.model.aliases, [{ alias: 'champion', version: '2' }]);

    const rolled = await session.client.sendRequest(ServingRollbackRequest, {
      name: 'churn-api',
    });
    assert.deepEqual(weightsOf(rolled), { champion: 50, challenger: 50 });
    model = await session.client.sendRequest(RegistryModelRequest, { name: 'churn' });
    assert.deepEqual(model.model.aliases, [{ alias: 'champion', version: '1' }]);

    const got = await session.client.sendRequest(ServingGetRequest, { name: 'churn-api' });
    assert.deepEqual(
      got.events.map((e) => e.kind),
      ['deploy', 'traffic', 'promote', 'rollback'],
    );
    assert.deepEqual(got.events[2]!.details.to, '2');
  });

  it('scales a running deployment in place keeping its weights, then stops it', async () => {
    const running = await session.client.sendRequest(ServingGetRequest, { name: 'churn-api' });
    const scaled = await session.client.sendRequest(ServingScaleRequest, {
      name: 'churn-api',
      replicas: 2,
    });
    assert.equal(scaled.status, 'running');
    assert.equal(scaled.url, running.deployment.url, 'served where it was');
    assert.deepEqual(
      scaled.variants.map((v) => v.replicas),
      [2, 2],
    );
    assert.deepEqual(weightsOf(scaled), { champion: 50, challenger: 50 });
    assert.match(
      fs.readFileSync(path.join(session.folder, 'sextant.yaml'), 'utf8'),
      /# churn behind a canary\n {2}churn-api:\n(.*\n)* {4}replicas: 2/,
    );
    const stats = await session.client.sendRequest(ServingStatsRequest, { name: 'churn-api' });
    assert.equal(stats.variants.find((v) => v.variant === 'champion')!.replicasReady, 2);
    const got = await session.client.sendRequest(ServingGetRequest, { name: 'churn-api' });
    // Scaled through the running deployment's admin route: not stopped and started again.
    assert.deepEqual(
      got.events.slice(running.events.length).map((e) => e.kind),
      ['scale'],
    );
    assert.deepEqual(got.events.at(-1)!.details, {
      manual: true,
      replicas: 2,
      before: { champion: 1, challenger: 1 },
      after: { champion: 2, challenger: 2 },
    });

    const stopped = await session.client.sendRequest(ServingStopRequest, { name: 'churn-api' });
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.url, undefined);
    await assert.rejects(
      session.client.sendRequest(ServingPredictRequest, { name: 'churn-api', body: '{}' }),
      /is not running/,
    );
  });

  it('deploys a model version by writing it into sextant.yaml, comments kept', async () => {
    await assert.rejects(
      session.client.sendRequest(ServingDeployRequest, { name: 'nope' }),
      /declares no deployment named 'nope'/,
    );
    await assert.rejects(
      session.client.sendRequest(ServingDeployRequest, { name: 'x', model: 'churn' }),
      /models:\/<name>@<alias> or models:\/<name>\/<version>/,
    );
    const deployed = await session.client.sendRequest(ServingDeployRequest, {
      name: 'churn-v2',
      model: 'models:/churn/2',
      runtime: 'python',
      replicas: 1,
    });
    assert.equal(deployed.status, 'running');
    assert.deepEqual(
      deployed.variants.map((v) => [v.name, v.uri, v.version]),
      [['champion', 'models:/churn/2', '2']],
    );
    const text = fs.readFileSync(path.join(session.folder, 'sextant.yaml'), 'utf8');
    assert.ok(text.startsWith("# The team's workspace: keep this comment.\n"));
    assert.match(text, /# churn behind a canary/);
    assert.match(
      text,
      / {2}churn-v2:\n {4}model: models:\/churn\/2\n {4}runtime: python\n {4}replicas: 1\n/,
    );
    const canary = await session.client.sendRequest(ServingDeployRequest, {
      name: 'churn-v2',
      model: 'models:/churn/1',
      variant: 'challenger',
      weight: 20,
    });
    assert.equal(canary.status, 'running');
    assert.deepEqual(
      canary.variants.map((v) => [v.name, v.version, v.weight]),
      [
        ['champion', '2', 80],
        ['challenger', '1', 20],
      ],
    );
    await assert.rejects(
      session.client.sendRequest(ServingDeployRequest, { name: 'churn-v2', variant: 'x' }),
      /Give 'model' with 'variant'/,
    );
    const stopped = await session.client.sendRequest(ServingStopRequest, { name: 'churn-v2' });
    assert.equal(stopped.status, 'stopped');
  });
});
