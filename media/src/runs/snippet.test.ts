import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loggingSnippet, trackingEnvLine } from './snippet';

test('the logging snippet names the running server and the experiment', () => {
  const snippet = loggingSnippet('http://127.0.0.1:5123', 'mnist "v2"');
  assert.match(snippet, /mlflow\.set_tracking_uri\("http:\/\/127\.0\.0\.1:5123"\)/);
  assert.match(snippet, /mlflow\.set_experiment\("mnist \\"v2\\""\)/);
  assert.match(snippet, /with mlflow\.start_run\(\):\n {4}mlflow\.log_param/);
  assert.equal(trackingEnvLine('http://h:1'), 'export MLFLOW_TRACKING_URI=http://h:1');
});
