import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signatureSummary } from './modelSummary';

test('signatureSummary counts columns and their types', () => {
  const inputs = JSON.stringify([
    { type: 'double', name: 'a', required: true },
    { type: 'double', name: 'b', required: true },
    { type: 'long', name: 'c', required: true },
  ]);
  const outputs = JSON.stringify([{ type: 'long', required: true }]);
  assert.equal(signatureSummary({ inputs, outputs }), '3 columns (double, long) → 1 field (long)');
});

test('signatureSummary shows tensors by dtype and shape, and nothing without a signature', () => {
  const inputs = JSON.stringify([
    { type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 4] } },
  ]);
  assert.equal(signatureSummary({ inputs }), 'tensor float64 (-1, 4) → —');
  assert.equal(signatureSummary(undefined), '');
  assert.equal(signatureSummary({ inputs: '{oops' }), 'unreadable → —');
});
