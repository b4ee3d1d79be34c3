import type { LocalArtifactStore } from '../artifacts';
import {
  EVALUATION_TAGS,
  type EvaluationArtifactPaths,
  type EvaluationHistory,
  type EvaluationQuery,
  type EvaluationTask,
  type ModelEvaluation,
} from '../model/evaluation';
import type { Run } from '../model/tracking';
import { invalid } from '../model/errors';
import type { TrackingService } from '../tracking';
import { ARTIFACT_KINDS, EVALUATION_ARTIFACTS } from './artifactNames';

/** Experiments per runs search (an SQL `IN` list), and runs per page. */
const EXPERIMENTS_PER_SEARCH = 500;
const RUNS_PER_PAGE = 1000;

/** A string literal of MLflow's filter grammar (a doubled quote stands for itself). */
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The finished evaluation runs of a registered model (one version, one eval set), oldest first. */
async function evaluationRuns(tracking: TrackingService, query: EvaluationQuery): Promise<Run[]> {
  const clauses = [
    `tags.\`${EVALUATION_TAGS.registeredModel}\` = ${literal(query.name)}`,
    `attributes.status = 'FINISHED'`,
    ...(query.version !== undefined
      ? [`tags.\`${EVALUATION_TAGS.registeredVersion}\` = ${literal(query.version)}`]
      : []),
    ...(query.evalSet !== undefined
      ? [`tags.\`${EVALUATION_TAGS.evalSet}\` = ${literal(query.evalSet)}`]
      : []),
  ];
  // Only the experiments that hold a run of this model's evaluations, from the tag index.
  const experimentIds = await tracking.experimentsWithRunTag(
    EVALUATION_TAGS.registeredModel,
    query.name,
  );
  const runs: Run[] = [];
  for (let i = 0; i < experimentIds.length; i += EXPERIMENTS_PER_SEARCH) {
    let pageToken: string | undefined;
    do {
      const page = await tracking.searchRuns({
        experimentIds: experimentIds.slice(i, i + EXPERIMENTS_PER_SEARCH),
        filter: clauses.join(' AND '),
        orderBy: ['attributes.start_time ASC'],
        maxResults: RUNS_PER_PAGE,
        ...(pageToken ? { pageToken } : {}),
      });
      runs.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
  }
  return runs.sort((a, b) => a.info.startTime - b.info.startTime);
}

/** Where an evaluation run's charts are, by kind. */
async function artifactPaths(
  artifacts: LocalArtifactStore,
  run: Run,
): Promise<EvaluationArtifactPaths> {
  const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
  const paths: EvaluationArtifactPaths = {};
  for (const entry of await artifacts.list(`${root}/${EVALUATION_ARTIFACTS}`)) {
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    const kind = ARTIFACT_KINDS[name];
    if (kind && !entry.isDir) paths[kind] = `${EVALUATION_ARTIFACTS}/${name}`;
  }
  return paths;
}

function checkQuery(query: EvaluationQuery): void {
  if (typeof query?.name !== 'string' || query.name === '') {
    throw invalid('give the registered model whose evaluations to list');
  }
  if (query.version !== undefined && !/^[1-9]\d*$/.test(query.version)) {
    throw invalid(`a model version is a whole number from 1, not '${query.version}'`);
  }
}

/**
 * The finished evaluations of a registered model's versions (optionally of one version, on one
 * eval set), oldest first: each with its run, version, eval set, dataset hash, time, metrics,
 * gate verdict and the artifact paths of its charts.
 */
export async function listEvaluations(
  tracking: TrackingService,
  artifacts: LocalArtifactStore,
  query: EvaluationQuery,
): Promise<ModelEvaluation[]> {
  checkQuery(query);
  const runs = await evaluationRuns(tracking, query);
  return Promise.all(
    runs.map(async (run): Promise<ModelEvaluation> => {
      const tags = new Map(run.data.tags.map((t) => [t.key, t.value]));
      const gate = tags.get(EVALUATION_TAGS.gate);
      const task = tags.get(EVALUATION_TAGS.task);
      return {
        runId: run.info.runId,
        experimentId: run.info.experimentId,
        name: query.name,
        version: tags.get(EVALUATION_TAGS.registeredVersion) ?? '',
        evalSet: tags.get(EVALUATION_TAGS.evalSet) ?? '',
        datasetSha256: tags.get(EVALUATION_TAGS.datasetSha256) ?? '',
        ...(task === 'classifier' || task === 'regressor' ? { task: task as EvaluationTask } : {}),
        time: run.info.startTime,
        metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
        ...(gate === 'passed' || gate === 'failed' ? { gate } : {}),
        artifacts: await artifactPaths(artifacts, run),
      };
    }),
  );
}

/**
 * Each metric across versions over time, per eval set (sorted by name): what a chart of a
 * registered model's evaluations across continuous-training runs draws.
 */
export function historyOf(evaluations: readonly ModelEvaluation[]): EvaluationHistory[] {
  const bySet = new Map<string, EvaluationHistory>();
  for (const evaluation of [...evaluations].sort((a, b) => a.time - b.time)) {
    let history = bySet.get(evaluation.evalSet);
    if (!history) {
      history = { evalSet: evaluation.evalSet, metrics: {} };
      bySet.set(evaluation.evalSet, history);
    }
    for (const [metric, value] of Object.entries(evaluation.metrics)) {
      (history.metrics[metric] ??= []).push({
        version: evaluation.version,
        runId: evaluation.runId,
        time: evaluation.time,
        value,
        datasetSha256: evaluation.datasetSha256,
      });
    }
  }
  return [...bySet.values()].sort((a, b) => (a.evalSet < b.evalSet ? -1 : 1));
}
