import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsFor, isLoopback } from './security';

describe('hostsFor', () => {
  it('answers a loopback bind on its loopback names only', () => {
    assert.deepEqual([...hostsFor('127.0.0.1', 5000)].sort(), [
      '127.0.0.1:5000',
      '[::1]:5000',
      'localhost:5000',
    ]);
  });

  it('adds the bound name for a non-loopback bind', () => {
    assert.ok(hostsFor('10.1.2.3', 80).has('10.1.2.3:80'));
    assert.ok(!hostsFor('10.1.2.3', 80).has('localhost:80'));
  });

  it('knows loopback addresses', () => {
    assert.ok(
      isLoopback('127.0.0.1') &&
        isLoopback('127.9.9.9') &&
        isLoopback('::1') &&
        isLoopback('localhost'),
    );
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.0.1'));
  });
});
