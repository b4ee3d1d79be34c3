import type { FastifyInstance, FastifyReply } from 'fastify';
import path from 'node:path';
import { normalizeArtifactPath, parseArtifactUri } from '../../artifacts';
import type { Engine } from '../../engine';
import { invalid, SextantError } from '../../model/errors';
import { endpoint, MLFLOW_API } from '../endpoint';
import { optionalString, requiredString } from '../request';

const PROXY = '/api/2.0/mlflow-artifacts';

/** The artifact path inside the store of a run-relative path. */
async function runPath(
  engine: Engine,
  runId: string,
  relative: string | undefined,
): Promise<{ root: string; full: string }> {
  const run = await engine.tracking.getRun(runId);
  const root = parseArtifactUri(run.info.artifactUri).relative;
  const inner = normalizeArtifactPath(relative ?? '');
  return { root, full: inner ? `${root}/${inner}` : root };
}

/** The artifact path inside the store of a path relative to a logged model's artifacts. */
async function modelPath(engine: Engine, modelId: string, relative: string | undefined) {
  const model = await engine.tracking.getLoggedModel(modelId);
  const root = parseArtifactUri(model.artifactUri).relative;
  const inner = normalizeArtifactPath(relative ?? '');
  return { root, full: inner ? `${root}/${inner}` : root, uri: model.artifactUri };
}

/** Entries of a store directory, with paths relative to `root` (MLflow's listing shape). */
async function listUnder(engine: Engine, root: string, full: string) {
  const entries = await engine.artifacts.list(full);
  return entries.map((e) => ({
    path: e.path.slice(root.length + 1),
    is_dir: e.isDir,
    ...(e.fileSize !== undefined ? { file_size: e.fileSize } : {}),
  }));
}

/** Whether a request came with no body at all (no length, or length 0, and not chunked). */
const hasNoBody = (headers: Record<string, unknown>): boolean =>
  headers['transfer-encoding'] === undefined &&
  (headers['content-length'] === undefined || headers['content-length'] === '0');

async function sendFile(
  engine: Engine,
  reply: FastifyReply,
  storePath: string,
): Promise<FastifyReply> {
  const { stream, size } = await engine.artifacts.read(storePath);
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', size)
    .header(
      'content-disposition',
      `attachment; filename="${encodeURIComponent(path.posix.basename(storePath))}"`,
    )
    .header('x-content-type-options', 'nosniff')
    .send(stream);
}

/**
 * Artifact endpoints: MLflow's run listing and `get-artifact`, and the `mlflow-artifacts` proxy
 * (upload, download, list, delete) the `mlflow` client uses for `mlflow-artifacts:` URIs.
 * Every client-given path goes through the store's confinement.
 */
export function artifactRoutes(app: FastifyInstance, engine: Engine): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  endpoint(app, 'GET', '/artifacts/list', async (f) => {
    const runId = optionalString(f, 'run_id') || requiredString(f, 'run_uuid');
    const { root, full } = await runPath(engine, runId, optionalString(f, 'path'));
    const files = await listUnder(engine, root, full);
    return {
      root_uri: (await engine.tracking.getRun(runId)).info.artifactUri,
      ...(files.length > 0 ? { files } : {}),
    };
  });

  endpoint(app, 'GET', '/logged-models/:id/artifacts/directories', async (f, request) => {
    const id = (request.params as { id: string }).id;
    const { root, full, uri } = await modelPath(
      engine,
      id,
      optionalString(f, 'artifact_directory_path'),
    );
    const files = await listUnder(engine, root, full);
    return { root_uri: uri, ...(files.length > 0 ? { files } : {}) };
  });

  app.get(`${MLFLOW_API}/logged-models/:id/artifacts/files`, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const query = request.query as Record<string, unknown>;
    const { full } = await modelPath(engine, id, requiredString(query, 'artifact_file_path'));
    return sendFile(engine, reply, full);
  });

  // MLflow's web UI upload: the raw body becomes the run artifact at `path`.
  app.post(`${MLFLOW_API}/upload-artifact`, async (request) => {
    const query = request.query as Record<string, unknown>;
    const runId = optionalString(query, 'run_uuid') || optionalString(query, 'run_id');
    if (!runId) throw invalid('Request must specify run_uuid.');
    const relative = optionalString(query, 'path');
    if (!relative) throw invalid('Request must specify path.');
    const { full } = await runPath(engine, runId, relative);
    if (hasNoBody(request.headers) || request.body === undefined) {
      throw invalid('Request must specify data.');
    }
    await engine.artifacts.write(full, request.body as NodeJS.ReadableStream);
    return {};
  });

  app.get('/get-artifact', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const runId = optionalString(query, 'run_id') || requiredString(query, 'run_uuid');
    const { full } = await runPath(engine, runId, requiredString(query, 'path'));
    return sendFile(engine, reply, full);
  });

  endpoint(
    app,
    'GET',
    '/artifacts',
    async (f) => {
      const dir = normalizeArtifactPath(optionalString(f, 'path') ?? '');
      const entries = await engine.artifacts.list(dir);
      if (entries.length === 0) return {};
      return {
        files: entries.map((e) => ({
          path: path.posix.basename(e.path),
          is_dir: e.isDir,
          ...(e.fileSize !== undefined ? { file_size: e.fileSize } : {}),
        })),
      };
    },
    PROXY,
  );

  const target = (params: unknown): string => {
    const raw = (params as { '*'?: string })['*'];
    if (!raw) throw invalid('Give the artifact path after /artifacts/.');
    return raw;
  };

  app.get(`${PROXY}/artifacts/*`, async (request, reply) =>
    sendFile(engine, reply, target(request.params)),
  );

  app.put(`${PROXY}/artifacts/*`, async (request) => {
    await engine.artifacts.write(target(request.params), request.body as NodeJS.ReadableStream);
    return {};
  });

  app.delete(`${PROXY}/artifacts/*`, async (request) => {
    await engine.artifacts.delete(target(request.params));
    return {};
  });

  for (const step of ['create', 'complete', 'abort']) {
    app.post(`${PROXY}/mpu/${step}/*`, async () => {
      throw unsupported('Multipart upload');
    });
  }
  app.get(`${PROXY}/presigned/*`, async () => {
    throw unsupported('Multipart download');
  });
}

/**
 * MLflow's answer when the artifact store has no multipart or presigned transfers: the client
 * recognises this message and falls back to plain proxied uploads and downloads.
 */
const unsupported = (what: string): SextantError =>
  new SextantError(
    'NOT_IMPLEMENTED',
    `${what} is not supported for the current artifact repository`,
  );
