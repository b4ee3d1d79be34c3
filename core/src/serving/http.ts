import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBinaryRequest } from './binaryTensors';
import { ServingError } from './errors';
import { answerFeedback, FEEDBACK_PATH, type FeedbackRouteOptions } from './feedbackRoute';
import type { InferenceLog } from './inferenceLog';
import { NODE_LATENCY_PARAMETER, serverTiming, type GraphResult } from './nodeTiming';
import type { LiveStats } from './liveStats';
import type { ServingMetrics } from './metrics';
import { checkInferRequest, modelMetadata } from './oip';
import type { Runtime } from './runtime';
import { invocationItem } from './scoring';
import type { LiveVariant, TrafficRouter } from './traffic';
import type { WorkerReady, WorkerResult } from './worker';

/** What the endpoint serves and how. */
export interface EndpointOptions {
  /** The model's name in OIP paths (the registered model's name). */
  name: string;
  version: string;
  pool: Runtime;
  metrics: ServingMetrics;
  /** Where sampled requests are logged; none: no logging. */
  log?: InferenceLog;
  /** Share of requests logged, 0 to 1. */
  sampleRate: number;
  /** Bodies larger than this get 400. */
  maxBodyBytes: number;
  /** The server's version, for `/v2`. */
  serverVersion: string;
  /** A deployment's variants and their traffic; none: `pool` serves every request. */
  traffic?: TrafficRouter;
  /** The deployment's name: logged with each request, and the name in its admin routes. */
  deployment?: string;
  /** The request header whose value makes the variant sticky (e.g. `x-user-id`). */
  stickyHeader?: string;
  /**
   * The deployment's admin routes (`/v2/sextant/deployments/{name}[/traffic]`), answered only
   * to loopback callers, and with `token` only to `Authorization: Bearer <token>`.
   */
  admin?: {
    token?: string;
    onTraffic?: (weights: Record<string, number>) => void;
    /** More routes: `POST .../{name}/{action}` with a JSON object body, answered with the result. */
    actions?: Record<string, (body: Record<string, unknown>) => Promise<unknown>>;
  };
  /** Where `POST /v2/sextant/feedback` stores the outcomes of logged requests; none: no route. */
  feedback?: FeedbackRouteOptions['store'];
  /** The deployment's live figures, counted per variant and answered at `.../stats`. */
  stats?: LiveStats;
}

/** The longest window `.../stats` answers, and the most logged requests it lists. */
const MAX_STATS_WINDOW_S = 600;
const MAX_STATS_REQUESTS = 200;

/** The response header naming the variant that answered. */
export const VARIANT_HEADER = 'x-sextant-variant';

/** What one inference request was: its input, the worker item, the variant, the result. */
interface Inference {
  input?: string;
  item?: string;
  variant?: LiveVariant;
  /** The request's unit key (the sticky header's value), logged for per-unit analysis. */
  unit?: string;
  result?: WorkerResult;
  /** An inference graph's node latencies, in ms. */
  timing?: Record<string, number>;
}

/** Whether an `Authorization` header carries `Bearer <token>` (compared in constant time). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = 'application/json';

type Protocol = 'oip' | 'mlflow';

interface Answer {
  status: number;
  body: string;
  type?: string;
  retryAfter?: number;
}

const json = (status: number, value: unknown): Answer => ({
  status,
  body: JSON.stringify(value),
});

/** An error in the protocol's own shape: OIP `{"error"}`, MLflow `{"error_code", "message"}`. */
function errorAnswer(protocol: Protocol, error: unknown): Answer {
  const serving =
    error instanceof ServingError
      ? error
      : new ServingError(500, `internal error: ${(error as Error).message}`);
  const body =
    protocol === 'oip'
      ? { error: serving.message }
      : {
          error_code: serving.status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR',
          message: serving.message,
        };
  return {
    ...json(serving.status, body),
    ...(serving.retryAfter ? { retryAfter: serving.retryAfter } : {}),
  };
}

