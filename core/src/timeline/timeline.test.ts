import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import { SextantError } from '../model/errors';
import type { ResolvedPipeline } from '../model/pipeline';
import type { TimelineItem } from '../model/timeline';
import { promoteVariant, type DeploymentState } from '../serving';
import { testLocation, testStep } from '../testing/steps';
import { loopTimeline } from './timeline';

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.9
signature:
  inputs: '[{"type": "double", "name": "x"}]'
  outputs: '[{"type": "long"}]'
`;

let engine: Engine;
let dir: string;
let items: TimelineItem[];
const byKind = (kind: TimelineItem['kind']): TimelineItem[] => items.filter((i) => i.kind === kind);
const one = (kind: TimelineItem['kind'], match: (i: TimelineItem) => boolean = () => true) => {
  const found = byKind(kind).filter(match);
  assert.equal(found.length, 1, `one ${kind} item: ${JSON.stringify(items, null, 1)}`);
  return found[0]!;
};

/** A model folder logged by a run, so the registry can read its facts. */
async function logModel(runId: string): Promise<void> {
  const run = await engine.tracking.getRun(runId);
  const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
  await engine.artifacts.write(`${root}/model/MLmodel`, Buffer.from(MLMODEL));
}

const variant = (name: string, version: string, weight: number, uri: string) => ({
  name,
  model: 'churn',
  version,
  uri,
  weight,
  shadow: false,
  replicas: 1,
});

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-timeline-'));
  engine = Engine.open({ storeDir: dir });
  const who = { user: 'ada' };

  // The champion: version 1, deployed behind the `champion` alias.
  const first = await engine.tracking.createRun({ userId: 'ada' });
  await logModel(first.info.runId);
  await engine.registry.createModel({ name: 'churn' });
  await engine.registry.createVersion(
    { name: 'churn', source: `runs:/${first.info.runId}/model` },
    who,
  );
  await engine.registry.setAlias('churn', 'champion', '1', who);
  const champion: DeploymentState = {
    status: 'stopped',
    variants: [variant('champion', '1', 100, 'models:/churn@champion')],
    champion: 'champion',
  };
  engine.deployments.record('fraud', 'deploy', who, champion, {});
  engine.deployments.record('other', 'deploy', who, {
    status: 'stopped',
    variants: [{ ...variant('main', '1', 100, 'models:/iris/1'), model: 'iris' }],
  });

  // Drift fires; the alert triggers the retraining pipeline (as an `on: alert:` trigger records it).
  const alert = engine.monitoring.store.recordAlert({
    rule: 'drift_share',
    monitor: 'fraud-drift',
    deployment: 'fraud',
    state: 'firing',
    severity: 'critical',
    time: Date.now(),
    user: 'sextant',
    value: 0.6,
    threshold: 0.5,
    evidence: {},
  });
  engine.monitoring.store.recordAlert({
    rule: 'latency',
    monitor: 'other-slo',
    deployment: 'other',
    state: 'firing',
    severity: 'warning',
    time: Date.now(),
    user: 'sextant',
    threshold: 1,
    evidence: {},
  });
  const pipeline: ResolvedPipeline = {
    name: 'retrain',
    file: path.join(dir, 'sextant.yaml'),
    root: dir,
    steps: [testStep('true', { name: 'train' })],
    compute: [],
    triggers: [{ kind: 'alert', rule: 'drift_share' }],
    location: testLocation,
  };
  const { finished } = await engine.pipelines.startPipeline(pipeline, {
    trigger: {
      kind: 'alert',
      detail: `drift_share firing on fraud (critical, value 0.6, threshold 0.5, alert event ${alert.id})`,
    },
  });
  const run = await finished;
  assert.equal(run.status, 'done');
  const trainRun = run.steps[0]!.runId!;

  // The pipeline's evaluation (a tracked run in the pipeline) passes its gate.
  const evaluation = await engine.tracking.createRun({
    userId: 'ada',
    tags: [
      { key: 'sextant.evaluation', value: 'true' },
      { key: 'sextant.evaluation.gate', value: 'passed' },
      { key: 'sextant.evaluation.model_uri', value: `runs:/${trainRun}/model` },
      { key: 'mlflow.parentRunId', value: trainRun },
    ],
  });
  await engine.tracking.updateRun(evaluation.info.runId, { status: 'FINISHED' });

  // The trained model registered as the challenger, served as a 10 % canary.
  await logModel(trainRun);
  await engine.registry.createVersion({ name: 'churn', source: `runs:/${trainRun}/model` }, who);
  await engine.registry.setAlias('churn', 'challenger', '2', who);
  engine.deployments.record(
    'fraud',
    'update',
    { user: 'ada', reason: 'canary' },
    {
      ...champion,
      variants: [
        variant('champion', '1', 90, 'models:/churn@champion'),
        variant('challenger', '2', 10, 'models:/churn@challenger'),
      ],
    },
  );

  // The A/B decides to promote; the promotion moves the alias and the traffic in one step.
  engine.experimentEvents.add({
    deployment: 'fraud',
    kind: 'decision',
    time: Date.now(),
    details: { action: 'promote', variant: 'challenger', reason: 'significant', applied: true },
  });
  await promoteVariant(
    {
      registry: engine.registry,
      deployments: engine.deployments,
      applyWeights: async () => undefined,
    },
    'fraud',
    { variant: 'challenger', actor: { user: 'sextant', reason: 'the A/B decided' } },
  );
  items = (await loopTimeline(engine, { deployment: 'fraud' })).items;
});

after(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loop timeline', () => {
  it('joins the loop from the alert to the promotion, oldest first', () => {
    const kinds = items.map((i) => i.kind);
    for (const kind of [
      'alert',
      'pipeline_run',
      'evaluation',
      'registration',
      'alias',
      'deployment',
      'decision',
      'promotion',
    ] as const) {
      assert.ok(kinds.includes(kind), `a ${kind} item in ${kinds.join(', ')}`);
    }
    items.forEach((item, at) => {
      const cause = items.findIndex((c) => c.id === item.causedBy);
      assert.ok(cause < at, `${item.id} reads after its cause ${item.causedBy}`);
      if (at > 0) assert.ok(item.time >= items[at - 1]!.time - 60_000, 'in time order');
    });
    const moved = one('alias', (i) => i.title.includes('champion') && i.version === '2');
    assert.equal(items[items.indexOf(moved) - 1]!.kind, 'promotion');
    assert.ok(!items.some((i) => i.deployment === 'other'), 'nothing of another deployment');
  });

  it('names what caused each step of the loop', () => {
    const alert = one('alert');
    const pipeline = one('pipeline_run');
    const evaluation = one('evaluation');
    const registration = one('registration', (i) => i.version === '2');
    const canary = one('deployment', (i) => i.title.startsWith('Updated'));
    const decision = one('decision');
    const promotion = one('promotion');
    const moved = one('alias', (i) => i.title.includes('champion') && i.version === '2');
    assert.equal(alert.status, 'failure');
    assert.equal(pipeline.causedBy, alert.id);
    assert.equal(evaluation.causedBy, pipeline.id);
    assert.equal(evaluation.status, 'success');
    assert.equal(registration.causedBy, evaluation.id);
    assert.equal(canary.causedBy, registration.id);
    assert.equal(decision.causedBy, canary.id);
    assert.equal(promotion.causedBy, decision.id);
    assert.equal(moved.causedBy, promotion.id);
    assert.equal(one('alias', (i) => i.title.includes('challenger')).causedBy, registration.id);
  });

  it('gives each item the page it opens', () => {
    assert.deepEqual(one('registration', (i) => i.version === '2').target, {
      kind: 'modelVersion',
      name: 'churn',
      version: '2',
    });
    assert.equal(one('pipeline_run').target?.kind, 'pipelineRun');
    assert.equal(one('evaluation').target?.kind, 'run');
    assert.deepEqual(one('promotion').target, { kind: 'deployment', name: 'fraud' });
    assert.deepEqual(one('decision').target, { kind: 'experiment', deployment: 'fraud' });
    assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'ids are unique');
  });

  it('filters by model and by time, and keeps the newest items within the limit', async () => {
    const ofIris = await loopTimeline(engine, { model: 'iris' });
    assert.deepEqual(ofIris.deployments, ['other']);
    assert.deepEqual(ofIris.items.map((i) => i.kind).sort(), ['alert', 'deployment']);
    const promotion = one('promotion');
    const late = await loopTimeline(engine, { deployment: 'fraud', since: promotion.time });
    assert.ok(late.items.every((i) => i.time >= promotion.time));
    assert.ok(late.items.some((i) => i.id === promotion.id));
    const two = await loopTimeline(engine, { deployment: 'fraud', limit: 2 });
    assert.equal(two.truncated, true);
    assert.deepEqual(
      two.items.map((i) => i.id),
      items.slice(-2).map((i) => i.id),
    );
  });

  it('rejects a malformed query with a clear error', async () => {
    await assert.rejects(
      loopTimeline(engine, { since: 10, until: 5 }),
      (e: unknown) =>
        e instanceof SextantError && /'since' \(10\) is after 'until'/.test(e.message),
    );
    await assert.rejects(
      loopTimeline(engine, { limit: -1 }),
      (e: unknown) => e instanceof SextantError && e.code === 'INVALID_PARAMETER_VALUE',
    );
  });
});
