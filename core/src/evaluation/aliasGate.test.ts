import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import type { MetricThreshold } from '../model/evaluation';
import {
  SKLEARN_PYTHON as PYTHON,
  sklearnFixture,
  uploadFolder,
  type SklearnFixture,
} from './evaluation.testing';

describe('a gate that measures against the champion and sets an alias when it passes', () => {
  let dir: string;
  let engine: Engine;
  let fixture: SklearnFixture;
  const base = {
    target: 'label',
    task: 'classifier' as const,
    python: PYTHON,
    shap: false,
    permutationImportance: false,
  };
  // The strong model's accuracy is 0.959, the weak one's 0.947 (see the fixture).
  const gate: MetricThreshold[] = [
    { metric: 'accuracy_score', threshold: 0.95, greaterIsBetter: true },
    { metric: 'accuracy_score', minAbsoluteChange: 0.005, greaterIsBetter: true },
  ];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-eval-alias-'));
    fixture = sklearnFixture(dir);
    assert.ok(fixture.accuracy.weak < 0.95 && fixture.accuracy.strong >= 0.95);
    assert.ok(fixture.accuracy.strong - fixture.accuracy.weak >= 0.005);
    engine = Engine.open({ storeDir: path.join(dir, 'store') });
    const experimentId = await engine.tracking.createExperiment('training');
    for (const name of ['churn', 'fresh']) await engine.registry.createModel({ name });
    for (const [model, folder] of [
      ['churn', fixture.models.weak],
      ['churn', fixture.models.strong],
      ['fresh', fixture.models.strong],
    ] as const) {
      const run = await engine.tracking.createRun({ experimentId, userId: 'ana', tags: [] });
      await uploadFolder(
        engine.artifacts,
        folder,
        `${run.info.artifactUri.replace(/^mlflow-artifacts:\//, '')}/model`,
      );
      await engine.registry.createVersion({ name: model, source: `runs:/${run.info.runId}/model` });
    }
    await engine.registry.setAlias('churn', 'champion', '1');
  });
  after(() => {
    engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates the champion first when it has no evaluation on the eval set, passes, and moves the alias as a registry event', async () => {
    const result = await engine.evaluation.evaluate({
      ...base,
      model: 'models:/churn/2',
      data: fixture.csv,
      thresholds: gate,
      baselineAlias: 'champion',
      onPassAlias: 'challenger',
      actor: { user: 'ci', reason: 'nightly retraining' },
    });
    assert.equal(result.gate?.passed, true);
    const [champion] = await engine.evaluation.evaluations({ name: 'churn', version: '1' });
    assert.ok(champion, 'the champion was evaluated on the same eval set');
    assert.equal(result.gate?.baselineRunId, champion.runId);
    assert.equal(result.gate?.metrics[1]?.baseline, fixture.accuracy.weak);
    assert.deepEqual(result.aliasSet, { name: 'churn', alias: 'challenger', version: '2' });
    assert.equal((await engine.registry.getVersionByAlias('churn', 'challenger')).version, '2');
    const tags = Object.fromEntries(
      (await engine.tracking.getRun(result.runId)).data.tags.map((t) => [t.key, t.value]),
    );
    assert.equal(tags['sextant.evaluation.gate_baseline_alias'], 'champion=1');
    assert.equal(tags['sextant.evaluation.alias_set'], 'challenger=2');
    const moves = (await engine.registry.history('churn')).filter(
      (e) => e.details.alias === 'challenger',
    );
    assert.deepEqual(
      moves.map((e) => [e.kind, e.version, e.user, e.reason, e.details.to]),
      [['alias_set', '2', 'ci', 'nightly retraining', '2']],
    );
  });

  it('moves nothing when the gate fails, and reuses the recorded baseline evaluation', async () => {
    await engine.registry.setAlias('churn', 'champion', '2');
    const before = await engine.evaluation.evaluations({ name: 'churn' });
    const eventsBefore = (await engine.registry.history('churn')).length;
    const result = await engine.evaluation.evaluate({
      ...base,
      model: 'models:/churn/1',
      data: fixture.csv,
      thresholds: gate,
      baselineAlias: 'champion',
      onPassAlias: 'challenger',
    });
    assert.equal(result.gate?.passed, false);
    assert.equal(result.aliasSet, undefined);
    // The champion (version 2) was evaluated on these bytes above: that run is the baseline.
    assert.equal(result.gate?.baselineRunId, before.filter((e) => e.version === '2').pop()?.runId);
    assert.equal(
      (await engine.evaluation.evaluations({ name: 'churn' })).length,
      before.length + 1,
    );
    assert.equal((await engine.registry.getVersionByAlias('churn', 'challenger')).version, '2');
    assert.equal((await engine.registry.history('churn')).length, eventsBefore);
    const tags = Object.fromEntries(
      (await engine.tracking.getRun(result.runId)).data.tags.map((t) => [t.key, t.value]),
    );
    assert.equal(tags['sextant.evaluation.gate'], 'failed');
    assert.equal(tags['sextant.evaluation.alias_set'], undefined);
  });

  it('gates an evaluation run already recorded (the pipeline gate) against the alias holder', async () => {
    const [weak] = await engine.evaluation.evaluations({ name: 'churn', version: '1' });
    const championRuns = await engine.evaluation.evaluations({ name: 'churn', version: '2' });
    const gateResult = await engine.evaluation.gateRun({
      runId: weak!.runId,
      thresholds: gate,
      name: 'churn',
      baselineAlias: 'champion',
    });
    assert.equal(gateResult.passed, false);
    assert.equal(gateResult.baselineRunId, championRuns.pop()!.runId);
    const tags = Object.fromEntries(
      (await engine.tracking.getRun(weak!.runId)).data.tags.map((t) => [t.key, t.value]),
    );
    assert.equal(tags['sextant.evaluation.gate'], 'failed');
    assert.equal(tags['sextant.evaluation.gate_baseline_alias'], 'champion=2');
    const training = await engine.tracking.getExperimentByName('training');
    const [plain] = (await engine.tracking.searchRuns({ experimentIds: [training!.experimentId] }))
      .items;
    await assert.rejects(
      engine.evaluation.gateRun({ runId: plain!.info.runId, thresholds: gate }),
      /no finished evaluation run/,
    );
  });

  it('without a version holding the baseline alias, checks only the absolute bounds and says so', async () => {
    const result = await engine.evaluation.evaluate({
      ...base,
      model: 'models:/fresh/1',
      data: fixture.csv,
      thresholds: gate,
      baselineAlias: 'champion',
      onPassAlias: 'champion',
    });
    assert.equal(result.gate?.passed, true);
    assert.deepEqual(
      result.gate?.metrics.map((m) => m.threshold),
      [{ metric: 'accuracy_score', threshold: 0.95, greaterIsBetter: true }],
    );
    assert.ok(result.warnings.some((w) => /holds the alias 'champion'/.test(w)));
    assert.equal((await engine.registry.getVersionByAlias('fresh', 'champion')).version, '1');
  });

  it('refuses alias gates it cannot honour before it runs anything', async () => {
    const runs = async (): Promise<number> => {
      const experiments = await engine.tracking.searchExperiments({ maxResults: 1000 });
      const experimentIds = experiments.items.map((e) => e.experimentId);
      return (await engine.tracking.searchRuns({ experimentIds })).items.length;
    };
    const count = await runs();
    const request = { ...base, data: fixture.csv, thresholds: gate.slice(0, 1) };
    await assert.rejects(
      engine.evaluation.evaluate({
        ...request,
        model: 'models:/churn/1',
        onPassAlias: 'x',
        thresholds: [],
      }),
      /only when a gate passes/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({
        ...request,
        model: fixture.models.weak,
        onPassAlias: 'challenger',
      }),
      /needs a registered version/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({
        ...request,
        model: 'models:/churn/1',
        baselineAlias: 'champion',
        baselineRunId: 'abc',
      }),
      /not both/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({ ...request, model: 'models:/churn/1', onPassAlias: "x' OR '1" }),
      /Invalid alias name/,
    );
    assert.equal(await runs(), count);
  });
});
