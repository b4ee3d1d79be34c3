import {
  EVALUATION_ARTIFACTS,
  EVALUATION_TAGS,
  invalid,
  parseArtifactUri,
  type Engine,
  type ModelEvaluation,
  type Run,
} from '@sextant/core';
import type {
  CalibrationCurve,
  ConfusionMatrix,
  EvaluationDetails,
  EvaluationPlots,
  EvaluationSummary,
  FeatureImportance,
  KeyMetric,
  PrCurve,
  Residuals,
  RocCurve,
  ShapSummary,
} from '../protocol';

/** Metrics where a lower value is better (losses, errors). */
export function lowerIsBetter(metric: string): boolean {
  return /error|loss|false_|deviance/.test(metric);
}

/** The metric that stands for a version in the tree, by task, from what the evaluation has. */
const KEY_METRICS: Record<string, string[]> = {
  classifier: ['roc_auc', 'accuracy_score', 'f1_score'],
  regressor: ['r2_score', 'root_mean_squared_error', 'mean_absolute_error'],
};

const tagOf = (run: Run, key: string): string | undefined =>
  run.data.tags.find((t) => t.key === key)?.value;

const baseName = (file: string): string => file.split(/[\\/]/).pop() ?? file;

/** An evaluation run as a summary. */
export function evaluationSummary(run: Run): EvaluationSummary {
  const name = tagOf(run, EVALUATION_TAGS.registeredModel);
  const version = tagOf(run, EVALUATION_TAGS.registeredVersion);
  const gate = tagOf(run, EVALUATION_TAGS.gate);
  return {
    runId: run.info.runId,
    experimentId: run.info.experimentId,
    modelUri: tagOf(run, EVALUATION_TAGS.modelUri) ?? '',
    ...(name ? { name } : {}),
    ...(version ? { version } : {}),
    evalSet:
      tagOf(run, EVALUATION_TAGS.evalSet) ??
      baseName(tagOf(run, EVALUATION_TAGS.datasetPath) ?? ''),
    datasetSha256: tagOf(run, EVALUATION_TAGS.datasetSha256) ?? '',
    task: tagOf(run, EVALUATION_TAGS.task) ?? '',
    status: run.info.status,
    startTime: run.info.startTime,
    metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
    ...(gate ? { gate } : {}),
  };
}

/** The key metric of the newest of `evaluations` (newest first) that has one. */
export function keyMetricOf(evaluations: readonly EvaluationSummary[]): KeyMetric | undefined {
  for (const evaluation of evaluations) {
    for (const key of KEY_METRICS[evaluation.task] ?? []) {
      const value = evaluation.metrics[key];
      if (value !== undefined && value !== null) {
        return { key, value, evaluationRunId: evaluation.runId, evalSet: evaluation.evalSet };
      }
    }
  }
  return undefined;
}

/** A registered version's evaluation as the protocol summarises it. */
function modelEvaluationSummary(e: ModelEvaluation): EvaluationSummary {
  return {
    runId: e.runId,
    experimentId: e.experimentId,
    modelUri: `models:/${e.name}/${e.version}`,
    name: e.name,
    version: e.version,
    evalSet: e.evalSet,
    datasetSha256: e.datasetSha256,
    task: e.task ?? '',
    status: 'FINISHED',
    startTime: e.time,
    metrics: e.metrics,
    ...(e.gate ? { gate: e.gate } : {}),
  };
}

/** The finished evaluations of a registered model (one version, one eval set), newest first. */
export async function listEvaluations(
  engine: Engine,
  query: { name: string; version?: string; evalSet?: string },
): Promise<EvaluationSummary[]> {
  const found = await engine.evaluation.evaluations(query);
  return found.map(modelEvaluationSummary).sort((a, b) => b.startTime - a.startTime);
}

async function readJson(engine: Engine, run: Run, name: string): Promise<unknown> {
  const root = parseArtifactUri(run.info.artifactUri).relative;
  let file;
  try {
    file = await engine.artifacts.read(`${root}/${EVALUATION_ARTIFACTS}/${name}`);
  } catch {
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const numbers = (value: unknown): number[] =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'number' ? v : Number.NaN)) : [];
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const curves = (value: unknown): Json[] => list(record(value)['curves']).map(record);

/** The plots of an evaluation run, from its JSON artifacts (the worker's names and shapes). */
async function plotsOf(engine: Engine, run: Run): Promise<EvaluationPlots> {
  const [roc, pr, calibration, confusion, residuals, importance, shap] = await Promise.all(
    [
      'roc_curve.json',
      'precision_recall_curve.json',
      'calibration_curve.json',
      'confusion_matrix.json',
      'residuals.json',
      'permutation_importance.json',
      'shap_values.json',
    ].map((name) => readJson(engine, run, name)),
  );
  const plots: EvaluationPlots = {};
  if (roc !== undefined) {
    plots.roc = curves(roc).map((c): RocCurve => ({
      label: String(c['label']),
      fpr: numbers(c['fpr']),
      tpr: numbers(c['tpr']),
      auc: Number(c['auc']),
    }));
  }
  if (pr !== undefined) {
    plots.pr = curves(pr).map((c): PrCurve => ({
      label: String(c['label']),
      precision: numbers(c['precision']),
      recall: numbers(c['recall']),
      averagePrecision: Number(c['average_precision']),
    }));
  }
  if (calibration !== undefined) {
    plots.calibration = curves(calibration).map((c): CalibrationCurve => ({
      label: String(c['label']),
      meanPredicted: numbers(c['mean_predicted']),
      fractionPositive: numbers(c['fraction_positive']),
    }));
  }
  if (confusion !== undefined) {
    const c = record(confusion);
    plots.confusion = {
      labels: list(c['labels']).map(String),
      matrix: list(c['matrix']).map(numbers),
    } satisfies ConfusionMatrix;
  }
  if (residuals !== undefined) {
    const r = record(residuals);
    plots.residuals = {
      actual: numbers(r['actual']),
      predicted: numbers(r['predicted']),
      residual: numbers(r['residual']),
    } satisfies Residuals;
  }
  if (importance !== undefined) {
    const p = record(importance);
    plots.importance = {
      scoring: String(p['scoring'] ?? ''),
      features: list(p['features']).map(String),
      mean: numbers(p['importances_mean']),
      std: numbers(p['importances_std']),
    } satisfies FeatureImportance;
  }
  if (shap !== undefined) {
    const s = record(shap);
    const meanAbs = list(s['mean_abs_shap']).map(numbers);
    const outputs = Array.isArray(s['outputs'])
      ? s['outputs'].map(String)
      : (meanAbs[0] ?? [0]).map((_, i) => (i === 0 ? 'output' : `output ${i}`));
    plots.shap = {
      features: list(s['features']).map(String),
      outputs,
      meanAbs,
      rowsExplained: Number(s['rows_explained'] ?? 0),
    } satisfies ShapSummary;
  }
  return plots;
}

/** One evaluation run in full: summary, slices, warnings and plots. */
export async function evaluationDetails(engine: Engine, runId: string): Promise<EvaluationDetails> {
  const run = await engine.tracking.getRun(runId);
  if (tagOf(run, EVALUATION_TAGS.evaluation) !== 'true') {
    throw invalid(`Run ${runId} is no evaluation run: give the run id of an evaluation.`);
  }
  const [result, plots] = await Promise.all([
    readJson(engine, run, 'result.json'),
    plotsOf(engine, run),
  ]);
  const r = record(result);
  return {
    summary: evaluationSummary(run),
    slices: list(r['slices']) as EvaluationDetails['slices'],
    warnings: list(r['warnings']).map(String),
    plots,
  };
}
