import type { FastifyInstance } from 'fastify';
import { validateArtifactLocation } from '../../artifacts';
import { notFound } from '../../model/errors';
import type { TrackingService } from '../../tracking';
import { encodeExperiment } from '../encode';
import { endpoint } from '../endpoint';
import {
  keyValues,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  viewType,
} from '../request';

/** MLflow's experiment endpoints. */
export function experimentRoutes(app: FastifyInstance, tracking: TrackingService): void {
  endpoint(app, 'POST', '/experiments/create', async (f) => {
    const location = optionalString(f, 'artifact_location');
    const experimentId = await tracking.createExperiment(
      requiredString(f, 'name'),
      location ? validateArtifactLocation(location) : undefined,
      keyValues(f, 'tags'),
    );
    return { experiment_id: experimentId };
  });

  endpoint(app, 'GET', '/experiments/get', async (f) => ({
    experiment: encodeExperiment(await tracking.getExperiment(requiredString(f, 'experiment_id'))),
  }));

  endpoint(app, 'GET', '/experiments/get-by-name', async (f) => {
    const name = requiredString(f, 'experiment_name');
    const experiment = await tracking.getExperimentByName(name);
    if (!experiment) throw notFound(`Could not find experiment with name '${name}'`);
    return { experiment: encodeExperiment(experiment) };
  });

  const search = async (f: Record<string, unknown>): Promise<unknown> => {
    const page = await tracking.searchExperiments({
      filter: optionalString(f, 'filter'),
      viewType: viewType(f, 'view_type'),
      maxResults: optionalInteger(f, 'max_results'),
      orderBy: stringList(f, 'order_by'),
      pageToken: optionalString(f, 'page_token'),
    });
    return {
      experiments: page.items.map(encodeExperiment),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  };
  endpoint(app, 'POST', '/experiments/search', search);
  endpoint(app, 'GET', '/experiments/search', search);

  endpoint(app, 'POST', '/experiments/update', async (f) => {
    await tracking.renameExperiment(
      requiredString(f, 'experiment_id'),
      requiredString(f, 'new_name'),
    );
    return {};
  });

  endpoint(app, 'POST', '/experiments/delete', async (f) => {
    await tracking.deleteExperiment(requiredString(f, 'experiment_id'));
    return {};
  });

  endpoint(app, 'POST', '/experiments/restore', async (f) => {
    await tracking.restoreExperiment(requiredString(f, 'experiment_id'));
    return {};
  });

  endpoint(app, 'POST', '/experiments/set-experiment-tag', async (f) => {
    await tracking.setExperimentTag(requiredString(f, 'experiment_id'), {
      key: requiredString(f, 'key'),
      value: String(f.value ?? ''),
    });
    return {};
  });

  endpoint(app, 'POST', '/experiments/delete-experiment-tag', async (f) => {
    await tracking.deleteExperimentTag(
      requiredString(f, 'experiment_id'),
      requiredString(f, 'key'),
    );
    return {};
  });

  endpoint(app, 'POST', '/experiments/search-datasets', async (f) => {
    const summaries = await tracking.searchDatasets(stringList(f, 'experiment_ids'));
    return {
      dataset_summaries: summaries.map((d) => ({
        experiment_id: d.experimentId,
        name: d.name,
        digest: d.digest,
        ...(d.context !== undefined ? { context: d.context } : {}),
      })),
    };
  });
}
