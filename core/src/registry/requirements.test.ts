import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deployability } from './facts';
import { unresolvableRequirements } from './requirements';

describe('requirements resolvable', () => {
  it('accepts what pip installs from an index or a URL alone', () => {
    assert.deepEqual(
      unresolvableRequirements([
        '# pinned by mlflow',
        'mlflow==3.17.2',
        'scikit-learn>=1.5,<2',
        'pandas[performance]~=2.3',
        'numpy',
        'torch==2.5.1 ; platform_system == "Linux"',
        'cloudpickle==3.1.3  # the pickle',
        '--extra-index-url https://download.pytorch.org/whl/cpu',
        'mypkg @ https://example.com/mypkg-1.0-py3-none-any.whl',
        'git+https://github.com/org/repo@v1#egg=repo',
        '',
      ]),
      [],
    );
  });

  it('names each line that needs files of the machine that logged the model, or is no requirement', () => {
    const problems = unresolvableRequirements([
      '-e .',
      '-r base.txt',
      './dist/mine-1.0.whl',
      'mine @ file:///home/ana/mine',
      '/abs/pkg.tar.gz',
      'not a requirement!',
      '--no-index',
    ]);
    assert.equal(problems.length, 7);
    assert.match(problems[0]!, /'-e \.' is an editable install/);
    assert.match(problems[1]!, /includes another file/);
    assert.match(problems[2]!, /file of the machine/);
    assert.match(problems[3]!, /file of the machine/);
    assert.match(problems[4]!, /file of the machine/);
    assert.match(problems[5]!, /no requirement pip understands/);
    assert.match(problems[6]!, /pip option/);
  });

  it('makes a version with such requirements not deployable, saying why', () => {
    const facts = {
      flavors: ['python_function'],
      hasMlmodel: true,
      signature: { inputs: '[]' },
      hasInputExample: false,
      pipRequirements: ['mlflow==3.17.2', '-e ../src'],
      hasRequirements: true,
      hasConda: false,
      condaDependencies: [],
      sizeBytes: 1,
    };
    const verdict = deployability(facts);
    assert.equal(verdict.deployable, false);
    assert.match(verdict.reasons[0]!, /cannot be installed from the file alone: '-e \.\.\/src'/);
    assert.deepEqual(deployability({ ...facts, pipRequirements: ['mlflow==3.17.2'] }), {
      deployable: true,
      reasons: [],
    });
  });
});
