import type { FastifyInstance } from 'fastify';
import type { LoggedModelStatus } from '../../model';
import { invalid } from '../../model/errors';
import {
  validateParam,
  validateTag,
  type DatasetFilter,
  type LoggedModelOrder,
  type TrackingService,
} from '../../tracking';
import { encodeLoggedModel } from '../encode';
import { endpoint } from '../endpoint';
import {
  keyValues,
  objectList,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  type Fields,
} from '../request';

const STATUSES: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];

/** The largest page a search answers (the tracking service's limit). */
const MAX_SEARCH_PAGE = 50_000;

const modelIdOf = (request: { params: unknown }): string => {
  const id = (request.params as { id?: string }).id;
  if (!id) throw invalid('Give the logged model id in the path.');
  return id;
};

const datasetsOf = (f: Fields): DatasetFilter[] =>
  objectList(f, 'datasets').map((d) => {
    const digest = optionalString(d, 'dataset_digest');
    return {
      datasetName: requiredString(d, 'dataset_name'),
      ...(digest ? { datasetDigest: digest } : {}),
    };
  });

const orderOf = (f: Fields): LoggedModelOrder[] =>
  objectList(f, 'order_by').map((o) => {
    const datasetName = optionalString(o, 'dataset_name');
    const datasetDigest = optionalString(o, 'dataset_digest');
    return {
      fieldName: requiredString(o, 'field_name'),
      ascending: o.ascending !== false && o.ascending !== 'false',
      ...(datasetName ? { datasetName } : {}),
      ...(datasetDigest ? { datasetDigest } : {}),
    };
  });

/** MLflow 3 logged-model endpoints, as `log_model` and autologging call them. */
export function loggedModelRoutes(app: FastifyInstance, tracking: TrackingService): void {
  endpoint(app, 'POST', '/logged-models', async (f) => {
    const model = await tracking.createLoggedModel({
      experimentId: requiredString(f, 'experiment_id'),
      name: optionalString(f, 'name'),
      modelType: optionalString(f, 'model_type'),
      sourceRunId: optionalString(f, 'source_run_id'),
      tags: keyValues(f, 'tags').map(validateTag),
      params: keyValues(f, 'params').map(validateParam),
    });
    return { model: encodeLoggedModel(model) };
  });

  endpoint(app, 'GET', '/logged-models/:id', async (_f, request) => ({
    model: encodeLoggedModel(await tracking.getLoggedModel(modelIdOf(request))),
  }));

  endpoint(app, 'PATCH', '/logged-models/:id', async (f, request) => {
    const status = requiredString(f, 'status') as LoggedModelStatus;
    if (!STATUSES.includes(status)) throw invalid(`Invalid logged model status '${status}'.`);
    return {
      model: encodeLoggedModel(await tracking.finalizeLoggedModel(modelIdOf(request), status)),
    };
  });

  endpoint(app, 'DELETE', '/logged-models/:id', async (_f, request) => {
    await tracking.deleteLoggedModel(modelIdOf(request));
    return {};
  });

  endpoint(app, 'PATCH', '/logged-models/:id/tags', async (f, request) => {
    await tracking.setLoggedModelTags(modelIdOf(request), keyValues(f, 'tags').map(validateTag));
    return {};
  });

  endpoint(app, 'DELETE', '/logged-models/:id/tags/:key', async (_f, request) => {
    await tracking.deleteLoggedModelTag(
      modelIdOf(request),
      (request.params as { key: string }).key,
    );
    return {};
  });

  endpoint(app, 'POST', '/logged-models/:id/params', async (f, request) => {
    await tracking.logLoggedModelParams(
      modelIdOf(request),
      keyValues(f, 'params').map(validateParam),
    );
    return {};
  });

  endpoint(app, 'POST', '/logged-models/search', async (f: Fields) => {
    const maxResults = optionalInteger(f, 'max_results') ?? 100;
    if (maxResults <= 0)
      throw invalid(
        `Invalid value ${maxResults} for parameter 'max_results': it must be positive.`,
      );
    const filter = optionalString(f, 'filter');
    const pageToken = optionalString(f, 'page_token');
    const page = await tracking.searchLoggedModels({
      experimentIds: stringList(f, 'experiment_ids'),
      ...(filter ? { filter } : {}),
      datasets: datasetsOf(f),
      orderBy: orderOf(f),
      maxResults: Math.min(maxResults, MAX_SEARCH_PAGE),
      ...(pageToken ? { pageToken } : {}),
    });
    return {
      ...(page.items.length > 0 ? { models: page.items.map(encodeLoggedModel) } : {}),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });
}
