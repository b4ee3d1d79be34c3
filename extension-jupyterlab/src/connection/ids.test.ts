import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from 'vscode-jsonrpc';
import { clientPrefix, IdSpace } from './ids.js';

describe('IdSpace', () => {
  it('gives outgoing requests prefixed string ids and leaves notifications alone', () => {
    const ids = new IdSpace('tab-a:');
    const request = { jsonrpc: '2.0', id: 3, method: 'sextant/runs/get', params: {} } as Message;
    assert.deepEqual(ids.outgoing(request), { ...request, id: 'tab-a:3' });
    const notification = { jsonrpc: '2.0', method: 'initialized', params: {} } as Message;
    assert.equal(ids.outgoing(notification), notification);
  });

  it('keeps only its own responses, with their original ids back', () => {
    const a = new IdSpace('tab-a:');
    const b = new IdSpace('tab-b:');
    const answerToA = { jsonrpc: '2.0', id: 'tab-a:1', result: 'for a' } as Message;
    const answerToB = { jsonrpc: '2.0', id: 'tab-b:1', result: 'for b' } as Message;
    assert.deepEqual(a.incoming(answerToA), { ...answerToA, id: 1 });
    assert.equal(a.incoming(answerToB), undefined);
    assert.deepEqual(b.incoming(answerToB), { ...answerToB, id: 1 });
    assert.equal(a.incoming({ jsonrpc: '2.0', id: 1, result: null } as Message), undefined);
  });

  it('passes server notifications and requests to every client', () => {
    const ids = new IdSpace('tab-a:');
    const notification = { jsonrpc: '2.0', method: 'sextant/runs/changed', params: {} } as Message;
    assert.equal(ids.incoming(notification), notification);
    const request = { jsonrpc: '2.0', id: 7, method: 'window/showMessageRequest' } as Message;
    assert.equal(ids.incoming(request), request);
  });

  it('makes a different prefix for every client', () => {
    assert.notEqual(clientPrefix(), clientPrefix());
  });
});
