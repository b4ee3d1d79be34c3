import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scopeKey, scopeOfNode, scopeTitle } from './scope';

test('a node of the Deployments or Models view names the timeline it opens', () => {
  assert.deepEqual(scopeOfNode({ kind: 'deployment', deployment: { name: 'fraud' } }), {
    deployment: 'fraud',
  });
  assert.deepEqual(scopeOfNode({ kind: 'model', model: { name: 'churn' } }), { model: 'churn' });
  assert.deepEqual(scopeOfNode({ kind: 'version', version: { name: 'churn', version: '2' } }), {
    model: 'churn',
  });
  assert.deepEqual(scopeOfNode({ deployment: 'fraud', model: 'churn' }), {
    deployment: 'fraud',
    model: 'churn',
  });
  assert.equal(scopeOfNode(undefined), undefined);
  assert.equal(scopeOfNode({ kind: 'message', text: 'x' }), undefined);
  assert.equal(scopeOfNode({ deployment: '' }), undefined);
});

test('one panel per scope, titled after it', () => {
  assert.notEqual(scopeKey({ deployment: 'a' }), scopeKey({ model: 'a' }));
  assert.equal(scopeTitle({ deployment: 'fraud' }), 'Loop timeline: fraud');
  assert.equal(scopeTitle({}), 'Loop timeline');
});
