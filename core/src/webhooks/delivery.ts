import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { deliveryBody, type Announcement } from './payloads';
import type { WebhookSettings } from './settings';
import { signDelivery, WEBHOOK_HEADERS } from './signing';
import { checkWebhookUrl, publicOnlyLookup, type Resolver } from './ssrf';

/** Statuses retried, as MLflow's delivery session does. */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/** Statuses whose Retry-After header is obeyed. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([413, 429, 503]);
/** The most of a response body kept (what `test_webhook` shows). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** One HTTP exchange with a receiver. */
export interface ReceiverResponse {
  status: number;
  body: string;
  retryAfter?: string;
}

/** How one request is sent; the default posts over node:http(s). Tests may replace it. */
export type Post = (
  url: URL,
  body: string,
  headers: Record<string, string>,
  settings: WebhookSettings,
) => Promise<ReceiverResponse>;

/** The outcome of a delivery, after its retries. */
export interface DeliveryOutcome {
  deliveryId: string;
  url: string;
  event: string;
  attempts: number;
  /** The last response, when one came. */
  status?: number;
  body?: string;
  /** Why no response came (timeout, refused, blocked). */
  error?: string;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** Posts over node:http(s): one attempt, limited to `timeoutMs`, refusing non-public peers. */
export const postOverHttp: Post = (url, body, headers, settings) =>
  new Promise<ReceiverResponse>((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: secure ? agents['https:'] : agents['http:'],
        ...(settings.allowPrivateIps ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => {
          clearTimeout(timer);
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
            ...(retryAfter ? { retryAfter } : {}),
          });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => {
      request.destroy(
        Object.assign(new Error(`timed out after ${settings.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      );
    }, settings.timeoutMs);
    timer.unref();
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });

/**
 * The wait before retry `n` (1-based), as urllib3's Retry with MLflow's settings: the first
 * retry at once, then `backoffMs * 2^(n-1)`, capped; a Retry-After (seconds or an HTTP date) on
 * 413/429/503 wins.
 */
export function retryDelay(
  n: number,
  settings: Pick<WebhookSettings, 'backoffMs' | 'backoffMaxMs'>,
  response?: ReceiverResponse,
  now = Date.now(),
): number {
  if (response?.retryAfter && RETRY_AFTER_STATUSES.has(response.status)) {
    const seconds = Number(response.retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(response.retryAfter) - now;
    if (Number.isFinite(ms)) return Math.max(0, Math.min(ms, settings.backoffMaxMs));
  }
  if (n <= 1) return 0;
  return Math.min(settings.backoffMs * 2 ** (n - 1), settings.backoffMaxMs);
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

/** What a delivery needs of its webhook. */
export interface DeliveryTarget {
  url: string;
  secret: string;
}

/**
 * Delivers one announcement to one webhook as MLflow does: the URL checked again (scheme,
 * public addresses), MLflow's envelope as the body, `X-MLflow-Delivery-Id`,
 * `X-MLflow-Timestamp` and (with a secret) `X-MLflow-Signature`; retried on connection errors,
 * timeouts and 429/5xx with backoff. Never throws: the outcome says what happened.
 */
export async function deliver(
  target: DeliveryTarget,
  announcement: Announcement,
  settings: WebhookSettings,
  options: { post?: Post; resolve?: Resolver; wait?: (ms: number) => Promise<void> } = {},
): Promise<DeliveryOutcome> {
  const post = options.post ?? postOverHttp;
  const wait = options.wait ?? sleep;
  const deliveryId = randomUUID();
  const event = `${announcement.event.entity}.${announcement.event.action}`;
  const outcome: DeliveryOutcome = { deliveryId, url: target.url, event, attempts: 0 };
  let url: URL;
  try {
    url = await checkWebhookUrl(target.url, settings, options.resolve);
  } catch (error) {
    return { ...outcome, error: (error as Error).message };
  }
  const now = Date.now();
  const body = deliveryBody(announcement, now);
  const timestamp = String(Math.floor(now / 1000));
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    [WEBHOOK_HEADERS.deliveryId]: deliveryId,
    [WEBHOOK_HEADERS.timestamp]: timestamp,
  };
  if (target.secret) {
    headers[WEBHOOK_HEADERS.signature] = signDelivery(target.secret, deliveryId, timestamp, body);
  }
  for (let attempt = 1; ; attempt++) {
    outcome.attempts = attempt;
    let response: ReceiverResponse | undefined;
    try {
      response = await post(url, body, headers, settings);
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      outcome.error = failure.message;
      delete outcome.status;
      delete outcome.body;
      if (failure.code === 'ESSRF' || attempt > settings.maxRetries) return outcome;
      await wait(retryDelay(attempt, settings));
      continue;
    }
    delete outcome.error;
    outcome.status = response.status;
    outcome.body = response.body;
    if (!RETRIED_STATUSES.has(response.status) || attempt > settings.maxRetries) return outcome;
    await wait(retryDelay(attempt, settings, response));
  }
}
