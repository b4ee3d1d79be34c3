import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitUrl, runSource } from './source';

const SHA = '0123456789abcdef0123456789abcdef01234567';

test('a commit links to its page on GitHub, GitLab and Bitbucket, in https or ssh form', () => {
  assert.equal(
    commitUrl('git@github.com:acme/train.git', SHA),
    `https://github.com/acme/train/commit/${SHA}`,
  );
  assert.equal(
    commitUrl('https://gitlab.com/acme/train', SHA),
    `https://gitlab.com/acme/train/-/commit/${SHA}`,
  );
  assert.equal(
    commitUrl('https://user@bitbucket.org/acme/train.git', SHA),
    `https://bitbucket.org/acme/train/commits/${SHA}`,
  );
  assert.equal(commitUrl('/srv/git/train.git', SHA), undefined);
  assert.equal(commitUrl('git@github.com:acme/train.git', 'not a sha'), undefined);
});

test('the source of a run comes from its tags: commit, dirty diff, or a script snapshot', () => {
  assert.deepEqual(
    runSource([
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.git.commit', value: SHA },
      { key: 'mlflow.source.git.branch', value: 'main' },
      { key: 'mlflow.source.git.repoURL', value: 'git@github.com:acme/train.git' },
      { key: 'sextant.source.git.dirty', value: 'true' },
    ]),
    {
      script: 'train.py',
      commit: SHA,
      branch: 'main',
      commitUrl: `https://github.com/acme/train/commit/${SHA}`,
      dirty: true,
      diffArtifact: 'source/git.diff',
    },
  );
  assert.deepEqual(
    runSource([
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'sextant.source.snapshot', value: 'source/train.py' },
    ]),
    { script: 'train.py', snapshotArtifact: 'source/train.py' },
  );
});
