/**
 * `environment: 'model'` for real: a virtual environment built with pip from a scikit-learn
 * model's own requirements (Sextant's per-requirements environments), and the model evaluated in
 * it. Slow (pip installs numpy, scipy, pandas, scikit-learn and mlflow-skinny: 1 to 4 minutes
 * here), so it is no part of the default suite: `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import { SKLEARN_PYTHON, sklearnFixture, type SklearnFixture } from './evaluation.testing';

/** The versions of the repository's `.venv`, so that pip finds them in its local wheels. */
function pinnedRequirements(): string {
  const script =
    'import importlib.metadata as m\n' +
    'for d in ("mlflow-skinny", "scikit-learn", "pandas", "numpy", "scipy", "cloudpickle", "skops"):\n' +
    '    print(f"{d}=={m.version(d)}")';
  return execFileSync(SKLEARN_PYTHON, ['-c', script], {
    encoding: 'utf8',
  }) as string;
}

describe('evaluating a model in its own environment, built with pip from its requirements', () => {
  let dir: string;
  let engine: Engine;
  let fixture: SklearnFixture;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-eval-env-'));
    fixture = sklearnFixture(dir);
    // mlflow's own requirements.txt names the whole mlflow server; the model needs its client.
    fs.writeFileSync(path.join(fixture.models.weak, 'requirements.txt'), pinnedRequirements());
    engine = Engine.open({ storeDir: path.join(dir, 'store') });
  });
  after(() => {
    engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'builds the environment once, evaluates in it, and reuses it',
    { timeout: 900_000 },
    async () => {
      const request = {
        model: fixture.models.weak,
        data: fixture.csv,
        target: 'label',
        task: 'classifier' as const,
        environment: 'model' as const,
        shap: false,
      };
      let output = '';
      const started = Date.now();
      const first = await engine.evaluation.evaluate(request, {
        onOutput: (text) => (output += text),
      });
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`the model environment was built and used in ${seconds.toFixed(0)} s\n`);
      assert.match(output, /Creating a virtual environment for .*requirements\.txt/);
      assert.ok(Math.abs(first.metrics.accuracy_score! - fixture.accuracy.weak) <= 1e-9);
      const envs = fs.readdirSync(path.join(dir, 'store', 'envs'));
      assert.equal(envs.filter((e) => /^[0-9a-f]{64}$/.test(e)).length, 1, envs.join(', '));
      const [env] = envs.filter((e) => /^[0-9a-f]{64}$/.test(e));
      const site = fs.readdirSync(path.join(dir, 'store', 'envs', env!, 'lib'));
      assert.ok(
        fs.existsSync(
          path.join(dir, 'store', 'envs', env!, 'lib', site[0]!, 'site-packages', 'sklearn'),
        ),
        'scikit-learn was installed into the environment',
      );

      output = '';
      const again = await engine.evaluation.evaluate(request, {
        onOutput: (text) => (output += text),
      });
      assert.doesNotMatch(output, /Creating a virtual environment/);
      assert.equal(again.metrics.accuracy_score, first.metrics.accuracy_score);
    },
  );
});
