import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServingDeploymentSummary } from '@sextant/language-server/protocol';
import {
  actionApplies,
  canaryTargets,
  deployabilityLines,
  deploymentNameProblem,
  deployRequest,
  deployUris,
  replicasOf,
  servedVariants,
  weightsOf,
} from './model.js';

function deployment(extra: Partial<ServingDeploymentSummary> = {}): ServingDeploymentSummary {
  return {
    name: 'churn-api',
    status: 'running',
    url: 'http://127.0.0.1:5000',
    champion: 'champion',
    variants: [
      {
        name: 'champion',
        model: 'churn',
        version: '1',
        uri: 'models:/churn@champion',
        weight: 90,
        shadow: false,
        replicas: 1,
      },
      {
        name: 'challenger',
        model: 'churn',
        version: '2',
        uri: 'models:/churn/2',
        weight: 10,
        shadow: false,
        replicas: 1,
      },
      {
        name: 'mirror',
        model: 'churn',
        version: '3',
        uri: 'models:/churn/3',
        weight: 0,
        shadow: true,
        replicas: 1,
      },
    ],
    ...extra,
  };
}

describe('deploy form', () => {
  it('offers the version pinned and each of its aliases', () => {
    assert.deepEqual(deployUris('churn', '3', ['champion', 'prod']), [
      'models:/churn/3',
      'models:/churn@champion',
      'models:/churn@prod',
    ]);
  });

  it('makes the deploy params of a good form', () => {
    assert.deepEqual(
      deployRequest({
        canaryOf: '',
        weight: '',
        name: ' churn-api ',
        model: 'models:/churn@champion',
        runtime: 'onnx',
        replicas: '2',
      }),
      {
        params: {
          name: 'churn-api',
          model: 'models:/churn@champion',
          runtime: 'onnx',
          replicas: 2,
        },
      },
    );
  });

  it('says what is wrong with a bad one', () => {
    const problem = (form: Partial<Parameters<typeof deployRequest>[0]>): string => {
      const result = deployRequest({
        canaryOf: '',
        weight: '10',
        name: 'a',
        model: 'models:/m/1',
        runtime: 'python',
        replicas: '1',
        ...form,
      });
      assert.ok('problem' in result, JSON.stringify(result));
      return result.problem;
    };
    assert.match(problem({ name: '' }), /Give the deployment a name/);
    assert.match(problem({ name: '-x' }), /not a deployment name/);
    assert.match(problem({ model: 'runs:/abc/model' }), /registered version/);
    assert.match(problem({ runtime: 'gpu' }), /python or onnx/);
    assert.match(problem({ replicas: '0' }), /1 to 256/);
    assert.match(problem({ replicas: '1.5' }), /1 to 256/);
    assert.match(problem({ replicas: '' }), /1 to 256/);
    assert.equal(deploymentNameProblem('iris.v2_api-1'), undefined);
    assert.equal(replicasOf(' 256 '), 256);
  });
});

describe('deploy as a canary', () => {
  it('adds the version to an existing deployment as its challenger, with its share', () => {
    const form = { name: '', model: 'models:/churn/2', runtime: 'python', replicas: '1' };
    assert.deepEqual(deployRequest({ ...form, canaryOf: 'churn-api', weight: '10' }), {
      params: { name: 'churn-api', model: 'models:/churn/2', variant: 'challenger', weight: 10 },
    });
    for (const weight of ['', '101', '-1', '2.5']) {
      const result = deployRequest({ ...form, canaryOf: 'churn-api', weight });
      assert.ok('problem' in result && /0 to 100/.test(result.problem), weight);
    }
  });

  it('offers the deployed deployments serving the same model', () => {
    const other = deployment({
      name: 'other-api',
      variants: [{ ...deployment().variants[0]!, model: 'other' }],
    });
    assert.deepEqual(
      canaryTargets('churn', [
        deployment(),
        deployment({ name: 'draft', status: 'declared' }),
        other,
      ]),
      ['churn-api'],
    );
  });
});

describe('traffic weights', () => {
  it('reads typed weights', () => {
    assert.deepEqual(weightsOf({ champion: '75', challenger: ' 25.5 ' }), {
      champion: 75,
      challenger: 25.5,
    });
  });

  it('refuses negative, empty, non-numeric and all-zero weights', () => {
    assert.match(String(weightsOf({ champion: '-1' })), /≥ 0/);
    assert.match(String(weightsOf({ champion: '' })), /≥ 0/);
    assert.match(String(weightsOf({ champion: 'half' })), /≥ 0/);
    assert.match(String(weightsOf({ champion: '0', challenger: '0' })), /positive weight/);
  });
});

describe('deployability', () => {
  const facts = {
    flavors: ['python_function', 'sklearn'],
    hasMlmodel: true,
    signature: { inputs: '[]' },
    hasInputExample: true,
    pythonVersion: '3.12.3',
    pipRequirements: ['mlflow==3.1', 'scikit-learn==1.9', 'numpy', 'pandas', 'scipy'],
    hasRequirements: true,
    hasConda: false,
    condaDependencies: [],
    sizeBytes: 1000,
  };

  it('puts the verdict first and what was read after', () => {
    const ok = deployabilityLines(true, [], facts);
    assert.equal(ok.verdict, 'Deployable here');
    assert.ok(ok.ok);
    assert.deepEqual(ok.details, [
      'Flavors: python_function, sklearn',
      'Signature: inputs declared',
      'Input example: yes',
      'Python 3.12.3',
      'Requirements: mlflow==3.1, scikit-learn==1.9, numpy, pandas, …',
    ]);
  });

  it('lists the reasons of a refusal before the facts', () => {
    const no = deployabilityLines(false, ['no MLmodel file at its location'], undefined);
    assert.deepEqual(no, {
      verdict: 'Not deployable here',
      ok: false,
      details: ['no MLmodel file at its location'],
    });
  });
});

describe('actions by state', () => {
  it('offers what applies to a running canary, a stopped and a declared deployment', () => {
    const running = deployment();
    assert.deepEqual(servedVariants(running), ['champion', 'challenger']);
    const offered = (d: ServingDeploymentSummary): string[] =>
      (['deploy', 'stop', 'scale', 'traffic', 'promote', 'rollback', 'copy'] as const).filter((a) =>
        actionApplies(a, d),
      );
    assert.deepEqual(offered(running), ['stop', 'scale', 'traffic', 'promote', 'rollback', 'copy']);
    assert.deepEqual(offered(deployment({ status: 'stopped', url: undefined })), [
      'deploy',
      'scale',
      'promote',
      'rollback',
    ]);
    const single = deployment({ status: 'declared', variants: [running.variants[0]!] });
    assert.deepEqual(offered(single), ['deploy', 'scale']);
  });
});
