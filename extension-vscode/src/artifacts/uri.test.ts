import assert from 'node:assert/strict';
import { test } from 'node:test';
import { artifactDocumentText, artifactUriPath, parseArtifactUriPath } from './uri';

test('an artifact URI path round-trips run id and nested path', () => {
  const path = artifactUriPath({ runId: 'abc123', path: 'plots/a b.txt' });
  assert.equal(path, '/abc123/plots/a b.txt');
  assert.deepEqual(parseArtifactUriPath(path), { runId: 'abc123', path: 'plots/a b.txt' });
});

test('paths that leave the artifact root, and bad run ids, are refused', () => {
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b', '', './a']) {
    assert.throws(() => artifactUriPath({ runId: 'r', path: bad }), /not an artifact path/, bad);
  }
  assert.throws(() => artifactUriPath({ runId: '../r', path: 'a' }), /not a run id/);
  assert.throws(() => parseArtifactUriPath('/r/../x'), /not an artifact path/);
  assert.throws(() => parseArtifactUriPath('/only-run'), /does not name/);
});

test('a truncated document says how much of the file it shows', () => {
  assert.equal(artifactDocumentText('abc', 3, false, 3), 'abc');
  assert.match(
    artifactDocumentText('abc', 32 * 1024 * 1024, true, 16 * 1024 * 1024),
    /first 16\.0 MiB of 32\.0 MiB/,
  );
});
