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
  EvaluationCancelRequest,
  EvaluationFinishedNotification,
  EvaluationProgressNotification,
  EvaluationStartRequest,
  RegistryCompareRequest,
  RegistryModelRequest,
  RegistryRegisterRequest,
  RegistryVersionRequest,
} from '../protocol';
import { mlflow, startSession, type TestSession } from '../session.testing';

describe('evaluating registered versions from the language server', { timeout: 240_000 }, () => {
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

  before(async () => {
    session = await startSession();
    // The workspace's own virtual environment runs the models, as it would for a user.
    fs.symlinkSync(
      path.resolve(path.dirname(SKLEARN_PYTHON), '..'),
      path.join(session.folder, '.venv'),
    );
    fixture = sklearnFixture(session.folder);
    for (const model of [fixture.models.weak, fixture.models.strong]) {
      await session.client.sendRequest(RegistryRegisterRequest, {
        name: 'churn',
        source: `runs:/${await runWithModel(model)}/model`,
      });
    }
  });
  after(() => session.close());

  it('evaluates two versions with progress, then compares them with scikit-learn`s scores', async () => {
    const { evaluationId } = await session.client.sendRequest(EvaluationStartRequest, {
      versions: [
        { name: 'churn', version: '1' },
        { name: 'churn', version: '2' },
      ],
      data: path.relative(session.folder, fixture.csv),
      target: 'label',
      task: 'classifier',
      evalSet: 'holdout',
    });
    const finished = await session.inbox.next(
      EvaluationFinishedNotification,
      (s) => s.evaluationId === evaluationId,
    );
    assert.equal(finished.state, 'finished', finished.error);
    assert.equal(finished.runIds.length, 2);
    const progress = session.inbox
      .all(EvaluationProgressNotification)
      .filter((p) => p.evaluationId === evaluationId);
    assert.deepEqual([...new Set(progress.map((p) => p.version))], ['1', '2']);
    assert.ok(progress.some((p) => p.progress.stage === 'predict'));

    const compared = await session.client.sendRequest(RegistryCompareRequest, {
      versions: [
        { name: 'churn', version: '1' },
        { name: 'churn', version: '2' },
      ],
    });
    assert.equal(compared.evalSet, 'holdout');
    const accuracy = compared.metrics.find((m) => m.key === 'accuracy_score')!;
    assert.ok(Math.abs(accuracy.values[0]! - fixture.accuracy.weak) < 1e-9);
    assert.ok(Math.abs(accuracy.values[1]! - fixture.accuracy.strong) < 1e-9);
    assert.equal(accuracy.best, fixture.accuracy.strong > fixture.accuracy.weak ? 1 : 0);
    const plots = compared.evaluations[1]!.plots;
    assert.equal(plots.roc?.length, 1);
    assert.ok(plots.roc![0]!.auc > 0.9);
    assert.equal(plots.confusion?.labels.length, 2);
    assert.equal(plots.importance?.features.length, 30);

    const model = await session.client.sendRequest(RegistryModelRequest, { name: 'churn' });
    assert.equal(model.versions[0]?.keyMetric?.key, 'roc_auc');
    assert.equal(model.versions[0]?.keyMetric?.evalSet, 'holdout');
    const page = await session.client.sendRequest(RegistryVersionRequest, {
      name: 'churn',
      version: '2',
    });
    assert.equal(page.evaluations.length, 1);
    assert.equal(page.latestEvaluation?.summary.runId, finished.runIds[1]);
  });

  it('cancels an evaluation: its run ends killed and the end says cancelled', async () => {
    const { evaluationId } = await session.client.sendRequest(EvaluationStartRequest, {
      versions: [{ name: 'churn', version: '2' }],
      data: fixture.csv,
      target: 'label',
      task: 'classifier',
    });
    await session.inbox.next(
      EvaluationProgressNotification,
      (p) => p.evaluationId === evaluationId && p.progress.stage !== 'resolve',
    );
    const status = await session.client.sendRequest(EvaluationCancelRequest, { evaluationId });
    assert.equal(status.state, 'cancelled');
    const end = await session.inbox.next(
      EvaluationFinishedNotification,
      (s) => s.evaluationId === evaluationId,
    );
    assert.equal(end.state, 'cancelled');
  });
});
