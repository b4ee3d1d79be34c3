import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { viewButtonLabel, viewOutputOf } from './viewLinks.js';

describe('viewOutputOf', () => {
  it('reads the views the magics write', () => {
    assert.deepEqual(viewOutputOf({ view: 'monitoring', monitor: 'inputs' }), {
      view: 'monitoring',
      monitor: 'inputs',
    });
    assert.deepEqual(viewOutputOf({ view: 'experiment', deployment: 'api' }), {
      view: 'experiment',
      deployment: 'api',
    });
    assert.deepEqual(viewOutputOf({ view: 'timeline' }), { view: 'timeline' });
    assert.deepEqual(viewOutputOf({ view: 'timeline', model: 'churn' }), {
      view: 'timeline',
      model: 'churn',
    });
  });

  it('refuses what it cannot open', () => {
    for (const data of [
      null,
      'monitoring',
      { view: 'monitoring' },
      { view: 'monitoring', monitor: '' },
      { view: 'experiment', deployment: 3 },
      { view: 'timeline', deployment: ['a'] },
      { view: 'shell', command: 'rm -rf /' },
    ]) {
      assert.equal(viewOutputOf(data), undefined, JSON.stringify(data));
    }
  });
});

describe('viewButtonLabel', () => {
  it('names the view the button opens', () => {
    assert.equal(
      viewButtonLabel({ view: 'monitoring', monitor: 'inputs' }),
      'Open monitoring dashboard',
    );
    assert.equal(
      viewButtonLabel({ view: 'experiment', deployment: 'api' }),
      'Open experiment report of api',
    );
    assert.equal(viewButtonLabel({ view: 'timeline' }), 'Open loop timeline');
  });
});
