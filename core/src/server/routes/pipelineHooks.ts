import type { FastifyInstance } from 'fastify';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SextantError, invalid, notFound } from '../../model/errors';
import type { ResolvedPipeline } from '../../model/pipeline';
import type { PipelineRunner } from '../../pipelines';
import { endpoint } from '../endpoint';
import { optionalString, requiredString } from '../request';
import { SEXTANT_API } from './cells';

/** The file in the store that holds the webhook token. */
export const WEBHOOK_TOKEN_FILE = 'webhook-token';

/** What the webhook route needs: the runner, and the pipelines it may start. */
export interface PipelineHooks {
  runner: PipelineRunner;
  /** The workspace's pipelines; only those that declare a `webhook` trigger can be started. */
  pipelines(): Promise<ResolvedPipeline[]>;
}

/**
 * The token webhook callers must send: `SEXTANT_WEBHOOK_TOKEN`, or the one in
 * `<store>/webhook-token`, created (32 random bytes, hex, readable by the owner only) on first use.
 */
export function webhookToken(storeDir: string): string {
  const fromEnv = process.env.SEXTANT_WEBHOOK_TOKEN;
  if (fromEnv) return fromEnv;
  const file = path.join(storeDir, WEBHOOK_TOKEN_FILE);
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const token = fs.readFileSync(file, 'utf8').trim();
  if (!token) {
    throw new Error(`the webhook token file ${file} is empty: delete it to have a new one made`);
  }
  return token;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether an Authorization header carries `token`, compared in constant time. */
function authorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1] as string), digest(token));
}

/** The pipeline a webhook names: by name, and by file (absolute or workspace-relative) if given. */
function findPipeline(
  pipelines: ResolvedPipeline[],
  name: string,
  file: string | undefined,
): ResolvedPipeline {
  const named = pipelines.filter(
    (p) =>
      p.name === name &&
      (file === undefined ||
        p.file === file ||
        path.relative(p.root, p.file).split(path.sep).join('/') === file),
  );
  if (named.length === 0) {
    throw notFound(
      `No pipeline '${name}'${file === undefined ? '' : ` in ${file}`} in this workspace.`,
    );
  }
  if (named.length > 1) {
    throw invalid(
      `Several pipeline files have a pipeline '${name}' (${named.map((p) => p.file).join(', ')}): send 'file' too.`,
    );
  }
  const pipeline = named[0] as ResolvedPipeline;
  if (!pipeline.triggers.some((trigger) => trigger.kind === 'webhook')) {
    throw new SextantError(
      'PERMISSION_DENIED',
      `Pipeline '${name}' does not accept webhooks: add 'webhook: true' under its 'on:'.`,
    );
  }
  return pipeline;
}

/**
 * `POST /api/2.0/sextant/pipelines/trigger` with `{pipeline, file?}` and
 * `Authorization: Bearer <webhook token>`: starts the pipeline (202 with its `pipelineRunId`).
 */
export function pipelineHookRoutes(
  app: FastifyInstance,
  hooks: PipelineHooks,
  storeDir: string,
): void {
  const token = webhookToken(storeDir);
  endpoint(
    app,
    'POST',
    '/pipelines/trigger',
    async (fields, request, reply) => {
      if (!authorized(request.headers.authorization, token)) {
        throw new SextantError(
          'UNAUTHENTICATED',
          `Pipeline webhooks need 'Authorization: Bearer <token>' with the token in ${path.join(storeDir, WEBHOOK_TOKEN_FILE)} (or SEXTANT_WEBHOOK_TOKEN).`,
        );
      }
      const pipeline = findPipeline(
        await hooks.pipelines(),
        requiredString(fields, 'pipeline'),
        optionalString(fields, 'file'),
      );
      const { run, finished } = await hooks.runner.start(pipeline.file, pipeline.name, {
        trigger: { kind: 'webhook', detail: `POST from ${request.ip}` },
      });
      finished.catch(() => undefined);
      reply.code(202);
      return { pipelineRunId: run.pipelineRunId };
    },
    SEXTANT_API,
  );
}
