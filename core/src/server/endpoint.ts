import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldsOf, type Fields } from './request';

/** Prefix of MLflow's REST API. */
export const MLFLOW_API = '/api/2.0/mlflow';

export type Handler = (
  fields: Fields,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<unknown>;

/**
 * Registers one MLflow endpoint: the handler gets the request's fields (query for GET, JSON body
 * otherwise) and returns the response object; errors go to the server's error handler.
 */
export function endpoint(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  handler: Handler,
  prefix = MLFLOW_API,
): void {
  app.route({
    method,
    url: `${prefix}${path}`,
    handler: async (request, reply) => (await handler(fieldsOf(request), request, reply)) ?? {},
  });
}
