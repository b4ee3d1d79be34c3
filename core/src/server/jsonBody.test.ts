import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody } from './jsonBody';

test('nesting is counted outside strings only', () => {
  assert.equal(nestsDeeperThan('{"a":[1,{"b":2}]}', 3), false);
  assert.equal(nestsDeeperThan('{"a":[1,{"b":2}]}', 2), true);
  assert.equal(nestsDeeperThan(`{"name":"${'['.repeat(1000)}"}`, 1), false);
  assert.equal(nestsDeeperThan('{"name":"a \\" [[[ b"}', 1), false);
  assert.equal(nestsDeeperThan('[]'.repeat(1000), 1), false);
});

test('a body nested past the limit is refused before it is parsed', () => {
  const at = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
  assert.deepEqual(
    parseJsonBody(`{"x":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`),
    {
      x: JSON.parse('['.repeat(MAX_JSON_DEPTH - 1) + ']'.repeat(MAX_JSON_DEPTH - 1)),
    },
  );
  for (const body of [`{"x":${at}}`, '['.repeat(1_000_000) + ']'.repeat(1_000_000)]) {
    assert.throws(
      () => parseJsonBody(body),
      (error: Error & { code?: string }) =>
        error.code === 'MALFORMED_REQUEST' && /levels deep/.test(error.message),
    );
  }
});

test('empty and malformed bodies say what is wrong', () => {
  assert.throws(() => parseJsonBody('  '), /empty/);
  assert.throws(() => parseJsonBody('{"name": '), /Malformed JSON/);
});
