import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { ErrorBody } from './errors';

/** Who may talk to the server. */
export interface AccessPolicy {
  /** Host header values (host:port) the server answers to; anything else is a rebinding attempt. */
  allowedHosts: Set<string>;
  /** Origins allowed to make cross-origin requests, besides the server's own. */
  allowedOrigins: Set<string>;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export const isLoopback = (host: string): boolean =>
  LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The Host values a server bound to `host:port` answers to. */
export function hostsFor(host: string, port: number): Set<string> {
  const names =
    isLoopback(host) || host === '0.0.0.0' || host === '::'
      ? ['127.0.0.1', 'localhost', '[::1]']
      : [];
  if (!isLoopback(host) && host !== '0.0.0.0' && host !== '::')
    names.push(host.includes(':') ? `[${host}]` : host);
  return new Set(names.map((n) => `${n}:${port}`));
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function refuse(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).send(body);
}

/** Routes that check a token of their own (the pipeline webhook), not the server's. */
const OWN_TOKEN_PATHS = new Set(['/api/2.0/sextant/pipelines/trigger']);

/**
 * Refuses requests whose Host is not the server's (DNS rebinding), cross-origin requests from
 * pages not explicitly allowed (CSRF, including text/plain "simple" requests), and, when a
 * token is set, requests without it.
 */
export function accessHook(policy: AccessPolicy) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const host = request.headers.host ?? '';
    if (!policy.allowedHosts.has(host.toLowerCase())) {
      return refuse(reply, 403, {
        error_code: 'PERMISSION_DENIED',
        message: `Host '${host}' is not allowed: this Sextant server answers to ${[...policy.allowedHosts].join(', ')}.`,
      });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${host}` && !policy.allowedOrigins.has(origin)) {
      return refuse(reply, 403, {
        error_code: 'PERMISSION_DENIED',
        message: `Cross-origin request from '${origin}' refused.`,
      });
    }
    const ownToken = OWN_TOKEN_PATHS.has(request.url.split('?')[0] ?? '');
    if (policy.token && !ownToken && !tokenMatches(request.headers.authorization, policy.token)) {
      return refuse(reply, 401, {
        error_code: 'UNAUTHENTICATED',
        message:
          'This Sextant server requires a token: send `Authorization: Bearer <token>` (MLFLOW_TRACKING_TOKEN for mlflow clients).',
      });
    }
    return undefined;
  };
}
