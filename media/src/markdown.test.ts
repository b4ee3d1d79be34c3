import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInline, parseMarkdown } from './markdown';

test('notes parse to headings, lists, code, quotes and paragraphs', () => {
  const blocks = parseMarkdown(
    '# Baseline\n\nTried **lr** 0.1\nand `adam`.\n\n- one\n- two\n1. first\n\n```\nx = 1\n```\n> kept',
  );
  assert.deepEqual(
    blocks.map((b) => b.kind),
    ['heading', 'paragraph', 'list', 'list', 'code', 'quote'],
  );
  assert.deepEqual(blocks[1], {
    kind: 'paragraph',
    children: [
      { kind: 'text', text: 'Tried ' },
      { kind: 'strong', children: [{ kind: 'text', text: 'lr' }] },
      { kind: 'text', text: ' 0.1 and ' },
      { kind: 'code', text: 'adam' },
      { kind: 'text', text: '.' },
    ],
  });
  assert.deepEqual(blocks[4], { kind: 'code', text: 'x = 1' });
});

test('only http(s) and mailto links keep a target; markup stays text', () => {
  assert.deepEqual(parseInline('[doc](https://x.org/a) [bad](javascript:alert(1))'), [
    { kind: 'link', href: 'https://x.org/a', children: [{ kind: 'text', text: 'doc' }] },
    { kind: 'text', text: ' ' },
    { kind: 'text', text: 'bad' },
    { kind: 'text', text: ')' },
  ]);
  assert.deepEqual(parseInline('<img src=x onerror=alert(1)>'), [
    { kind: 'text', text: '<img src=x onerror=alert(1)>' },
  ]);
});
