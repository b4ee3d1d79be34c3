import type { FastifyInstance } from 'fastify';
import { RUN_STATUSES, type DatasetInput, type ModelIo, type RunStatus } from '../../model';
import { invalid } from '../../model/errors';
import {
  type TrackingService,
  type MetricInput,
  toInteger,
  validateKey,
  validateMetric,
  validateParam,
  validateTag,
} from '../../tracking';
import { encodeMetric, encodeRun, encodeRunInfo } from '../encode';
import { endpoint } from '../endpoint';
import {
  keyValues,
  objectList,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  viewType,
  type Fields,
} from '../request';

/** The run id of a request: `run_id`, or the older `run_uuid`. */
const runIdOf = (f: Fields): string =>
  optionalString(f, 'run_id') || optionalString(f, 'run_uuid') || requiredString(f, 'run_id');

/** The `value` of a single param or tag: a string on the wire, as MLflow's proto types it. */
const stringValueOf = (f: Fields): string | undefined => optionalString(f, 'value');

function statusOf(f: Fields): RunStatus | undefined {
  const status = optionalString(f, 'status');
  if (status === undefined) return undefined;
  if (!RUN_STATUSES.includes(status as RunStatus)) {
    throw invalid(`Invalid run status '${status}': use one of ${RUN_STATUSES.join(', ')}.`);
  }
  return status as RunStatus;
}

function metricOf(f: Fields): MetricInput {
  return {
    ...validateMetric(f),
    ...(typeof f.model_id === 'string' && f.model_id ? { modelId: f.model_id } : {}),
    ...(typeof f.dataset_name === 'string' ? { datasetName: f.dataset_name } : {}),
    ...(typeof f.dataset_digest === 'string' ? { datasetDigest: f.dataset_digest } : {}),
  };
}

const modelsOf = (f: Fields): ModelIo[] =>
  objectList(f, 'models').map((m) => ({
    modelId: requiredString(m, 'model_id'),
    step: toInteger(m.step, 'model step', 0),
  }));

