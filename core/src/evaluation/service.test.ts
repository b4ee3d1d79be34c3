import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import { gone, TEST_PYTHON as PYTHON } from './evaluation.testing';
import { EvaluationService, EVALUATIONS_EXPERIMENT } from './service';
import { EvaluationCancelled } from './worker';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-eval-service-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('an evaluation run whose worker fails or is cancelled', () => {
  let engine: Engine;
  let model: string;
  let data: string;
  before(() => {
    engine = Engine.open({ storeDir: path.join(dir, 'store') });
    model = path.join(dir, 'model');
    fs.mkdirSync(model);
    fs.writeFileSync(path.join(model, 'MLmodel'), 'flavors: {}\n');
    data = path.join(dir, 'eval.csv');
    fs.writeFileSync(data, 'x,y\n1,0\n2,1\n');
  });
  after(() => engine.close());

  /** A stand-in Python for the service: an executable that ignores its arguments. */
  const fakePython = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };

  it('ends the run FAILED with the error as a tag, the dataset hash and model linked', async () => {
    const python = fakePython('fails', `echo '{"type":"error","message":"KeyError: y"}'; exit 1`);
    await assert.rejects(
      engine.evaluation.evaluate({
        model,
        data,
        target: 'y',
        task: 'classifier',
        experiment: 'evals',
        python,
      }),
      /KeyError: y/,
    );
    const experiment = await engine.tracking.getExperimentByName('evals');
    const [failed] = (
      await engine.tracking.searchRuns({ experimentIds: [experiment!.experimentId] })
    ).items;
    assert.equal(failed!.info.status, 'FAILED');
    const tags = Object.fromEntries(failed!.data.tags.map((t) => [t.key, t.value]));
    assert.match(tags['sextant.evaluation.error']!, /KeyError: y/);
    assert.equal(tags['sextant.evaluation.model_uri'], model);
    assert.equal(
      tags['sextant.evaluation.dataset_sha256'],
      createHash('sha256').update(fs.readFileSync(data)).digest('hex'),
    );
    assert.deepEqual(
      failed!.inputs.datasetInputs.map((d) => d.dataset.name),
      ['eval.csv'],
    );
  });

  it('records runs that name no experiment in the Evaluations experiment, not Default', async () => {
    const python = fakePython('fails-too', `echo '{"type":"error","message":"no"}'; exit 1`);
    const request = { model, data, target: 'y', task: 'classifier' as const, python };
    await assert.rejects(engine.evaluation.evaluate(request), /no/);
    await assert.rejects(engine.evaluation.evaluate(request), /no/);
    const evaluations = await engine.tracking.getExperimentByName(EVALUATIONS_EXPERIMENT);
    assert.ok(evaluations, 'the Evaluations experiment is created on first use');
    const runs = await engine.tracking.searchRuns({ experimentIds: [evaluations.experimentId] });
    assert.equal(runs.items.length, 2);
    assert.ok(runs.items.every((r) => r.info.runName === 'evaluate eval.csv'));
    assert.equal((await engine.tracking.searchRuns({ experimentIds: ['0'] })).items.length, 0);
  });

  it('ends the run KILLED when cancelled, and the worker is gone', async () => {
    const python = fakePython(
      'hangs',
      `echo "{\\"type\\":\\"progress\\",\\"stage\\":\\"predict\\",\\"message\\":\\"$$\\"}"; exec sleep 60`,
    );
    const controller = new AbortController();
    let pid = 0;
    await assert.rejects(
      engine.evaluation.evaluate(
        { model, data, target: 'y', task: 'classifier', experiment: 'cancelled', python },
        {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.stage !== 'predict') return;
            pid = Number(p.message);
            controller.abort();
          },
        },
      ),
      EvaluationCancelled,
    );
    assert.ok(pid > 0);
    assert.equal(await gone(pid), true);
    const experiment = await engine.tracking.getExperimentByName('cancelled');
    const [killed] = (
      await engine.tracking.searchRuns({ experimentIds: [experiment!.experimentId] })
    ).items;
    assert.equal(killed!.info.status, 'KILLED');
    assert.ok(killed!.info.endTime);
  });

  it("runs the worker with the Python of the environment provisioned from the model's requirements, and records its result", async () => {
    fs.writeFileSync(path.join(model, 'requirements.txt'), 'scikit-learn==1.9.1\n');
    const fake = path.join(dir, 'fake_worker.py');
    fs.writeFileSync(
      fake,
      [
        'import json, os, sys',
        'request = json.load(open(sys.argv[2]))',
        'os.makedirs(request["output_dir"], exist_ok=True)',
        'open(os.path.join(request["output_dir"], "roc_curve.json"), "w").write(json.dumps({"curves": []}))',
        'for m in ({"type": "artifact", "path": "roc_curve.json"},',
        '          {"type": "result", "rows": 2, "metrics": {"accuracy_score": 0.5, "roc_auc": 0.75}, "slices": []}):',
        '    print(json.dumps(m), flush=True)',
      ].join('\n'),
    );
    const binDir = path.join(dir, 'env', 'bin');
    fs.mkdirSync(binDir, { recursive: true });
    fs.writeFileSync(path.join(binDir, 'python'), `#!/bin/sh\nexec ${PYTHON} ${fake} "$@"\n`, {
      mode: 0o755,
    });
    const asked: Array<{ requirements: string; cacheDir: string }> = [];
    const service = new EvaluationService({
      tracking: engine.tracking,
      registry: engine.registry,
      artifacts: engine.artifacts,
      environmentsDir: path.join(dir, 'store', 'envs'),
      provision: async (request) => {
        asked.push({ requirements: request.requirements, cacheDir: request.cacheDir });
        return { binDir, id: 'e1', reused: false };
      },
    });
    const result = await service.evaluate({
      model,
      data,
      target: 'y',
      task: 'classifier',
      experiment: 'provisioned',
      environment: 'model',
      thresholds: [{ metric: 'roc_auc', threshold: 0.8, greaterIsBetter: true }],
    });
    assert.deepEqual(asked, [
      {
        requirements: path.join(model, 'requirements.txt'),
        cacheDir: path.join(dir, 'store', 'envs'),
      },
    ]);
    const recorded = await engine.tracking.getRun(result.runId);
    assert.equal(recorded.info.status, 'FINISHED');
    const metrics = Object.fromEntries(recorded.data.metrics.map((m) => [m.key, m.value]));
    assert.deepEqual(metrics, { accuracy_score: 0.5, roc_auc: 0.75, gate_passed: 0 });
    const tags = Object.fromEntries(recorded.data.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['sextant.evaluation.gate'], 'failed');
    assert.equal(result.gate?.passed, false);
    const root = recorded.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
    assert.deepEqual(
      (await engine.artifacts.list(`${root}/evaluation`))
        .map((e) => e.path.split('/').pop())
        .sort(),
      ['gate.json', 'result.json', 'roc_curve.json'],
    );
  });

  it('refuses a registered model name, a missing dataset and a change without a baseline', async () => {
    const base = { data, target: 'y', task: 'classifier' as const };
    await assert.rejects(
      engine.evaluation.evaluate({ ...base, model: 'models:/churn@champion' }),
      /model version 'churn@champion' does not exist/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({ ...base, model, data: path.join(dir, 'none.csv') }),
      /does not exist/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({ ...base, model: path.join(dir, 'nothing') }),
      /not an MLflow model folder/,
    );
    await assert.rejects(
      engine.evaluation.evaluate({
        ...base,
        model,
        thresholds: [{ metric: 'accuracy_score', minAbsoluteChange: 0.1, greaterIsBetter: true }],
      }),
      /baseline/,
    );
  });
});
