import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { processAlive } from '../compute';

/** The Python the tests start workers with. */
export const TEST_PYTHON = process.env.SEXTANT_PYTHON || 'python3';

/** Whether process `pid` is gone within 2.5 s (a killed process takes a moment to be reaped). */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!processAlive(pid)) return true;
    await delay(50);
  }
  return false;
}

/**
 * A Python with scikit-learn and mlflow for tests that evaluate real models: `SEXTANT_PYTHON`,
 * else the repository's `.venv`, else `python3`.
 */
export const SKLEARN_PYTHON =
  process.env.SEXTANT_PYTHON ||
  [path.resolve(__dirname, '../../../.venv/bin/python')].find((p) => fs.existsSync(p)) ||
  'python3';

/** Real scikit-learn models saved as MLflow models, their eval CSV, and scikit-learn's own scores. */
export interface SklearnFixture {
  /** MLflow model folders by name: `weak` and `strong` logistic regressions. */
  models: Record<'weak' | 'strong', string>;
  /** Breast-cancer test rows with a `label` column. */
  csv: string;
  /** `sklearn.metrics.accuracy_score` of each model on the CSV. */
  accuracy: Record<'weak' | 'strong', number>;
}

/**
 * Trains two logistic regressions on scikit-learn's breast-cancer data (a weak one on two
 * C of 1e-5, a strong one), saves them with `mlflow.sklearn.save_model`
 * under `dir`, and writes the eval CSV and scikit-learn's accuracy of each.
 */
export function sklearnFixture(dir: string): SklearnFixture {
  const script = [
    'import json, sys, mlflow.sklearn',
    'from sklearn.datasets import load_breast_cancer',
    'from sklearn.linear_model import LogisticRegression',
    'from sklearn.metrics import accuracy_score',
    'from sklearn.model_selection import train_test_split',
    'out = sys.argv[1]',
    'X, y = load_breast_cancer(return_X_y=True, as_frame=True)',
    'X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)',
    'scores = {}',
    'for name, c in (("weak", 1e-5), ("strong", 1.0)):',
    '    model = LogisticRegression(C=c, max_iter=5000).fit(X_train, y_train)',
    '    mlflow.sklearn.save_model(model, f"{out}/{name}", input_example=X_train.iloc[:2])',
    '    scores[name] = accuracy_score(y_test, model.predict(X_test))',
    'frame = X_test.copy(); frame["label"] = y_test',
    'frame.to_csv(f"{out}/eval.csv", index=False)',
    'print(json.dumps(scores))',
  ].join('\n');
  const stdout = execFileSync(SKLEARN_PYTHON, ['-c', script, dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const accuracy = JSON.parse(stdout.trim().split('\n').pop()!) as SklearnFixture['accuracy'];
  return {
    models: { weak: path.join(dir, 'weak'), strong: path.join(dir, 'strong') },
    csv: path.join(dir, 'eval.csv'),
    accuracy,
  };
}

/** Copies a local folder into the artifact store under `prefix` (a run's or logged model's artifacts). */
export function uploadFolder(
  artifacts: { write(path: string, data: Buffer): Promise<void> },
  folder: string,
  prefix: string,
): Promise<void[]> {
  const files = fs.readdirSync(folder, { recursive: true, withFileTypes: true });
  return Promise.all(
    files
      .filter((f) => f.isFile())
      .map((f) => {
        const full = path.join(f.parentPath, f.name);
        return artifacts.write(`${prefix}/${path.relative(folder, full)}`, fs.readFileSync(full));
      }),
  );
}
