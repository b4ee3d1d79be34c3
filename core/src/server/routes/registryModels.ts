import type { FastifyInstance } from 'fastify';
import type { RegistryService } from '../../registry';
import { encodeModelVersion, encodeRegisteredModel } from '../encode';
import { endpoint } from '../endpoint';
import { keyValues, optionalInteger, optionalString, requiredString, stringList } from '../request';
import { actorOf } from './registryActor';

/** MLflow's registered-model endpoints: create, get, rename, update, delete, search, tags, aliases. */
export function registeredModelRoutes(app: FastifyInstance, registry: RegistryService): void {
  endpoint(app, 'POST', '/registered-models/create', async (f, request) => ({
    registered_model: encodeRegisteredModel(
      await registry.createModel(
        {
          name: requiredString(f, 'name'),
          description: optionalString(f, 'description') ?? '',
          tags: keyValues(f, 'tags'),
        },
        actorOf(request),
      ),
    ),
  }));

  endpoint(app, 'GET', '/registered-models/get', async (f) => ({
    registered_model: encodeRegisteredModel(await registry.getModel(requiredString(f, 'name'))),
  }));

  endpoint(app, 'POST', '/registered-models/rename', async (f, request) => ({
    registered_model: encodeRegisteredModel(
      await registry.renameModel(
        requiredString(f, 'name'),
        requiredString(f, 'new_name'),
        actorOf(request),
      ),
    ),
  }));

  endpoint(app, 'PATCH', '/registered-models/update', async (f, request) => ({
    registered_model: encodeRegisteredModel(
      await registry.updateModel(
        requiredString(f, 'name'),
        optionalString(f, 'description') ?? '',
        actorOf(request),
      ),
    ),
  }));

  endpoint(app, 'DELETE', '/registered-models/delete', async (f, request) => {
    await registry.deleteModel(requiredString(f, 'name'), actorOf(request));
  });

  endpoint(app, 'GET', '/registered-models/search', async (f) => {
    const page = await registry.searchModels({
      filter: optionalString(f, 'filter'),
      orderBy: stringList(f, 'order_by'),
      maxResults: optionalInteger(f, 'max_results'),
      pageToken: optionalString(f, 'page_token'),
    });
    return {
      ...(page.items.length > 0
        ? { registered_models: page.items.map(encodeRegisteredModel) }
        : {}),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  const latest = async (f: Record<string, unknown>): Promise<unknown> => {
    const versions = await registry.latestVersions(
      requiredString(f, 'name'),
      stringList(f, 'stages'),
    );
    return versions.length > 0 ? { model_versions: versions.map(encodeModelVersion) } : {};
  };
  endpoint(app, 'POST', '/registered-models/get-latest-versions', latest);
  endpoint(app, 'GET', '/registered-models/get-latest-versions', latest);

  endpoint(app, 'POST', '/registered-models/set-tag', async (f, request) => {
    await registry.setModelTag(
      requiredString(f, 'name'),
      { key: requiredString(f, 'key'), value: f.value === undefined ? '' : String(f.value) },
      actorOf(request),
    );
  });

  endpoint(app, 'DELETE', '/registered-models/delete-tag', async (f, request) => {
    await registry.deleteModelTag(
      requiredString(f, 'name'),
      requiredString(f, 'key'),
      actorOf(request),
    );
  });

  endpoint(app, 'POST', '/registered-models/alias', async (f, request) => {
    await registry.setAlias(
      requiredString(f, 'name'),
      requiredString(f, 'alias'),
      requiredString(f, 'version'),
      actorOf(request),
    );
  });

  endpoint(app, 'DELETE', '/registered-models/alias', async (f, request) => {
    await registry.deleteAlias(
      requiredString(f, 'name'),
      requiredString(f, 'alias'),
      actorOf(request),
    );
  });

  endpoint(app, 'GET', '/registered-models/alias', async (f) => ({
    model_version: encodeModelVersion(
      await registry.getVersionByAlias(requiredString(f, 'name'), requiredString(f, 'alias')),
    ),
  }));
}
