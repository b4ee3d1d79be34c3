import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Engine } from '../engine';
import { SextantError } from '../model/errors';
import { HTTP_STATUS, type ErrorBody } from './errors';
import { parseJsonBody } from './jsonBody';
import { registerMetrics } from './metrics';
import { artifactRoutes } from './routes/artifacts';
import { cellRoutes } from './routes/cells';
import { experimentRoutes } from './routes/experiments';
import { loggedModelRoutes } from './routes/loggedModels';
import { pipelineHookRoutes, type PipelineHooks } from './routes/pipelineHooks';
import { registeredModelRoutes } from './routes/registryModels';
import { modelVersionRoutes } from './routes/registryVersions';
import { runRoutes } from './routes/runs';
import { webhookRoutes } from './routes/webhooks';
import { accessHook, hostsFor, isLoopback, type AccessPolicy } from './security';
import { clientErrorHandler, frameworkErrors } from './transportErrors';

/** Version string reported at `/version`. */
export const SERVER_VERSION = '0.1.0';

export interface ServerOptions {
  host: string;
  port: number;
  /** Bearer token every request must carry; required for a non-loopback bind. */
  token?: string;
  /** Extra origins allowed to call the API from a browser. */
  allowedOrigins?: string[];
  /** Largest JSON body accepted, in bytes. */
  bodyLimit?: number;
  /** Pipelines a webhook may start (`POST /api/2.0/sextant/pipelines/trigger`); none without it. */
  pipelines?: PipelineHooks;
  /** Told of every route as it is registered (method and URL pattern), e.g. to sweep them all. */
  onRoute?: (method: string, url: string) => void;
}

const FASTIFY_ERRORS: Record<string, { status: number; body: (e: FastifyError) => ErrorBody }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    body: () => ({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Request body is too large.' }),
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    body: (e) => ({
      error_code: 'BAD_REQUEST',
      message: `Unsupported Content-Type: send application/json. (${e.message})`,
    }),
  },
};

/**
 * MLflow serves every REST route under `/ajax-api/` as well as `/api/` (its web UI and some of
 * its tests call the former): the same handlers answer both.
 */
const ajaxToApi = (request: { url?: string }): string => {
  const url = request.url ?? '/';
  return url.startsWith('/ajax-api/') ? `/api/${url.slice('/ajax-api/'.length)}` : url;
};

/** Refuses a non-loopback bind without a token, before anything is opened or bound. */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new Error(
      `refusing to listen on ${host} without a token: binding beyond loopback exposes the store; ` +
        'pass --token (or SEXTANT_TOKEN) or bind 127.0.0.1',
    );
  }
}

function policyFor(options: ServerOptions, port: number): AccessPolicy {
  return {
    allowedHosts: hostsFor(options.host, port),
    allowedOrigins: new Set(options.allowedOrigins ?? []),
    ...(options.token ? { token: options.token } : {}),
  };
}

/** Builds the HTTP server (MLflow REST API, mlflow-artifacts, /metrics) over one engine. */
export async function buildServer(
  engine: Engine,
  options: ServerOptions,
  policy: AccessPolicy = policyFor(options, options.port),
): Promise<FastifyInstance> {
  assertBindAllowed(options.host, options.token);
  // Request bodies are only read field by field, never merged into other objects, so a
  // `__proto__` key is inert: plain JSON.parse is safe and skips a costly scan of every body
  // (parseJsonBody: JSON.parse behind a bound on nesting).
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024,
    logger: false,
    rewriteUrl: ajaxToApi,
    frameworkErrors,
    clientErrorHandler,
  });
  const { onRoute } = options;
  if (onRoute) {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) onRoute(method, route.url);
    });
  }
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof SextantError) {
      return reply
        .code(HTTP_STATUS[error.code])
        .send({ error_code: error.code, message: error.message });
    }
    const known = FASTIFY_ERRORS[error.code];
    if (known) return reply.code(known.status).send(known.body(error));
    if (error.statusCode && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send({ error_code: 'BAD_REQUEST', message: error.message });
    }
    process.stderr.write(`sextant server: internal error: ${error.stack ?? error.message}\n`);
    return reply
      .code(500)
      .send({ error_code: 'INTERNAL_ERROR', message: `Internal error: ${error.message}` });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: `No endpoint ${request.method} ${request.url.split('?')[0]} on this Sextant server.`,
    }),
  );
  app.addHook('onRequest', accessHook(policy));
  // A pipeline step's mlflow client asks for its run as it starts: write what the engine holds back.
  app.addHook('onRequest', (_request, _reply, done) => {
    engine.settle();
    done();
  });
  registerMetrics(app);
  app.get('/health', async () => 'OK');
  app.get('/version', async () => SERVER_VERSION);
  app.get('/api/3.0/mlflow/server-info', async () => ({
    store_type: 'SqlStore',
    workspaces_enabled: false,
    trace_archival_enabled: false,
    multipart_uploads_enabled: false,
    multipart_downloads_enabled: false,
    presigned_upload_run_id_supported: false,
    presigned_upload_model_id_supported: false,
    features_enabled: {},
  }));
  experimentRoutes(app, engine.tracking);
  runRoutes(app, engine.tracking);
  loggedModelRoutes(app, engine.tracking);
  cellRoutes(app, engine.tracking);
  registeredModelRoutes(app, engine.registry);
  modelVersionRoutes(app, engine.registry);
  webhookRoutes(app, engine.webhooks);
  if (options.pipelines) pipelineHookRoutes(app, options.pipelines, engine.storeDir);
  await app.register(async (scope) => artifactRoutes(scope, engine));
  return app;
}

/** A listening server: its base URL and how to stop it. */
export interface RunningServer {
  url: string;
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds and starts the server; port 0 picks a free port. */
export async function startServer(engine: Engine, options: ServerOptions): Promise<RunningServer> {
  const policy = policyFor(options, options.port);
  const app = await buildServer(engine, options, policy);
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port} on ${options.host} is already in use: pass --port with a free port (or 0 for any)`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  policy.allowedHosts = hostsFor(options.host, port);
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${shownHost}:${port}`, port, app, close: () => app.close() };
}
