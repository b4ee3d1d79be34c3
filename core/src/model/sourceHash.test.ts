import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { changedSinceRun, normalizeSource, sourceHash } from './sourceHash';

const nodeSha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

test('the source hash is the SHA-256 of the text on empty, block-edge, long and non-ASCII input', () => {
  for (const text of [
    '',
    'abc',
    'a'.repeat(55),
    'a'.repeat(56),
    'a'.repeat(64),
    'x'.repeat(1000),
    'lr = 0.1  # ünïcode ✓',
  ]) {
    assert.equal(sourceHash(text), nodeSha(text), `${text.length} chars`);
  }
});

test('the source hash reads every line end as \\n', () => {
  assert.equal(normalizeSource('a\r\nb\rc\n'), 'a\nb\nc\n');
  assert.equal(sourceHash('x = 1\r\ny = 2'), sourceHash('x = 1\ny = 2'));
  assert.equal(sourceHash('x = 1\ny = 2'), nodeSha('x = 1\ny = 2'));
  assert.notEqual(sourceHash('x = 1'), sourceHash('x = 2'));
});

test('a cell changed since its record when its normalised source differs', () => {
  const source = 'for i in range(3):\n    print(i)';
  const recorded = { sourceHash: sourceHash(source) };
  assert.equal(changedSinceRun(recorded, source), false);
  assert.equal(changedSinceRun(recorded, source.replace(/\n/g, '\r\n')), false, 'CRLF lines');
  assert.equal(changedSinceRun(recorded, `${source}\n`), true);
  assert.equal(changedSinceRun({ sourceHash: sourceHash('a\r\nb') }, 'a\nb'), false);
});
