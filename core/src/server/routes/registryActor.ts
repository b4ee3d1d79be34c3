import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../registry';

const MAX_HEADER = 1000;

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.slice(0, MAX_HEADER) : undefined;
};

/**
 * Who makes a registry change: the user of HTTP basic auth (as `MLFLOW_TRACKING_USERNAME` sends
 * it), else `X-Sextant-User`, else 'unknown'; why, from `X-Sextant-Reason` when given.
 */
export function actorOf(request: FastifyRequest): Actor {
  const auth = header(request, 'authorization');
  let user: string | undefined;
  if (auth?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user = (colon >= 0 ? decoded.slice(0, colon) : decoded) || undefined;
  }
  user ??= header(request, 'x-sextant-user');
  const reason = header(request, 'x-sextant-reason');
  return { user: user ?? 'unknown', ...(reason ? { reason } : {}) };
}
