import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentsPath } from './contentsPath.js';

describe('contentsPath', () => {
  it('makes a file path under the Jupyter root relative to it', () => {
    assert.equal(
      contentsPath('/home/me/work/nb/train.ipynb', 'file:///home/me/work'),
      'nb/train.ipynb',
    );
    assert.equal(
      contentsPath('/home/me/my%20dir/a.ipynb', 'file:///home/me/my%2520dir'),
      'a.ipynb',
    );
  });

  it('leaves relative paths and paths outside the root as they are', () => {
    assert.equal(contentsPath('train.ipynb', 'file:///home/me/work'), 'train.ipynb');
    assert.equal(contentsPath('/elsewhere/a.ipynb', 'file:///home/me/work'), '/elsewhere/a.ipynb');
    assert.equal(
      contentsPath('/home/me/workshop/a.ipynb', 'file:///home/me/work'),
      '/home/me/workshop/a.ipynb',
    );
    assert.equal(contentsPath('/home/me/work/a.ipynb', null), '/home/me/work/a.ipynb');
  });
});