/** MLflow's run and metric endpoints. */
export function runRoutes(app: FastifyInstance, tracking: TrackingService): void {
  endpoint(app, 'POST', '/runs/create', async (f) => {
    const run = await tracking.createRun({
      experimentId: optionalString(f, 'experiment_id'),
      userId: optionalString(f, 'user_id'),
      runName: optionalString(f, 'run_name'),
      startTime: optionalInteger(f, 'start_time'),
      tags: keyValues(f, 'tags').map(validateTag),
    });
    return { run: encodeRun(run) };
  });

  endpoint(app, 'GET', '/runs/get', async (f) => ({
    run: encodeRun(await tracking.getRun(runIdOf(f))),
  }));

  endpoint(app, 'POST', '/runs/update', async (f) => {
    const info = await tracking.updateRun(runIdOf(f), {
      status: statusOf(f),
      endTime: optionalInteger(f, 'end_time'),
      runName: optionalString(f, 'run_name'),
    });
    return { run_info: encodeRunInfo(info) };
  });

  endpoint(app, 'POST', '/runs/delete', async (f) => {
    await tracking.deleteRun(requiredString(f, 'run_id'));
    return {};
  });

  endpoint(app, 'POST', '/runs/restore', async (f) => {
    await tracking.restoreRun(requiredString(f, 'run_id'));
    return {};
  });

  endpoint(app, 'POST', '/runs/search', async (f) => {
    const page = await tracking.searchRuns({
      experimentIds: stringList(f, 'experiment_ids'),
      filter: optionalString(f, 'filter'),
      viewType: viewType(f, 'run_view_type'),
      maxResults: optionalInteger(f, 'max_results'),
      orderBy: stringList(f, 'order_by'),
      pageToken: optionalString(f, 'page_token'),
    });
    return {
      ...(page.items.length > 0 ? { runs: page.items.map(encodeRun) } : {}),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  endpoint(app, 'POST', '/runs/log-metric', async (f) => {
    await tracking.logMetric(runIdOf(f), metricOf(f));
    return {};
  });

  endpoint(app, 'POST', '/runs/log-parameter', async (f) => {
    const runId = runIdOf(f);
    const key = validateKey('param', f.key);
    await tracking.logParam(runId, validateParam({ key, value: stringValueOf(f) }));
    return {};
  });

  endpoint(app, 'POST', '/runs/set-tag', async (f) => {
    const runId = runIdOf(f);
    const key = validateKey('tag', f.key);
    await tracking.setTag(runId, validateTag({ key, value: stringValueOf(f) }));
    return {};
  });

  endpoint(app, 'POST', '/runs/delete-tag', async (f) => {
    await tracking.deleteTag(requiredString(f, 'run_id'), requiredString(f, 'key'));
    return {};
  });

  endpoint(app, 'POST', '/runs/log-batch', async (f) => {
    const metrics = objectList(f, 'metrics');
    const params = objectList(f, 'params');
    const tags = objectList(f, 'tags');
    metrics.forEach((m, i) => {
      if (m.timestamp === undefined || m.timestamp === null) {
        throw invalid(`Missing value for required parameter 'metrics[${i}].timestamp'.`);
      }
    });
    await tracking.logBatch(
      requiredString(f, 'run_id'),
      metrics.map(metricOf),
      params.map(validateParam),
      tags.map(validateTag),
    );
    return {};
  });

  endpoint(app, 'POST', '/runs/log-inputs', async (f) => {
    const datasets: DatasetInput[] = objectList(f, 'datasets').map((input) => {
      const d = input.dataset;
      if (typeof d !== 'object' || d === null || Array.isArray(d)) {
        throw invalid("Each dataset input needs a 'dataset' object.");
      }
      const ds = d as Fields;
      return {
        tags: keyValues(input, 'tags'),
        dataset: {
          name: requiredString(ds, 'name'),
          digest: requiredString(ds, 'digest'),
          sourceType: requiredString(ds, 'source_type'),
          source: requiredString(ds, 'source'),
          ...(typeof ds.schema === 'string' ? { schema: ds.schema } : {}),
          ...(typeof ds.profile === 'string' ? { profile: ds.profile } : {}),
        },
      };
    });
    await tracking.logInputs(requiredString(f, 'run_id'), datasets, modelsOf(f));
    return {};
  });

  endpoint(app, 'POST', '/runs/outputs', async (f) => {
    await tracking.logOutputs(requiredString(f, 'run_id'), modelsOf(f));
    return {};
  });

  endpoint(app, 'GET', '/metrics/get-history', async (f) => {
    const page = await tracking.getMetricHistory(
      runIdOf(f),
      requiredString(f, 'metric_key'),
      optionalInteger(f, 'max_results'),
      optionalString(f, 'page_token'),
    );
    return {
      metrics: page.items.map(encodeMetric),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  endpoint(app, 'GET', '/metrics/get-history-bulk', async (f) => {
    const metrics = await tracking.getMetricHistoryBulk(
      stringList(f, 'run_id'),
      optionalString(f, 'metric_key') ?? '',
      optionalInteger(f, 'max_results'),
    );
    return { metrics: metrics.map((m) => ({ ...encodeMetric(m), run_id: m.runId })) };
  });

  endpoint(app, 'GET', '/metrics/get-history-bulk-interval', async (f) => {
    const metrics = await tracking.getMetricHistoryBulkInterval(
      stringList(f, 'run_ids'),
      optionalString(f, 'metric_key') ?? '',
      optionalInteger(f, 'start_step'),
      optionalInteger(f, 'end_step'),
      optionalInteger(f, 'max_results'),
    );
    return { metrics: metrics.map((m) => ({ ...encodeMetric(m), run_id: m.runId })) };
  });
}
