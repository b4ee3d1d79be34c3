import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, makeNonce, viewHtml } from './html';

test('the CSP allows scripts only with the nonce and never eval', () => {
  const csp = contentSecurityPolicy('https://file+.vscode-resource.example', 'N0nce');
  assert.match(csp, /^default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
});

test('the page loads its script with the nonce and names its view', () => {
  const html = viewHtml(
    'compare',
    'Compare "2" runs',
    { cspSource: 'vscode-src', script: 'S.js', style: 'S.css' },
    'abc',
  );
  assert.match(html, /<script nonce="abc" src="S.js"><\/script>/);
  assert.match(html, /<body data-view="compare">/);
  assert.match(html, /<title>Compare &quot;2&quot; runs<\/title>/);
});

test('nonces are URL- and attribute-safe', () => {
  const nonce = makeNonce((size) => new Uint8Array(size).fill(251));
  assert.match(nonce, /^[A-Za-z0-9]+$/);
});
