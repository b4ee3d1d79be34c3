import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterSuggestion, withSuggestion } from './filterHint';

const keys = { metrics: ['test_accuracy'], params: ['lr'], tags: ['team'] };
const refused = (key: string): string =>
  `Invalid attribute key '${key}' specified in '${key}'. Valid keys are run_id, status`;

test('a refused bare name that the store holds is qualified', () => {
  assert.equal(filterSuggestion(refused('test_accuracy'), keys), 'metrics.test_accuracy');
  assert.equal(filterSuggestion(refused('lr'), keys), 'params.lr');
  assert.equal(filterSuggestion(refused('team'), keys), 'tags.team');
  assert.equal(filterSuggestion(refused('nothing'), keys), undefined);
  assert.equal(filterSuggestion('syntax error at the end', keys), undefined);
});

test('only the bare use of the name is replaced', () => {
  assert.equal(
    withSuggestion('test_accuracy > 0.9 and metrics.test_accuracy < 1', 'metrics.test_accuracy'),
    'metrics.test_accuracy > 0.9 and metrics.test_accuracy < 1',
  );
  assert.equal(withSuggestion("lr = '0.1'", 'params.lr'), "params.lr = '0.1'");
});
