import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  baseName,
  formatBytes,
  imageDataUrl,
  imageMimeType,
  parseCsvPreview,
  previewKind,
  HTML_SANDBOX,
} from './artifacts';

test('previewKind follows the extension, case-insensitively', () => {
  assert.equal(previewKind('plots/Confusion.PNG'), 'image');
  assert.equal(previewKind('logo.svg'), 'image');
  assert.equal(previewKind('a.jpeg'), 'image');
  assert.equal(previewKind('data/preds.csv'), 'csv');
  for (const p of ['notes.txt', 'cfg.yaml', 'cfg.yml', 'm.json', 'README.md', 'train.log']) {
    assert.equal(previewKind(p), 'text', p);
  }
  for (const p of ['source/git.diff', 'fix.patch', 'source/train.py']) {
    assert.equal(previewKind(p), 'text', p);
  }
  assert.equal(previewKind('report.HTML'), 'html');
  assert.equal(previewKind('report.htm'), 'html');
  assert.equal(HTML_SANDBOX, '', 'an HTML preview may neither run scripts nor share the origin');
  assert.equal(previewKind('model.pkl'), 'none');
  assert.equal(previewKind('.gitignore'), 'none');
  assert.equal(previewKind('folder.png/file'), 'none');
});

test('imageDataUrl names the image type and refuses what is not an image or not base64', () => {
  assert.equal(imageDataUrl('a.svg', 'PHN2Zy8+'), 'data:image/svg+xml;base64,PHN2Zy8+');
  assert.equal(imageMimeType('x.jpg'), 'image/jpeg');
  assert.throws(() => imageDataUrl('a.txt', 'AAAA'), /not a previewable image/);
  assert.throws(() => imageDataUrl('a.png', '"><script>'), /not base64/);
});

test('parseCsvPreview reads quoted fields, doubled quotes and line breaks', () => {
  const text = 'id,text\r\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n';
  assert.deepEqual(parseCsvPreview(text, 10), [
    ['id', 'text'],
    ['1', 'a, b'],
    ['2', 'say "hi"'],
    ['3', 'two\nlines'],
  ]);
  assert.deepEqual(parseCsvPreview('a,b\n1,2', 10), [
    ['a', 'b'],
    ['1', '2'],
  ]);
  assert.deepEqual(parseCsvPreview(text, 2), [
    ['id', 'text'],
    ['1', 'a, b'],
  ]);
  assert.deepEqual(parseCsvPreview('a,b\n1,2\n3,', 10, true), [
    ['a', 'b'],
    ['1', '2'],
  ]);
});

test('formatBytes and baseName', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  assert.equal(baseName('plots/a.png'), 'a.png');
  assert.equal(baseName('a.png'), 'a.png');
});
