import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import type { StepRun } from '../../model/pipeline';
import { testActiveRun, testPipeline } from './parts.testing';
import { StepEnvironments } from './stepEnvironment';

describe('step environments', () => {
  const step = testStep('true', { name: 'train', environment: { vars: { SEED: '1' } } });
  const active = () => testActiveRun(testPipeline('/ws', [step], 'demo'), 'env-run');

  it("gives a step the run's base, Sextant's variables and its own; MLflow's once served", () => {
    process.env.MLFLOW_EXPERIMENT_NAME = 'from the shell';
    try {
      const environments = new StepEnvironments('/store/envs');
      const run = active();
      const env = environments.of(run, step, 'r1');
      assert.equal(env.base.MLFLOW_EXPERIMENT_NAME, undefined, "a step logs into its own run's");
      assert.equal(env.base.PATH, process.env.PATH);
      assert.deepEqual(env.vars, {
        SEED: '1',
        SEXTANT_PIPELINE: 'demo',
        SEXTANT_PIPELINE_RUN_ID: 'env-run',
        SEXTANT_STEP: 'train',
      });
      assert.equal(environments.of(run, step, 'r2').base, env.base, 'one base per run');
      environments.trackingUri = 'http://127.0.0.1:5000';
      const served = environments.of(run, step, 'r3');
      assert.equal(served.vars.MLFLOW_TRACKING_URI, 'http://127.0.0.1:5000');
      assert.equal(served.vars.MLFLOW_RUN_ID, 'r3');
      environments.storeDir = '/store';
      const stored = environments.of(run, step, 'r4');
      assert.equal(stored.vars.SEXTANT_STORE, '/store', "built-ins open the run's store");
      assert.equal(stored.vars.SEXTANT_RUN_ID, 'r4');
    } finally {
      delete process.env.MLFLOW_EXPERIMENT_NAME;
    }
  });

  it('puts a provisioned environment first on the PATH, and says why one could not be made', async () => {
    const requests: unknown[] = [];
    const changes: Partial<StepRun>[] = [];
    const withReqs = { ...step, environment: { vars: {}, requirements: 'requirements.txt' } };
    const environments = new StepEnvironments('/store/envs', async (request) => {
      requests.push(request);
      return { binDir: '/store/envs/abc/bin', id: 'abc', reused: false };
    });
    const run = active();
    const plain = environments.of(run, withReqs, 'r1');
    const made = await environments.provisioned(
      run,
      withReqs,
      plain,
      () => undefined,
      new AbortController().signal,
      (change = {}) => changes.push(change),
    );
    assert.ok('env' in made);
    if ('env' in made) {
      assert.ok(made.env.vars.PATH?.startsWith(`/store/envs/abc/bin${path.delimiter}`));
      assert.equal(made.env.vars.VIRTUAL_ENV, '/store/envs/abc');
    }
    assert.deepEqual(changes, [{}, { environment: 'abc' }]);
    assert.deepEqual(
      requests.map((r) => (r as { requirements: string; cacheDir: string }).requirements),
      ['/ws/requirements.txt'],
    );

    const failing = new StepEnvironments('/store/envs', async () => {
      throw new Error('pip exited with code 1');
    });
    assert.deepEqual(
      await failing.provisioned(
        run,
        withReqs,
        plain,
        () => undefined,
        run.controller.signal,
        () => undefined,
      ),
      { failed: 'could not provision the environment: pip exited with code 1' },
    );
  });
});
