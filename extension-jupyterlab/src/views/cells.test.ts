import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggedSummary } from './cells.js';

describe('loggedSummary', () => {
  it('lists what a cell logged, by kind', () => {
    assert.equal(
      loggedSummary({ logged: { metrics: ['acc', 'loss'], params: ['lr'], tags: [] } }),
      'metrics: acc, loss · params: lr',
    );
    assert.equal(
      loggedSummary({ logged: { metrics: [], params: [], tags: [] } }),
      'nothing logged',
    );
  });
});
