import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import type { EvaluationResult } from '../model/evaluation';
import {
  SKLEARN_PYTHON as PYTHON,
  sklearnFixture,
  uploadFolder,
  type SklearnFixture,
} from './evaluation.testing';

const TOL = 1e-9;

describe('evaluating registered versions of real scikit-learn models, and their history', () => {
  let dir: string;
  let engine: Engine;
  let fixture: SklearnFixture;
  let weakRun: string;
  let strongRun: string;
  let loggedModelId: string;
  const results: Record<string, EvaluationResult> = {};
  const fast = { target: 'label', task: 'classifier' as const, python: PYTHON, shap: false };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-eval-registered-'));
    fixture = sklearnFixture(dir);
    engine = Engine.open({ storeDir: path.join(dir, 'store') });
    const experimentId = await engine.tracking.createExperiment('training');
    const runWith = async (folder: string): Promise<string> => {
      const run = await engine.tracking.createRun({ experimentId, userId: 'ana', tags: [] });
      const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
      await uploadFolder(engine.artifacts, folder, `${root}/model`);
      return run.info.runId;
    };
    weakRun = await runWith(fixture.models.weak);
    strongRun = await runWith(fixture.models.strong);
    const logged = await engine.tracking.createLoggedModel({
      experimentId,
      name: 'forest',
      sourceRunId: strongRun,
      tags: [],
      params: [],
    });
    await uploadFolder(
      engine.artifacts,
      fixture.models.strong,
      logged.artifactUri.replace(/^mlflow-artifacts:\//, ''),
    );
    loggedModelId = logged.modelId;
    await engine.registry.createModel({ name: "churn's" });
    await engine.registry.createVersion({ name: "churn's", source: `runs:/${weakRun}/model` });
    await engine.registry.createVersion({ name: "churn's", source: `runs:/${strongRun}/model` });
    await engine.registry.setAlias("churn's", 'champion', '1');
  });
  after(() => {
    engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves models:/name@alias to the version it names, and records the model, version and eval set', async () => {
    const result = await engine.evaluation.evaluate({
      ...fast,
      model: "models:/churn's@champion",
      data: fixture.csv,
      experiment: 'evals',
    });
    results.champion = result;
    assert.deepEqual(result.registered, { name: "churn's", version: '1' });
    assert.equal(result.evalSet, 'eval.csv');
    assert.ok(Math.abs(result.metrics.accuracy_score! - fixture.accuracy.weak) <= TOL);
    const tags = Object.fromEntries(
      (await engine.tracking.getRun(result.runId)).data.tags.map((t) => [t.key, t.value]),
    );
    assert.equal(tags['sextant.evaluation.registered_model'], "churn's");
    assert.equal(tags['sextant.evaluation.registered_version'], '1');
    assert.equal(tags['sextant.evaluation.eval_set'], 'eval.csv');
    assert.equal(
      tags['sextant.evaluation.dataset_sha256'],
      createHash('sha256').update(fs.readFileSync(fixture.csv)).digest('hex'),
    );
    assert.equal(tags['sextant.evaluation.model_uri'], "models:/churn's@champion");
  });

  it('resolves models:/name/2, and names the eval set as asked', async () => {
    const result = await engine.evaluation.evaluate({
      ...fast,
      model: "models:/churn's/2",
      data: fixture.csv,
      evalSet: 'holdout',
      experiment: 'evals',
      permutationImportance: false,
    });
    results.v2 = result;
    assert.deepEqual(result.registered, { name: "churn's", version: '2' });
    assert.equal(result.evalSet, 'holdout');
    assert.ok(Math.abs(result.metrics.accuracy_score! - fixture.accuracy.strong) <= TOL);
  });

  it('resolves runs:/<id>/path and models:/m-<id> through the same resolver, with no registered version', async () => {
    const byRun = await engine.evaluation.evaluate({
      ...fast,
      model: `runs:/${strongRun}/model`,
      data: fixture.csv,
      permutationImportance: false,
    });
    assert.equal(byRun.registered, undefined);
    assert.ok(Math.abs(byRun.metrics.accuracy_score! - fixture.accuracy.strong) <= TOL);
    const byLogged = await engine.evaluation.evaluate({
      ...fast,
      model: `models:/${loggedModelId}`,
      data: fixture.csv,
      permutationImportance: false,
    });
    assert.equal(byLogged.registered, undefined);
    assert.equal(byLogged.metrics.accuracy_score, byRun.metrics.accuracy_score);
    const inputs = (await engine.tracking.getRun(byLogged.runId)).inputs;
    assert.deepEqual(
      inputs.modelInputs?.map((m) => m.modelId),
      [loggedModelId],
    );
    // As MLflow's client: models:/name/latest and models:/name/<stage> name the newest such version.
    const newest = await engine.registry.resolveModelUri("models:/churn's/latest");
    assert.deepEqual(newest.registered, { name: "churn's", version: '2' });
    await engine.registry.transitionStage("churn's", '1', 'Production');
    const production = await engine.registry.resolveModelUri("models:/churn's/production");
    assert.deepEqual(production.registered, { name: "churn's", version: '1' });
    assert.equal(production.runId, weakRun);
    await assert.rejects(
      engine.registry.resolveModelUri("models:/churn's/Staging"),
      /a Staging version of 'churn's' does not exist/,
    );
    await assert.rejects(
      engine.registry.createVersion({ name: "churn's", source: "models:/churn's/latest" }),
      /Invalid source/,
    );
    // MLflow 3: runs:/<id>/<name> is the run's logged model of that name when no MLmodel lies there.
    const resolved = await engine.registry.resolveModelUri(`runs:/${strongRun}/forest`);
    assert.equal(resolved.modelId, loggedModelId);
    await assert.rejects(
      engine.evaluation.evaluate({ ...fast, model: "models:/churn's/9", data: fixture.csv }),
      /model version 'churn's\/9' does not exist/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({ ...fast, model: 'models:/../../etc', data: fixture.csv }),
      /'\.\.' segments are not allowed/,
    );
  });

  it("lists a registered model's evaluations with their metrics, gate and chart artifacts, narrowed by version and eval set", async () => {
    await engine.evaluation.evaluate({
      ...fast,
      model: "models:/churn's/2",
      data: fixture.csv,
      experiment: 'more evals',
      permutationImportance: false,
      thresholds: [{ metric: 'accuracy_score', threshold: 0.5, greaterIsBetter: true }],
    });
    const all = await engine.evaluation.evaluations({ name: "churn's" });
    assert.deepEqual(
      all.map((e) => [e.version, e.evalSet]),
      [
        ['1', 'eval.csv'],
        ['2', 'holdout'],
        ['2', 'eval.csv'],
      ],
    );
    const [first, second, third] = all;
    assert.equal(first!.runId, results.champion!.runId);
    assert.equal(first!.name, "churn's");
    assert.equal(first!.task, 'classifier');
    assert.equal(first!.datasetSha256, results.champion!.dataset.sha256);
    assert.deepEqual(first!.metrics, results.champion!.metrics);
    assert.equal(first!.gate, undefined);
    assert.equal(third!.gate, 'passed');
    assert.equal(third!.metrics.gate_passed, 1);
    assert.ok(first!.time <= second!.time && second!.time <= third!.time);
    assert.deepEqual(first!.artifacts, {
      calibrationCurve: 'evaluation/calibration_curve.json',
      confusionMatrix: 'evaluation/confusion_matrix.json',
      permutationImportance: 'evaluation/permutation_importance.json',
      precisionRecallCurve: 'evaluation/precision_recall_curve.json',
      result: 'evaluation/result.json',
      rocCurve: 'evaluation/roc_curve.json',
    });
    assert.equal(second!.artifacts.permutationImportance, undefined);
    assert.equal(third!.artifacts.gate, 'evaluation/gate.json');
    const root = (await engine.tracking.getRun(first!.runId)).info.artifactUri.slice(
      'mlflow-artifacts:/'.length,
    );
    assert.equal(await engine.artifacts.exists(`${root}/${first!.artifacts.rocCurve}`), true);

    assert.deepEqual(
      (await engine.evaluation.evaluations({ name: "churn's", version: '2' })).map((e) => e.runId),
      [second!.runId, third!.runId],
    );
    assert.deepEqual(
      (await engine.evaluation.evaluations({ name: "churn's", evalSet: 'eval.csv' })).map(
        (e) => e.runId,
      ),
      [first!.runId, third!.runId],
    );
    assert.deepEqual(await engine.evaluation.evaluations({ name: 'churn' }), []);
    await assert.rejects(engine.evaluation.evaluations({ name: '' }), /registered model/);
    await assert.rejects(
      engine.evaluation.evaluations({ name: "churn's", version: "1' OR 1=1" }),
      /whole number/,
    );

    const history = await engine.evaluation.evaluationHistory({ name: "churn's" });
    assert.deepEqual(
      history.map((h) => h.evalSet),
      ['eval.csv', 'holdout'],
    );
    const accuracy = history[0]!.metrics.accuracy_score!;
    assert.deepEqual(
      accuracy.map((p) => [p.version, p.runId]),
      [
        ['1', first!.runId],
        ['2', third!.runId],
      ],
    );
    assert.ok(Math.abs(accuracy[0]!.value - fixture.accuracy.weak) <= TOL);
    assert.ok(Math.abs(accuracy[1]!.value - fixture.accuracy.strong) <= TOL);
    assert.equal(accuracy[1]!.datasetSha256, third!.datasetSha256);
  });
});
