import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { findPipelineFiles, isPipelineFileName } from './index';
import { workspace } from './workspace.testing';

test('findPipelineFiles finds sextant.yaml/.yml and *.sextant.yaml, skipping tool and dot folders', async () => {
  const root = workspace({
    'sextant.yaml': '',
    'sub/sextant.yml': '',
    'sub/deep/train.sextant.yaml': '',
    'sub/other.yaml': '',
    'node_modules/x/sextant.yaml': '',
    '.git/sextant.yaml': '',
    '.sextant/sextant.yaml': '',
    '.venv/sextant.yaml': '',
    '.hidden/a.sextant.yaml': '',
  });
  assert.deepEqual(
    (await findPipelineFiles(root)).map((f) => path.relative(root, f)),
    ['sextant.yaml', 'sub/deep/train.sextant.yaml', 'sub/sextant.yml'],
  );
  assert.equal(isPipelineFileName('/a/b/x.sextant.yml'), true);
  assert.equal(isPipelineFileName('/a/b/sextant.json'), false);
});
