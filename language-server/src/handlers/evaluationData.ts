import {
  EVALUATION_ARTIFACTS,
  invalid,
  parseArtifactUri,
  type Engine,
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

/** The tags of an evaluation run that this module reads. */
const TAG = {
  evaluation: 'sextant.evaluation',
  modelUri: 'sextant.evaluation.model_uri',
  datasetSha256: 'sextant.evaluation.dataset_sha256',
  datasetPath: 'sextant.evaluation.dataset_path',
  task: 'sextant.evaluation.task',
  gate: 'sextant.evaluation.gate',
  registeredModel: 'sextant.evaluation.registered_model',
  registeredVersion: 'sextant.evaluation.registered_version',
  evalSet: 'sextant.evaluation.eval_set',
} as const;

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
  const name = tagOf(run, TAG.registeredModel);
  const version = tagOf(run, TAG.registeredVersion);
  const gate = tagOf(run, TAG.gate);
  return {
    runId: run.info.runId,
    experimentId: run.info.experimentId,
    modelUri: tagOf(run, TAG.modelUri) ?? '',
    ...(name ? { name } : {}),
    ...(version ? { version } : {}),
    evalSet: tagOf(run, TAG.evalSet) ?? baseName(tagOf(run, TAG.datasetPath) ?? ''),
    datasetSha256: tagOf(run, TAG.datasetSha256) ?? '',
    task: tagOf(run, TAG.task) ?? '',
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

const quote = (value: string): string => `'${value.replace(/'/g, "\\'")}'`;

/**
 * The finished evaluations of a registered model (one version, one eval set), newest first: the
 * evaluation runs whose tags name the registered model, across every experiment.
 */
export async function listEvaluations(
  engine: Engine,
  query: { name: string; version?: string; evalSet?: string },
): Promise<EvaluationSummary[]> {
  const experimentIds: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await engine.tracking.searchExperiments({ maxResults: 1000, pageToken });
    experimentIds.push(...page.items.map((e) => e.experimentId));
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (experimentIds.length === 0) return [];
  const clauses = [
    `tags.\`${TAG.registeredModel}\` = ${quote(query.name)}`,
    "attributes.status = 'FINISHED'",
    ...(query.version ? [`tags.\`${TAG.registeredVersion}\` = ${quote(query.version)}`] : []),
  ];
  const found: EvaluationSummary[] = [];
  pageToken = undefined;
  do {
    const page = await engine.tracking.searchRuns({
      experimentIds,
      filter: clauses.join(' and '),
      orderBy: ['attributes.start_time DESC'],
      maxResults: 1000,
      pageToken,
    });
    found.push(...page.items.map(evaluationSummary));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return query.evalSet ? found.filter((e) => e.evalSet === query.evalSet) : found;
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
  if (tagOf(run, TAG.evaluation) !== 'true') {
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
