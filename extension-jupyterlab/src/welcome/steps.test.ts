import assert from 'node:assert/strict';
import { test } from 'node:test';
import { welcomeSteps } from './steps.js';

test('the first step shows the tracking URI to log to, or says it comes once connected', () => {
  const [log] = welcomeSteps('http://127.0.0.1:5123');
  assert.match(log?.code ?? '', /export MLFLOW_TRACKING_URI=http:\/\/127\.0\.0\.1:5123\n/);
  const [waiting] = welcomeSteps(undefined);
  assert.match(
    waiting?.code ?? '',
    /MLFLOW_TRACKING_URI=<the tracking URI, shown here once connected>/,
  );
});

test('the steps are the walkthrough ones, in order', () => {
  assert.deepEqual(
    welcomeSteps(undefined).map((step) => step.id),
    ['log', 'open', 'compare', 'pipeline', 'register'],
  );
});
