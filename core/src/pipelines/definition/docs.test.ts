import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { analyzePipelineFile, SCHEMA_DIR, SourceFile, validateAgainstSchema } from './index';
import { workspace } from './workspace.testing';

const DOC = path.resolve(SCHEMA_DIR, '..', '..', 'docs', 'pipelines.md');

/** The code blocks of docs/pipelines.md marked `<!-- example: <file> -->`, by file name. */
function examples(): Record<string, string> {
  const text = fs.readFileSync(DOC, 'utf8');
  const found: Record<string, string> = {};
  for (const match of text.matchAll(/<!-- example: (\S+) -->\n```yaml\n([\s\S]*?)```/g)) {
    found[match[1]!] = match[2]!;
  }
  return found;
}

test('the full example of docs/pipelines.md validates against the schemas and resolves', async () => {
  const files = examples();
  assert.deepEqual(Object.keys(files).sort(), [
    'components/train.yaml',
    'params.yaml',
    'schemas/train.yaml',
    'sextant.yaml',
  ]);
  assert.deepEqual(
    validateAgainstSchema(new SourceFile('/x/sextant.yaml', files['sextant.yaml']!), 'pipeline'),
    [],
  );
  assert.deepEqual(
    validateAgainstSchema(
      new SourceFile('/x/c.yaml', files['components/train.yaml']!),
      'component',
    ),
    [],
  );
  const root = workspace({
    ...files,
    'src/prepare.py': '',
    'src/train.py': '',
    'src/evaluate.py': '',
    'scripts/download.sh': '',
    'data/raw.csv': 'age,income,label\n',
    'notebooks/report.ipynb': '{}',
    'requirements.txt': 'scikit-learn\n',
  });
  const loaded = await analyzePipelineFile(path.join(root, 'sextant.yaml'));
  assert.deepEqual(loaded.diagnostics, []);
  const training = loaded.pipelines.find((p) => p.name === 'training')!;
  assert.deepEqual(
    training.steps.map((s) => s.name),
    [
      'prepare',
      'validate',
      'train@lr-0.1_depth-3',
      'train@lr-0.1_depth-6',
      'train@lr-0.01_depth-3',
      'train@lr-0.01_depth-6',
      'evaluate',
      'report',
    ],
  );
  assert.deepEqual(training.steps.find((s) => s.name === 'evaluate')!.upstream, [
    'prepare',
    'train@lr-0.01_depth-3',
    'train@lr-0.01_depth-6',
    'train@lr-0.1_depth-3',
    'train@lr-0.1_depth-6',
  ]);
  assert.deepEqual(
    loaded.pipelines.map((p) => p.name),
    ['training', 'ingest'],
  );
});