/** Reads a body up to `max` bytes; past it, drains the rest and throws a 400. */
function readBody(request: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    const tooLarge = (): ServingError =>
      new ServingError(
        400,
        `the request body is larger than the limit of ${Math.round(max / 1024 / 1024)} MB; send fewer rows per request`,
      );
    if (declared > max) {
      request.resume();
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => !over && resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * The HTTP endpoint of one served model (Node's http): the Open Inference Protocol's REST API
 * under `/v2`, MLflow's scoring protocol (`/invocations`, `/ping`, `/health`, `/version`) and
 * Prometheus `/metrics`. Every answer carries an `X-Request-Id` (the caller's, or a new one);
 * sampled requests go to the inference log.
 */
export class ServingEndpoint {
  readonly server: http.Server;
  private ready: WorkerReady | undefined;

  constructor(private readonly options: EndpointOptions) {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 65_000;
    void options.pool.ready.then(
      (ready) => (this.ready = ready),
      () => undefined,
    );
  }

  /**
   * What the model serving now says of itself: the runtime's own once it is ready (after a
   * rolling update, the new version's signature), else the last one known.
   */
  private async signature(): Promise<WorkerReady | undefined> {
    if (!this.options.pool.isReady) return this.ready;
    this.ready = await this.options.pool.ready.catch(() => this.ready);
    return this.ready;
  }

  /** Starts listening; resolves with the base URL. */
  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve(`http://${shown}:${address.port}`);
      });
    });
  }

  /**
   * Stops taking connections, closes idle ones, and after `graceMs` the rest (a keep-alive
   * client would otherwise hold the server open).
   */
  close(graceMs = 2_000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const time = Date.now();
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const url = (request.url ?? '/').split('?')[0]!;
    const protocol: Protocol = url.startsWith('/v2') ? 'oip' : 'mlflow';
    let answer: Answer;
    let inference: Inference | undefined;
    try {
      const routed = await this.route(request, url, protocol);
      answer = routed.answer;
      inference = routed.inference;
    } catch (error) {
      answer = errorAnswer(protocol, error);
      if (error instanceof ServingError && error.status === 500) {
        process.stderr.write(`sextant serve: ${error.message}\n`);
      }
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': answer.type ?? JSON_TYPE,
      'content-length': Buffer.byteLength(answer.body),
      'x-request-id': requestId,
    };
    if (answer.retryAfter) headers['retry-after'] = String(answer.retryAfter);
    if (inference?.variant) headers[VARIANT_HEADER] = inference.variant.name;
    if (inference?.timing) headers['server-timing'] = serverTiming(inference.timing);
    response.writeHead(answer.status, headers);
    response.end(answer.body);
    if (!inference) return;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics.request(protocol, answer.status, seconds);
    const { log, sampleRate, traffic } = this.options;
    const variant = inference.variant;
    if (variant) {
      traffic?.observe(variant.name, answer.status, seconds * 1000);
      this.options.stats?.request(variant.name, answer.status, seconds * 1000);
      this.options.metrics.variantRequest(
        this.options.deployment ?? this.options.name,
        variant.name,
        variant.version,
        answer.status,
        seconds,
      );
    }
    if (log && inference.item !== undefined && traffic) {
      for (const shadow of traffic.shadows()) {
        this.mirror(shadow, inference.item, requestId, protocol, inference.input);
      }
    }
    if (log && sampleRate > 0 && (sampleRate >= 1 || Math.random() < sampleRate)) {
      log.add({
        requestId,
        time,
        model: variant?.model ?? this.options.name,
        version: variant?.version ?? this.options.version,
        ...(this.options.deployment ? { deployment: this.options.deployment } : {}),
        ...(variant ? { variant: variant.name } : {}),
        ...(inference.unit !== undefined ? { unit: inference.unit } : {}),
        protocol,
        status: answer.status,
        latencyMs: seconds * 1000,
        ...(inference.input !== undefined ? { inputs: inference.input } : {}),
        ...(answer.status < 400 ? { outputs: answer.body } : { error: answer.body }),
      });
    }
  }

  /** Sends a copy of a request to a shadow variant and logs its answer (never returned). */
  private mirror(
    shadow: LiveVariant,
    item: string,
    requestId: string,
    protocol: Protocol,
    input: string | undefined,
  ): void {
    const time = Date.now();
    const started = process.hrtime.bigint();
    const logged = (status: number, body: string): void => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.options.stats?.request(shadow.name, status, seconds * 1000);
      this.options.metrics.variantRequest(
        this.options.deployment ?? this.options.name,
        shadow.name,
        shadow.version,
        status,
        seconds,
      );
      this.options.log?.add({
        requestId,
        time,
        model: shadow.model,
        version: shadow.version,
        ...(this.options.deployment ? { deployment: this.options.deployment } : {}),
        variant: shadow.name,
        protocol,
        status,
        latencyMs: seconds * 1000,
        ...(input !== undefined ? { inputs: input } : {}),
        ...(status < 400 ? { outputs: body } : { error: body }),
      });
    };
    shadow.runtime.submit(item).then(
      (result) =>
        'error' in result
          ? logged(result.status, JSON.stringify({ error: result.error }))
          : logged(200, JSON.stringify(result)),
      (error: unknown) =>
        logged(
          error instanceof ServingError ? error.status : 500,
          JSON.stringify({ error: (error as Error).message }),
        ),
    );
  }

  /**
   * The admin routes of a deployment: its variants and weights, changing the weights, and its
   * live figures (`GET .../stats?window=S&requests=N`: per-variant rate, latency percentiles,
   * errors, batch size, queue depth and replicas over the last S seconds, and the N latest
   * logged requests).
   */
  private async admin(request: http.IncomingMessage, url: string, method: string): Promise<Answer> {
    const admin = this.options.admin;
    const traffic = this.options.traffic;
    const match = /^\/v2\/sextant\/deployments\/([^/]+)(\/[a-z]+)?$/.exec(url);
    const remote = request.socket.remoteAddress ?? '';
    const loopback = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
    if (!admin || !traffic || !match || !loopback) {
      request.resume();
      throw new ServingError(404, `no route ${url}`);
    }
    if (admin.token && !bearerMatches(request.headers.authorization, admin.token)) {
      request.resume();
      throw new ServingError(
        401,
        'this deployment requires a token: send `Authorization: Bearer <token>` (SEXTANT_TOKEN)',
      );
    }
    const name = decodeURIComponent(match[1]!);
    if (name !== this.options.deployment) {
      request.resume();
      throw new ServingError(404, `no deployment named '${name}' is served here`);
    }
    const describe = (): Answer =>
      json(200, {
        deployment: name,
        weights: traffic.weights(),
        variants: traffic.variants.map((v) => ({
          name: v.name,
          model: v.model,
          version: v.version,
          weight: v.weight,
          shadow: v.shadow,
          ready: v.runtime.isReady,
        })),
      });
    if (!match[2] && (method === 'GET' || method === 'HEAD')) return describe();
    if (match[2] === '/stats' && (method === 'GET' || method === 'HEAD')) {
      return json(200, this.statsOf(name, traffic, new URL(request.url ?? '/', 'http://local')));
    }
    const action =
      match[2] && match[2] !== '/traffic' ? admin.actions?.[match[2].slice(1)] : undefined;
    if (match[2] && match[2] !== '/traffic' && match[2] !== '/stats' && !action) {
      request.resume();
      throw new ServingError(404, `no route ${url}`);
    }
    if (!match[2] || match[2] === '/stats' || method !== 'POST') {
      request.resume();
      throw new ServingError(405, `${method} ${url} is not served here`);
    }
    const raw = await readBody(request, 64 * 1024);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new ServingError(400, `the body is not valid JSON: ${(error as Error).message}`);
    }
    if (action) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ServingError(400, 'send a JSON object');
      }
      try {
        return json(200, await action(body as Record<string, unknown>));
      } catch (error) {
        if (error instanceof ServingError) throw error;
        throw new ServingError(400, (error as Error).message);
      }
    }
    const weights = (body as { weights?: unknown } | null)?.weights;
    if (
      typeof weights !== 'object' ||
      weights === null ||
      Array.isArray(weights) ||
      !Object.values(weights).every((w) => typeof w === 'number')
    ) {
      throw new ServingError(400, 'send {"weights": {"<variant>": <number>, ...}}');
    }
    try {
      const applied = traffic.setWeights(weights as Record<string, number>);
      admin.onTraffic?.(applied);
    } catch (error) {
      throw new ServingError(400, (error as Error).message);
    }
    return describe();
  }

  /** The live figures of a deployment and its latest logged requests. */
  private statsOf(name: string, traffic: TrafficRouter, url: URL): unknown {
    const count = (key: string, fallback: number, max: number): number => {
      const text = url.searchParams.get(key);
      if (text === null) return fallback;
      const value = Number(text);
      if (!/^\d+$/.test(text) || value > max) {
        throw new ServingError(400, `${key} takes a whole number from 0 to ${max}, not '${text}'`);
      }
      return value;
    };
    const window = Math.max(1, count('window', 60, MAX_STATS_WINDOW_S));
    const requests = count('requests', 20, MAX_STATS_REQUESTS);
    const stats = this.options.stats;
    if (stats) for (const v of traffic.variants) stats.sample(v);
    return {
      ...(stats
        ? stats.snapshot(name, traffic.variants, window)
        : {
            deployment: name,
            time: Date.now(),
            windowSeconds: window,
            seconds: [],
            variants: [],
            total: {
              requests: 0,
              requestRate: 0,
              errors: 0,
              errorRate: 0,
              p50Ms: null,
              p99Ms: null,
            },
          }),
      requests: requests > 0 && this.options.log ? this.options.log.recentOf(name, requests) : [],
    };
  }

  private async route(
    request: http.IncomingMessage,
    url: string,
    protocol: Protocol,
  ): Promise<{ answer: Answer; inference?: Inference }> {
    const method = request.method ?? 'GET';
    if (url === FEEDBACK_PATH && this.options.feedback) {
      const { log, deployment, traffic } = this.options;
      return {
        answer: await answerFeedback(request, {
          store: this.options.feedback,
          ...(log ? { log } : {}),
          ...(deployment ? { deployment } : {}),
          ...(traffic ? { traffic } : {}),
        }),
      };
    }
    if (url.startsWith('/v2/sextant/deployments/')) {
      return { answer: await this.admin(request, url, method) };
    }
    if (method === 'POST' && (url === '/invocations' || url.endsWith('/infer'))) {
      return this.infer(request, url, protocol);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      request.resume();
      throw new ServingError(405, `${method} ${url} is not served here`);
    }
    const { pool } = this.options;
    switch (url) {
      case '/ping':
      case '/health':
        return {
          answer: pool.isReady
            ? { status: 200, body: '\n' }
            : errorAnswer('mlflow', new ServingError(503, this.notReady(), 1)),
        };
      case '/version':
        return { answer: { status: 200, body: (await this.signature())?.mlflowVersion ?? '' } };
      case '/metrics':
        return {
          answer: {
            status: 200,
            body: await this.options.metrics.registry.metrics(),
            type: this.options.metrics.registry.contentType,
          },
        };
      case '/v2/health/live':
        return { answer: json(200, { live: true }) };
      case '/v2/health/ready':
        return { answer: json(pool.isReady ? 200 : 503, { ready: pool.isReady }) };
      case '/v2':
        return {
          answer: json(200, {
            name: 'sextant',
            version: this.options.serverVersion,
            extensions: [],
          }),
        };
    }
    const model = this.modelPath(url);
    if (model?.rest === '') {
      const ready = await this.signature();
      if (!ready) throw new ServingError(503, this.notReady(), 1);
      return {
        answer: json(200, modelMetadata(this.options.name, this.options.version, ready)),
      };
    }
    if (model?.rest === '/ready') {
      return {
        answer: json(pool.isReady ? 200 : 503, { name: this.options.name, ready: pool.isReady }),
      };
    }
    if (model?.rest === '/infer' || url === '/invocations') {
      throw new ServingError(405, `${url} takes POST`);
    }
    throw new ServingError(404, `no route ${url}`);
  }

  /** The model part of a `/v2/models/{name}[/versions/{v}]...` path, checked against the model. */
  private modelPath(url: string): { rest: string; version?: string } | undefined {
    const match = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(url);
    if (!match) return undefined;
    const name = decodeURIComponent(match[1]!);
    const version = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (name !== this.options.name) {
      throw new ServingError(
        404,
        `no model named '${name}' is served here (this endpoint serves '${this.options.name}')`,
      );
    }
    if (
      version !== undefined &&
      version !== this.options.version &&
      !this.options.traffic?.byVersion(version)
    ) {
      throw new ServingError(
        404,
        `model '${name}' has no version '${version}' here (this endpoint serves version ${this.options.version})`,
      );
    }
    return { rest: match[3] ?? '', ...(version !== undefined ? { version } : {}) };
  }

  private notReady(): string {
    return this.options.pool.failed ?? 'the model is still loading; retry shortly';
  }

  private async infer(
    request: http.IncomingMessage,
    url: string,
    protocol: Protocol,
  ): Promise<{ answer: Answer; inference: Inference }> {
    const inference: Inference = {};
    const model = protocol === 'oip' ? this.modelPath(url) : undefined;
    if (protocol === 'oip' && model?.rest !== '/infer') {
      request.resume();
      throw new ServingError(404, `no route ${url}`);
    }
    const traffic = this.options.traffic;
    if (traffic) {
      const header = this.options.stickyHeader;
      const key = header ? request.headers[header.toLowerCase()] : undefined;
      if (typeof key === 'string' && key !== '') inference.unit = key;
      inference.variant =
        (model?.version !== undefined ? traffic.byVersion(model.version) : undefined) ??
        traffic.choose(inference.unit);
    }
    const pool = inference.variant?.runtime ?? this.options.pool;
    const version = inference.variant?.version ?? this.options.version;
    try {
      const raw = await readBody(request, this.options.maxBodyBytes);
      const binaryHeader = request.headers['inference-header-content-length'];
      const body =
        protocol === 'oip' && binaryHeader !== undefined ? undefined : raw.toString('utf8');
      inference.input = body ?? `(binary tensors, ${raw.length} bytes)`;
      if (!this.ready) {
        await this.options.pool.ready.catch(() => undefined);
        if (!this.ready) throw new ServingError(503, this.notReady(), 5);
      }
      if (protocol === 'mlflow') {
        inference.item = invocationItem(request.headers['content-type'], body!);
        const result = await pool.submit(inference.item);
        inference.result = result;
        inference.timing = (result as GraphResult).nodeLatencyMs;
        if ('error' in result) throw new ServingError(result.status, result.error);
        return {
          answer: {
            status: 200,
            body: `{"predictions":${JSON.stringify((result as { predictions: unknown }).predictions)}}`,
          },
          inference,
        };
      }
      let parsed: unknown;
      if (body === undefined) {
        parsed = readBinaryRequest(raw, Number(binaryHeader));
      } else {
        try {
          parsed = JSON.parse(body);
        } catch (error) {
          throw new ServingError(400, `the body is not valid JSON: ${(error as Error).message}`);
        }
      }
      const checked = checkInferRequest(parsed, (await this.signature()) ?? this.ready);
      if (body === undefined) inference.input = checked.text;
      inference.item = checked.text;
      const result = await pool.submit(checked.text);
      inference.result = result;
      inference.timing = (result as GraphResult).nodeLatencyMs;
      if ('error' in result) throw new ServingError(result.status, result.error);
      let outputs = (result as { outputs: { name: string }[] }).outputs;
      if (checked.outputs) {
        const unknown = checked.outputs.filter((n) => !outputs.some((o) => o.name === n));
        if (unknown.length > 0) {
          throw new ServingError(
            400,
            `unknown output ${unknown.map((n) => `'${n}'`).join(', ')}; the model gives ${outputs.map((o) => o.name).join(', ')}`,
          );
        }
        outputs = outputs.filter((o) => checked.outputs!.includes(o.name));
      }
      return {
        answer: json(200, {
          model_name: this.options.name,
          model_version: version,
          ...(checked.id !== undefined ? { id: checked.id } : {}),
          ...(inference.timing &&
          (parsed as { parameters?: Record<string, unknown> }).parameters?.[
            NODE_LATENCY_PARAMETER
          ] === true
            ? { parameters: { node_latency_ms: inference.timing } }
            : {}),
          outputs,
        }),
        inference,
      };
    } catch (error) {
      return { answer: errorAnswer(protocol, error), inference };
    }
  }
}
