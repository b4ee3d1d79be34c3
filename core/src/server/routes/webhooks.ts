import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../model/errors';
import {
  parseWebhookEvent,
  parseWebhookEvents,
  parseWebhookStatus,
  type Webhook,
  type WebhookService,
  type WebhookTestResult,
} from '../../webhooks';
import { endpoint } from '../endpoint';
import { optionalInteger, optionalString, requiredString, type Fields } from '../request';

/** A webhook as MLflow's REST API writes it (protobuf JSON: enum names, defaults left out). */
function encodeWebhook(webhook: Webhook): Record<string, unknown> {
  return {
    webhook_id: webhook.webhookId,
    name: webhook.name,
    ...(webhook.description ? { description: webhook.description } : {}),
    url: webhook.url,
    events: webhook.events.map((e) => ({
      entity: e.entity.toUpperCase(),
      action: e.action.toUpperCase(),
    })),
    status: webhook.status,
    creation_timestamp: webhook.creationTimestamp,
    last_updated_timestamp: webhook.lastUpdatedTimestamp,
  };
}

function encodeTestResult(result: WebhookTestResult): Record<string, unknown> {
  return {
    success: result.success,
    ...(result.responseStatus !== undefined ? { response_status: result.responseStatus } : {}),
    ...(result.responseBody ? { response_body: result.responseBody } : {}),
    ...(result.errorMessage ? { error_message: result.errorMessage } : {}),
  };
}

const webhookId = (request: FastifyRequest): string =>
  (request.params as { webhook_id: string }).webhook_id;

function requiredEvents(fields: Fields): ReturnType<typeof parseWebhookEvents> {
  const events = fields.events;
  if (events === undefined || events === null || (Array.isArray(events) && events.length === 0)) {
    throw invalid(
      "Missing value for required parameter 'events'. See the API docs for more information about request parameters.",
    );
  }
  return parseWebhookEvents(events);
}

function optionalStatus(fields: Fields): ReturnType<typeof parseWebhookStatus> | undefined {
  return fields.status === undefined || fields.status === null
    ? undefined
    : parseWebhookStatus(fields.status);
}

/** MLflow's webhook endpoints: create, list, get, update, delete and test. */
export function webhookRoutes(app: FastifyInstance, webhooks: WebhookService): void {
  endpoint(app, 'POST', '/webhooks', async (f) => {
    const description = optionalString(f, 'description');
    const secret = optionalString(f, 'secret');
    const status = optionalStatus(f);
    return {
      webhook: encodeWebhook(
        await webhooks.create({
          name: requiredString(f, 'name'),
          url: requiredString(f, 'url'),
          events: requiredEvents(f),
          ...(description ? { description } : {}),
          ...(secret ? { secret } : {}),
          ...(status ? { status } : {}),
        }),
      ),
    };
  });

  endpoint(app, 'GET', '/webhooks', async (f) => {
    const page = await webhooks.list(
      optionalInteger(f, 'max_results'),
      optionalString(f, 'page_token') || undefined,
    );
    return {
      ...(page.items.length > 0 ? { webhooks: page.items.map(encodeWebhook) } : {}),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  endpoint(app, 'GET', '/webhooks/:webhook_id', async (_f, request) => ({
    webhook: encodeWebhook(await webhooks.get(webhookId(request))),
  }));

  endpoint(app, 'PATCH', '/webhooks/:webhook_id', async (f, request) => {
    const name = optionalString(f, 'name');
    const url = optionalString(f, 'url');
    const description = optionalString(f, 'description');
    const secret = optionalString(f, 'secret');
    const status = optionalStatus(f);
    const events =
      Array.isArray(f.events) && f.events.length === 0
        ? undefined
        : f.events === undefined || f.events === null
          ? undefined
          : parseWebhookEvents(f.events);
    return {
      webhook: encodeWebhook(
        await webhooks.update(webhookId(request), {
          ...(name ? { name } : {}),
          ...(url ? { url } : {}),
          ...(events ? { events } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(secret !== undefined ? { secret } : {}),
          ...(status ? { status } : {}),
        }),
      ),
    };
  });

  endpoint(app, 'DELETE', '/webhooks/:webhook_id', async (_f, request) => {
    await webhooks.delete(webhookId(request));
  });

  endpoint(app, 'POST', '/webhooks/:webhook_id/test', async (f, request) => ({
    result: encodeTestResult(
      await webhooks.test(
        webhookId(request),
        f.event === undefined || f.event === null ? undefined : parseWebhookEvent(f.event),
      ),
    ),
  }));
}
