import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cursorContext } from './context';

/** The context at the `|` of a text. */
function at(marked: string) {
  const offset = marked.indexOf('|');
  const text = marked.replace('|', '');
  const before = text.slice(0, offset).split('\n');
  return cursorContext(text, before.length - 1, before[before.length - 1]!.length);
}

test('cursor context: keys above the cursor, value or key position, the word typed', () => {
  const spec = (cursorLine: string) =>
    `pipelines:\n  train:\n    steps:\n      prepare:\n        run: echo\n${cursorLine}\n      fit:\n        run: x\n`;
  assert.deepEqual(at(spec('        after: [pre|')), {
    path: ['pipelines', 'train', 'steps', 'prepare', 'after'],
    atKey: false,
    word: 'pre',
    before: '        after: [pre',
  });
  assert.deepEqual(at(spec('        de|')).path, ['pipelines', 'train', 'steps', 'prepare']);
  assert.equal(at(spec('        de|')).atKey, true);
  assert.deepEqual(at(spec('      |')).path, ['pipelines', 'train', 'steps']);
  assert.deepEqual(at('steps:\n  a:\n    deps:\n      - data/r|\n').path, ['steps', 'a', 'deps']);
  assert.equal(at('steps:\n  a:\n    deps:\n    - src/|\n').word, 'src/');
  assert.deepEqual(at('steps:\n  a:\n    deps:\n    - src/|\n').path, ['steps', 'a', 'deps']);
  assert.deepEqual(at('steps:\n  a:\n    with:\n      notebook: x\n      |\n').path, [
    'steps',
    'a',
    'with',
  ]);
  assert.deepEqual(
    at('steps:\n  a:\n    params:\n      - file: p.yaml\n        keys: [tr|\n').path,
    ['steps', 'a', 'params', 'keys'],
  );
  assert.equal(at('steps:\n  a:\n    run: python ${params.tr|').word, '${params.tr');
});
