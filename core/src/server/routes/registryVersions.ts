import type { FastifyInstance } from 'fastify';
import type { RegistryService } from '../../registry';
import { encodeModelVersion } from '../encode';
import { endpoint, type Handler } from '../endpoint';
import {
  keyValues,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  type Fields,
} from '../request';
import { actorOf } from './registryActor';

const versionOf = (f: Fields): string => {
  const value = f.version;
  return typeof value === 'number' ? String(value) : requiredString(f, 'version');
};

const flag = (value: unknown): boolean => value === true || value === 'true';

/** MLflow's model-version endpoints, and Sextant's registry reads (deployability, history). */
export function modelVersionRoutes(app: FastifyInstance, registry: RegistryService): void {
  endpoint(app, 'POST', '/model-versions/create', async (f, request) => ({
    model_version: encodeModelVersion(
      await registry.createVersion(
        {
          name: requiredString(f, 'name'),
          source: requiredString(f, 'source'),
          runId: optionalString(f, 'run_id'),
          runLink: optionalString(f, 'run_link'),
          modelId: optionalString(f, 'model_id'),
          description: optionalString(f, 'description'),
          tags: keyValues(f, 'tags'),
        },
        actorOf(request),
      ),
    ),
  }));

  endpoint(app, 'GET', '/model-versions/get', async (f) => ({
    model_version: encodeModelVersion(
      await registry.getVersion(requiredString(f, 'name'), versionOf(f)),
    ),
  }));

  endpoint(app, 'PATCH', '/model-versions/update', async (f, request) => ({
    model_version: encodeModelVersion(
      await registry.updateVersion(
        requiredString(f, 'name'),
        versionOf(f),
        optionalString(f, 'description') ?? '',
        actorOf(request),
      ),
    ),
  }));

  endpoint(app, 'POST', '/model-versions/transition-stage', async (f, request) => ({
    model_version: encodeModelVersion(
      await registry.transitionStage(
        requiredString(f, 'name'),
        versionOf(f),
        requiredString(f, 'stage'),
        flag(f.archive_existing_versions),
        actorOf(request),
      ),
    ),
  }));

  endpoint(app, 'DELETE', '/model-versions/delete', async (f, request) => {
    await registry.deleteVersion(requiredString(f, 'name'), versionOf(f), actorOf(request));
  });

  endpoint(app, 'GET', '/model-versions/search', async (f) => {
    const page = await registry.searchVersions({
      filter: optionalString(f, 'filter'),
      orderBy: stringList(f, 'order_by'),
      maxResults: optionalInteger(f, 'max_results'),
      pageToken: optionalString(f, 'page_token'),
    });
    return {
      ...(page.items.length > 0 ? { model_versions: page.items.map(encodeModelVersion) } : {}),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  endpoint(app, 'GET', '/model-versions/get-download-uri', async (f) => ({
    artifact_uri: await registry.downloadUri(requiredString(f, 'name'), versionOf(f)),
  }));

  endpoint(app, 'POST', '/model-versions/set-tag', async (f, request) => {
    await registry.setVersionTag(
      requiredString(f, 'name'),
      versionOf(f),
      { key: requiredString(f, 'key'), value: f.value === undefined ? '' : String(f.value) },
      actorOf(request),
    );
  });

  endpoint(app, 'DELETE', '/model-versions/delete-tag', async (f, request) => {
    await registry.deleteVersionTag(
      requiredString(f, 'name'),
      versionOf(f),
      requiredString(f, 'key'),
      actorOf(request),
    );
  });

  const sextant = (path: string, handler: Handler): void =>
    endpoint(app, 'GET', path, handler, '/api/2.0/sextant/registry');
  sextant('/model-versions/details', async (f) => {
    const version = await registry.getVersion(requiredString(f, 'name'), versionOf(f));
    return {
      model_version: encodeModelVersion(version),
      storage_location: version.storageLocation,
      facts: version.facts ?? null,
      lineage: version.lineage ?? null,
      deployability: await registry.deployability(version.name, version.version),
    };
  });
  sextant('/history', async (f) => ({
    events: await registry.history(requiredString(f, 'name')),
  }));
}
