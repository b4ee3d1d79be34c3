import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  EvaluationGetRequest,
  EvaluationListRequest,
  RegistryChangedNotification,
  RegistryCompareRequest,
  RegistryDeleteAliasRequest,
  RegistryDeleteModelRequest,
  RegistryDeleteVersionRequest,
  RegistryListRequest,
  RegistryModelRequest,
  RegistryRegisterRequest,
  RegistryRunModelsRequest,
  RegistrySetAliasRequest,
  RegistrySetStageRequest,
  RegistrySnippetRequest,
  RegistryVersionRequest,
  type SextantErrorData,
} from '../protocol';
import { mlflow, startSession, type TestSession } from '../session.testing';

const mlmodel = (inputs: string): string => `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.9
  sklearn:
    sklearn_version: 1.5.0
mlflow_version: 3.1.0
signature:
  inputs: '${inputs}'
  outputs: '[{"type": "long"}]'
`;

describe('registry and evaluation requests', { timeout: 30_000 }, () => {
  let session: TestSession;
  let runs: string[];
  const call = <T>(endpoint: string, body: unknown): Promise<T> =>
    mlflow<T>(session.sextant.trackingUri, endpoint, body);

  async function upload(runId: string, file: string, body: string): Promise<void> {
    const response = await fetch(
      `${session.sextant.trackingUri}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/${file}`,
      { method: 'PUT', body },
    );
    assert.equal(response.status, 200, await response.text());
  }

  async function trainingRun(c: string, sklearn: string, inputs: string): Promise<string> {
    const { run } = await call<{ run: { info: { run_id: string } } }>('runs/create', {
      experiment_id: '0',
      run_name: `train C=${c}`,
    });
    const runId = run.info.run_id;
    await call('runs/log-batch', { run_id: runId, params: [{ key: 'C', value: c }] });
    await upload(runId, 'model/MLmodel', mlmodel(inputs));
    await upload(runId, 'model/requirements.txt', `mlflow==3.1.0\nscikit-learn==${sklearn}\n`);
    return runId;
  }

  /** An evaluation run as the evaluation capability records one, with two of its plots. */
  async function evaluationRun(
    version: string,
    accuracy: number,
    logLoss: number,
  ): Promise<string> {
    const { run } = await call<{ run: { info: { run_id: string } } }>('runs/create', {
      experiment_id: '0',
      run_name: `evaluate churn v${version}`,
      tags: [
        { key: 'sextant.evaluation', value: 'true' },
        { key: 'sextant.evaluation.model_uri', value: `models:/churn/${version}` },
        { key: 'sextant.evaluation.registered_model', value: 'churn' },
        { key: 'sextant.evaluation.registered_version', value: version },
        { key: 'sextant.evaluation.eval_set', value: 'holdout' },
        { key: 'sextant.evaluation.dataset_sha256', value: 'ab'.repeat(32) },
        { key: 'sextant.evaluation.task', value: 'classifier' },
      ],
    });
    const runId = run.info.run_id;
    const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: 1 });
    await call('runs/log-batch', {
      run_id: runId,
      metrics: [metric('accuracy_score', accuracy), metric('log_loss', logLoss)],
    });
    await upload(
      runId,
      'evaluation/roc_curve.json',
      JSON.stringify({
        curves: [
          { label: 1, fpr: [0, 0.2, 1], tpr: [0, 0.9, 1], thresholds: [2, 0.5, 0], auc: 0.93 },
        ],
      }),
    );
    await upload(
      runId,
      'evaluation/confusion_matrix.json',
      JSON.stringify({
        labels: [0, 1],
        matrix: [
          [40, 3],
          [5, 52],
        ],
      }),
    );
    await upload(
      runId,
      'evaluation/result.json',
      JSON.stringify({ slices: [], warnings: ['no SHAP'] }),
    );
    await call('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
    return runId;
  }

  async function rejects(request: Promise<unknown>, errorCode: string): Promise<void> {
    await assert.rejects(request, (error: unknown) => {
      assert.ok(error instanceof ResponseError, String(error));
      assert.equal((error.data as SextantErrorData).errorCode, errorCode, error.message);
      return true;
    });
  }

  before(async () => {
    session = await startSession();
    runs = [
      await trainingRun('0.1', '1.5.0', '[{"type": "double", "name": "age"}]'),
      await trainingRun(
        '1.0',
        '1.5.2',
        '[{"type": "double", "name": "age"}, {"type": "string", "name": "plan"}]',
      ),
    ];
  });
  after(() => session.close());

  it('finds the models a run logged, registers them and notifies the change', async () => {
    const { models } = await session.client.sendRequest(RegistryRunModelsRequest, {
      runId: runs[0]!,
    });
    const [found, ...others] = models;
    assert.equal(others.length, 0);
    const { sizeBytes, ...facts } = found!;
    assert.deepEqual(facts, {
      source: `runs:/${runs[0]}/model`,
      name: 'model',
      flavors: ['python_function', 'sklearn'],
      signature: { inputs: '[{"type": "double", "name": "age"}]', outputs: '[{"type": "long"}]' },
      artifactPath: 'model',
    });
    assert.ok(sizeBytes! > 100, `the model's size ${sizeBytes}`);
    const changed = session.inbox.next(RegistryChangedNotification, (p) => p.name === 'churn');
    const first = await session.client.sendRequest(RegistryRegisterRequest, {
      name: 'churn',
      source: models[0]!.source,
    });
    assert.equal(first.version, '1');
    assert.equal(first.runId, runs[0]);
    assert.equal(first.deployable, true, first.reasons.join('; '));
    assert.equal((await changed).name, 'churn');
    const second = await session.client.sendRequest(RegistryRegisterRequest, {
      name: 'churn',
      source: `runs:/${runs[1]}/model`,
      description: 'wider features',
    });
    assert.equal(second.version, '2');
  });

  it("sends a logged model's MLmodel when its folder lies outside the run's artifacts", async () => {
    const { model } = await call<{ model: { info: { model_id: string; artifact_uri: string } } }>(
      'logged-models',
      { experiment_id: '0', name: 'clf', source_run_id: runs[1] },
    );
    const folder = model.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '');
    const text = mlmodel('[{"type": "double", "name": "age"}]');
    const response = await fetch(
      `${session.sextant.trackingUri}/api/2.0/mlflow-artifacts/artifacts/${folder}/MLmodel`,
      { method: 'PUT', body: text },
    );
    assert.equal(response.status, 200, await response.text());
    const { models } = await session.client.sendRequest(RegistryRunModelsRequest, {
      runId: runs[1]!,
    });
    const logged = models.find((m) => m.source === `models:/${model.info.model_id}`);
    assert.ok(logged, JSON.stringify(models));
    assert.equal(logged.artifactPath, undefined);
    assert.equal(logged.mlmodel, text);
    assert.deepEqual(logged.flavors, ['python_function', 'sklearn']);
    const inRun = models.find((m) => m.artifactPath === 'model');
    assert.equal(inRun?.mlmodel, undefined, 'a model among the artifacts is previewed from them');
  });

  it('refuses a source outside the artifact store', async () => {
    await rejects(
      session.client.sendRequest(RegistryRegisterRequest, { name: 'churn', source: 'file:///etc' }),
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('lists models by a part of the name, any case', async () => {
    await session.client.sendRequest(RegistryRegisterRequest, {
      name: 'fraud',
      source: `runs:/${runs[0]}/model`,
    });
    const found = await session.client.sendRequest(RegistryListRequest, { search: 'CHU' });
    assert.deepEqual(
      found.models.map((m) => [m.name, m.latestVersion]),
      [['churn', '2']],
    );
    const all = await session.client.sendRequest(RegistryListRequest, { maxResults: 1 });
    assert.deepEqual(
      all.models.map((m) => m.name),
      ['churn'],
    );
    assert.ok(all.nextPageToken);
  });

  it('sets, moves and deletes aliases, archives, and keeps the history on the version', async () => {
    await session.client.sendRequest(RegistrySetAliasRequest, {
      name: 'churn',
      alias: 'champion',
      version: '1',
    });
    const moved = await session.client.sendRequest(RegistrySetAliasRequest, {
      name: 'churn',
      alias: 'champion',
      version: '2',
    });
    assert.deepEqual(
      moved.versions.map((v) => [v.version, v.aliases]),
      [
        ['2', ['champion']],
        ['1', []],
      ],
    );
    const archived = await session.client.sendRequest(RegistrySetStageRequest, {
      name: 'churn',
      version: '1',
      stage: 'Archived',
    });
    assert.equal(archived.stage, 'Archived');
    await rejects(
      session.client.sendRequest(RegistrySetStageRequest, {
        name: 'churn',
        version: '1',
        stage: 'Retired' as never,
      }),
      'INVALID_PARAMETER_VALUE',
    );
    const page = await session.client.sendRequest(RegistryVersionRequest, {
      name: 'churn',
      version: '1',
    });
    assert.deepEqual(
      page.history.map((e) => e.kind),
      ['version_created', 'alias_set', 'alias_moved', 'stage_transitioned'],
    );
    assert.equal(page.sourceRun?.runId, runs[0]);
    assert.deepEqual(page.version.facts?.pipRequirements, ['mlflow==3.1.0', 'scikit-learn==1.5.0']);
    assert.equal(page.snippet.uri, 'models:/churn/1');
    const snippet = await session.client.sendRequest(RegistrySnippetRequest, {
      name: 'churn',
      alias: 'champion',
    });
    assert.equal(snippet.uri, 'models:/churn@champion');
    assert.match(snippet.code, /mlflow\.pyfunc\.load_model\("models:\/churn@champion"\)/);
    await rejects(
      session.client.sendRequest(RegistrySnippetRequest, { name: 'churn', alias: 'nobody' }),
      'RESOURCE_DOES_NOT_EXIST',
    );
    const without = await session.client.sendRequest(RegistryDeleteAliasRequest, {
      name: 'churn',
      alias: 'champion',
    });
    assert.deepEqual(without.model.aliases, []);
  });

  it('compares versions: metrics with the best marked, plots, and the diffs that made them', async () => {
    const bare = await session.client.sendRequest(RegistryCompareRequest, {
      versions: [
        { name: 'churn', version: '1' },
        { name: 'churn', version: '2' },
      ],
    });
    assert.equal(bare.evalSet, undefined);
    assert.deepEqual(bare.evaluations, [null, null]);
    const v1 = await evaluationRun('1', 0.9, 0.3);
    await evaluationRun('2', 0.95, 0.2);
    const compared = await session.client.sendRequest(RegistryCompareRequest, {
      versions: [
        { name: 'churn', version: '1' },
        { name: 'churn', version: '2' },
      ],
    });
    assert.equal(compared.evalSet, 'holdout');
    assert.deepEqual(compared.commonEvalSets, ['holdout']);
    assert.deepEqual(
      compared.metrics.map((m) => [m.key, m.values, m.best]),
      [
        ['accuracy_score', [0.9, 0.95], 1],
        ['log_loss', [0.3, 0.2], 1],
      ],
    );
    assert.deepEqual(compared.params, [{ key: 'C', values: ['0.1', '1.0'], differs: true }]);
    assert.deepEqual(
      compared.requirements.find((r) => r.key === 'scikit-learn'),
      {
        key: 'scikit-learn',
        values: ['scikit-learn==1.5.0', 'scikit-learn==1.5.2'],
        differs: true,
      },
    );
    assert.deepEqual(
      compared.signature.map((s) => [s.key, s.values]),
      [
        ['input:age', ['double', 'double']],
        ['input:plan', [null, 'string']],
        ['output:0', ['long', 'long']],
      ],
    );
    assert.deepEqual(compared.evaluations[0]?.plots.confusion, {
      labels: ['0', '1'],
      matrix: [
        [40, 3],
        [5, 52],
      ],
    });
    assert.equal(compared.evaluations[1]?.plots.roc?.[0]?.auc, 0.93);
    assert.equal(compared.versions[1]?.keyMetric?.key, 'accuracy_score');
    assert.equal(compared.versions[1]?.keyMetric?.value, 0.95);

    const listed = await session.client.sendRequest(EvaluationListRequest, { name: 'churn' });
    assert.deepEqual(
      listed.evaluations.map((e) => e.version),
      ['2', '1'],
    );
    const details = await session.client.sendRequest(EvaluationGetRequest, { runId: v1 });
    assert.deepEqual(details.warnings, ['no SHAP']);
    assert.equal(details.plots.shap, undefined);
    await rejects(
      session.client.sendRequest(EvaluationGetRequest, { runId: runs[0]! }),
      'INVALID_PARAMETER_VALUE',
    );
    await rejects(
      session.client.sendRequest(RegistryCompareRequest, {
        versions: [{ name: 'churn', version: '1' }],
      }),
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('deletes a version and a model', async () => {
    await session.client.sendRequest(RegistryDeleteVersionRequest, { name: 'churn', version: '1' });
    const model = await session.client.sendRequest(RegistryModelRequest, { name: 'churn' });
    assert.deepEqual(
      model.versions.map((v) => v.version),
      ['2'],
    );
    await session.client.sendRequest(RegistryDeleteModelRequest, { name: 'fraud' });
    await rejects(
      session.client.sendRequest(RegistryModelRequest, { name: 'fraud' }),
      'RESOURCE_DOES_NOT_EXIST',
    );
  });
});
