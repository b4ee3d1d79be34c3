import type http from 'node:http';
import { parseFeedbackBody, type FeedbackStore } from '../feedback';
import { SextantError } from '../model/errors';
import type { InferenceLog } from './inferenceLog';
import type { TrafficRouter } from './traffic';

/** The path of the feedback route of a deployment's endpoint. */
export const FEEDBACK_PATH = '/v2/sextant/feedback';

/** Most bytes a feedback body may hold. */
const MAX_FEEDBACK_BYTES = 64 * 1024 * 1024;

/** What the feedback route needs from its endpoint. */
export interface FeedbackRouteOptions {
  store: FeedbackStore;
  log?: InferenceLog;
  deployment?: string;
  traffic?: TrafficRouter;
}

interface RouteAnswer {
  status: number;
  body: string;
}

const mlflowError = (status: number, code: string, message: string, extra = {}): RouteAnswer => ({
  status,
  body: JSON.stringify({ error_code: code, message, ...extra }),
});

function readAll(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_FEEDBACK_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_FEEDBACK_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * `POST /v2/sextant/feedback`: one `{request_id, label | reward | value, time?}`, a list of them
 * or `{"feedback": [...]}`, each joined to the request this deployment served and logged under
 * that id. Answers `{recorded, unknown_request_ids}`; 404 when no id is known, 400 (MLflow's error
 * shape) for a bad body, with nothing stored.
 */
export async function answerFeedback(
  request: http.IncomingMessage,
  options: FeedbackRouteOptions,
): Promise<RouteAnswer> {
  if (request.method !== 'POST') {
    request.resume();
    return mlflowError(405, 'BAD_REQUEST', `use POST ${FEEDBACK_PATH}`);
  }
  const raw = await readAll(request);
  if (!raw) {
    return mlflowError(
      400,
      'INVALID_PARAMETER_VALUE',
      `the feedback body is larger than ${MAX_FEEDBACK_BYTES / 1024 / 1024} MB; send it in parts or import a file`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return mlflowError(
      400,
      'MALFORMED_REQUEST',
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    const items = parseFeedbackBody(body);
    options.log?.flush();
    const result = options.store.record(items, {
      ...(options.deployment ? { deployment: options.deployment } : {}),
      shadows: options.traffic?.shadows().map((v) => v.name) ?? [],
      source: 'http',
    });
    if (result.recorded === 0) {
      return mlflowError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `no logged request of ${options.deployment ? `deployment '${options.deployment}'` : 'this endpoint'} has the id${result.unknownRequestIds.length > 1 ? 's' : ''} given; feedback joins only logged requests`,
        { unknown_request_ids: result.unknownRequestIds },
      );
    }
    return {
      status: 200,
      body: JSON.stringify({
        recorded: result.recorded,
        unknown_request_ids: result.unknownRequestIds,
      }),
    };
  } catch (error) {
    if (error instanceof SextantError) return mlflowError(400, error.code, error.message);
    throw error;
  }
}
