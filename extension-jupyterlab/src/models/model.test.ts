import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  ModelVersionSummary,
  RegisteredModelSummary,
} from '@sextant/language-server/protocol';
import {
  aliasProblem,
  comparison,
  comparisonLabel,
  evaluationRequest,
  modelDescription,
  modelMatches,
  modelNameProblem,
  overallFraction,
  parseQuery,
  progressText,
  versionDescription,
  versionMatches,
  versionTooltip,
  type EvaluateForm,
} from './model.js';

function version(n: string, extra: Partial<ModelVersionSummary> = {}): ModelVersionSummary {
  return {
    name: 'churn',
    version: n,
    stage: 'None',
    status: 'READY',
    statusMessage: '',
    aliases: [],
    creationTimestamp: 0,
    runId: `run-${n}`,
    source: `runs:/run-${n}/model`,
    description: '',
    deployable: true,
    reasons: [],
    sizeBytes: 10,
    ...extra,
  };
}

function model(name: string, extra: Partial<RegisteredModelSummary> = {}): RegisteredModelSummary {
  return { name, description: '', lastUpdatedTimestamp: 0, aliases: [], tags: [], ...extra };
}

const form = (extra: Partial<EvaluateForm> = {}): EvaluateForm => ({
  data: 'data/eval.csv',
  target: 'label',
  task: 'classifier',
  evalSet: '',
  sliceColumn: '',
  versions: [{ name: 'churn', version: '1' }],
  ...extra,
});

describe('Models section model', () => {
  it('describes a model by versions, latest and aliases', () => {
    const churn = model('churn', {
      latestVersion: '3',
      aliases: [
        { alias: 'champion', version: '2' },
        { alias: 'challenger', version: '3' },
      ],
    });
    assert.equal(
      modelDescription(churn, 3),
      '3 versions · latest v3 · @champion→v2 · @challenger→v3',
    );
    assert.equal(modelDescription(model('empty'), 0), '0 versions · no versions');
    assert.equal(modelDescription(churn), 'latest v3 · @champion→v2 · @challenger→v3');
  });

  it('describes a version by stage, status, key metric and deployability', () => {
    assert.equal(versionDescription(version('1')), 'not evaluated · deployable');
    const evaluated = version('2', {
      stage: 'Production',
      keyMetric: { key: 'roc_auc', value: 0.987654, evaluationRunId: 'e', evalSet: 'holdout.csv' },
      deployable: false,
      reasons: ['no signature'],
    });
    assert.equal(versionDescription(evaluated), 'Production · roc_auc=0.9877 · not deployable');
    assert.equal(
      versionDescription(version('3', { status: 'FAILED_REGISTRATION' })),
      'registration failed · not evaluated · deployable',
    );
    const tip = versionTooltip(evaluated);
    assert.match(tip, /^churn v2\nStage: Production · Status: ready\n/);
    assert.match(tip, /roc_auc: 0\.9877 on holdout\.csv/);
    assert.match(tip, /Not deployable: no signature/);
  });

  it('reads a search as a name part, aliases and versions', () => {
    assert.deepEqual(parseQuery('  Churn @Champion v3 '), {
      name: 'Churn',
      aliases: ['champion'],
      versions: ['3'],
    });
    assert.deepEqual(parseQuery(''), { aliases: [], versions: [] });
    assert.deepEqual(parseQuery('@'), { aliases: [], versions: [] });
  });

  it('keeps the models whose name and aliases match, and the versions asked for', () => {
    const churn = model('Churn-Classifier', { aliases: [{ alias: 'champion', version: '2' }] });
    assert.equal(modelMatches(churn, parseQuery('churn')), true);
    assert.equal(modelMatches(churn, parseQuery('fraud')), false);
    assert.equal(modelMatches(churn, parseQuery('@champ')), true);
    assert.equal(modelMatches(churn, parseQuery('@challenger')), false);
    const champion = version('2', { aliases: ['champion'] });
    assert.equal(versionMatches(version('1'), parseQuery('churn')), true);
    assert.equal(versionMatches(version('1'), parseQuery('@champion')), false);
    assert.equal(versionMatches(champion, parseQuery('@champion')), true);
    assert.equal(versionMatches(version('1'), parseQuery('v1')), true);
    assert.equal(versionMatches(version('11'), parseQuery('v1')), false);
  });

  it("checks aliases and model names by MLflow's rules", () => {
    assert.equal(aliasProblem('champion'), undefined);
    assert.equal(aliasProblem('blue_green-2'), undefined);
    assert.match(aliasProblem('') ?? '', /Give the alias/);
    assert.match(aliasProblem('Latest') ?? '', /reserved/);
    assert.match(aliasProblem('v3') ?? '', /version number/);
    assert.match(aliasProblem('a b') ?? '', /letters, digits/);
    assert.match(aliasProblem('x'.repeat(256)) ?? '', /255/);
    assert.equal(modelNameProblem('churn classifier'), undefined);
    assert.match(modelNameProblem('  ') ?? '', /Give the model a name/);
    assert.match(modelNameProblem(' churn') ?? '', /space/);
    assert.match(modelNameProblem('churn@1') ?? '', /model URIs/);
  });

  it('turns the Evaluate dialog into a request, or names its first problem', () => {
    assert.deepEqual(evaluationRequest(form({ evalSet: ' holdout ', sliceColumn: 'region' })), {
      params: {
        versions: [{ name: 'churn', version: '1' }],
        data: 'data/eval.csv',
        target: 'label',
        task: 'classifier',
        evalSet: 'holdout',
        sliceColumn: 'region',
      },
    });
    const problem = (f: EvaluateForm): string => {
      const result = evaluationRequest(f);
      assert.ok('problem' in result);
      return result.problem;
    };
    assert.match(problem(form({ data: ' ' })), /Give the eval set/);
    assert.match(problem(form({ data: 'x.json' })), /\.csv or \.parquet/);
    assert.match(problem(form({ target: '' })), /true values/);
    assert.match(problem(form({ task: 'ranker' })), /classifier or regressor/);
    assert.match(problem(form({ versions: [] })), /at least one/);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ name: 'churn', version: String(i) }));
    assert.match(problem(form({ versions: eleven })), /at most 10/);
    assert.ok('params' in evaluationRequest(form({ data: 'E.PARQUET', task: 'regressor' })));
  });

  it('compares 2 to 10 versions', () => {
    const refs = Array.from({ length: 11 }, (_, i) => ({ name: 'churn', version: String(i) }));
    assert.match(String(comparison(refs.slice(0, 1))), /two to ten/);
    assert.deepEqual(comparison(refs.slice(0, 2)), refs.slice(0, 2));
    assert.match(String(comparison(refs)), /at most 10/);
  });

  it('names a comparison of one model by its versions, of several by model and version', () => {
    const churn = (v: string) => ({ name: 'churn', version: v });
    assert.equal(comparisonLabel([churn('1'), churn('2')]), 'churn v1, v2');
    assert.equal(
      comparisonLabel([churn('1'), { name: 'fraud', version: '4' }]),
      'churn v1, fraud v4',
    );
  });

  it('words and measures the progress of an evaluation of several versions', () => {
    const ref = { name: 'churn', version: '2' };
    assert.equal(progressText(ref, 1, 2, 'predicting', 0.4), 'churn v2 (2/2): predicting 40%');
    assert.equal(progressText(ref, 0, 1, 'loading the model'), 'churn v2 (1/1): loading the model');
    assert.equal(overallFraction(1, 2, 0.5), 0.75);
    assert.equal(overallFraction(0, 2), 0);
    assert.equal(overallFraction(0, 0, 1), 0);
  });
});
