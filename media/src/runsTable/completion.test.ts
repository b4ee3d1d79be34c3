import assert from 'node:assert/strict';
import { test } from 'node:test';
import { complete } from './completion';

const keys = { metrics: ['test_accuracy', 'loss'], params: ['lr', 'max depth'], tags: ['team'] };
const values = { 'params.lr': ['0.01', '0.1'], 'tags.team': ['vision'] };
const labels = (filter: string, caret = filter.length) =>
  complete(filter, caret, keys, values).map((c) => c.label);

test('a bare word proposes the prefixes and the names it starts', () => {
  assert.deepEqual(labels(''), ['metrics.', 'params.', 'tags.', 'attributes.']);
  assert.deepEqual(labels('te'), ['metrics.test_accuracy', 'tags.team']);
  const [first] = complete('me', 2, keys, values);
  assert.deepEqual(first, { label: 'metrics.', text: 'metrics.', caret: 8 });
});

test('after a prefix, the names of the store; quoted when they need it', () => {
  assert.deepEqual(labels('metrics.'), ['metrics.test_accuracy', 'metrics.loss']);
  assert.deepEqual(labels('metrics.acc'), ['metrics.test_accuracy']);
  const [taken] = complete('metrics.acc', 11, keys, values);
  assert.equal(taken?.text, 'metrics.test_accuracy ');
  const [spaced] = complete('params.max', 10, keys, values);
  assert.equal(spaced?.text, 'params.`max depth` ');
  assert.ok(labels('attributes.').includes('attributes.status'));
});

test('after a comparison, the values stored for the name, quoted', () => {
  assert.deepEqual(labels('params.lr = '), ['0.01', '0.1']);
  assert.deepEqual(labels("params.lr = '0.0"), ['0.01']);
  const [taken] = complete("metrics.loss < 1 and params.lr = '0.0", 36, keys, values);
  assert.equal(taken?.text, "metrics.loss < 1 and params.lr = '0.01' ");
  assert.deepEqual(labels('metrics.loss < '), []);
});

test('after a complete comparison, "and" then names again', () => {
  assert.deepEqual(labels('metrics.loss < 1 '), []);
  assert.deepEqual(labels('metrics.loss < 1 and '), [
    'metrics.',
    'params.',
    'tags.',
    'attributes.',
  ]);
});
