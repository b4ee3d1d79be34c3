import { ServingError } from './errors';
import type { TensorMetadata } from './oip';
import { ReplicaPool, type PoolEvent } from './pool';
import {
  stack,
  toPredictions,
  toUpstream,
  unstack,
  type OipRequest,
  type OipTensor,
  type Translated,
} from './proxyCodec';
import { RemoteReplica, remoteRuntime, type RemoteTransport } from './remoteReplica';
import type { Runtime } from './runtime';
import type { SchemaField, WorkerReady, WorkerResult } from './worker';

/** An external Open Inference Protocol server (Triton, TorchServe in KServe mode, MLServer). */
export interface Upstream {
  /** Its base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The model's name there. */
  model: string;
  /** The model's version there (none: the server's default). */
  version?: string;
}

/** How requests reach the upstream: the pool in front of it and its connections. */
export interface ProxyOptions {
  upstream: Upstream;
  /** Connections to the upstream, each a replica of the pool (each holds `maxConcurrency` requests). */
  replicas: number;
  maxConcurrency: number;
  maxQueue: number;
  maxBatchSize: number;
  maxBatchDelayMs: number;
  requestTimeoutMs: number;
  startTimeoutMs: number;
  healthIntervalMs?: number;
  onEvent?: (event: PoolEvent) => void;
}

const NUMPY_OF: Record<string, string> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'object',
};

/** OIP tensor metadata as the tensor-spec fields the endpoint's metadata route reads. */
const fieldsOf = (tensors: readonly TensorMetadata[]): SchemaField[] =>
  tensors.map((t) => ({
    name: t.name,
    type: 'tensor',
    'tensor-spec': { dtype: NUMPY_OF[t.datatype] ?? 'object', shape: t.shape },
  }));

/** The status Sextant answers with for an upstream's refusal. */
const statusOf = (upstream: number): number =>
  upstream === 400 || upstream === 413 || upstream === 422 ? 400 : upstream === 429 ? 429 : 502;

/** The error text of an upstream's answer (OIP `{"error"}`, FastAPI `{"detail"}`, or the body). */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown };
    const said = body.error ?? body.detail;
    if (typeof said === 'string') {
      const lines = said.trim().split('\n');
      return said.startsWith('Traceback') ? lines[lines.length - 1]!.trim() : said;
    }
    if (said !== undefined) return JSON.stringify(said);
  } catch {
    // Not JSON: the body itself.
  }
  return text.trim().slice(0, 500);
}

/** Speaks OIP to one upstream model: readiness, metadata, inference. */
export class OipTransport implements RemoteTransport {
  readonly label: string;
  private readonly base: string;
  private metadata: TensorMetadata[] = [];

  constructor(private readonly upstream: Upstream) {
    const root = upstream.url.replace(/\/+$/, '');
    this.label = `the upstream ${root}`;
    this.base = `${root}/v2/models/${encodeURIComponent(upstream.model)}${upstream.version ? `/versions/${encodeURIComponent(upstream.version)}` : ''}`;
  }

  private async getJson(url: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    const response = await fetch(url, { signal });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${errorText(text)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  async connect(signal: AbortSignal): Promise<WorkerReady> {
    const root = this.upstream.url.replace(/\/+$/, '');
    await this.getJson(`${root}/v2/health/ready`, signal);
    await this.check(signal);
    const server = await this.getJson(`${root}/v2`, signal).catch(
      () => ({}) as Record<string, unknown>,
    );
    const meta = (await this.getJson(this.base, signal)) as {
      inputs?: TensorMetadata[];
      outputs?: TensorMetadata[];
    };
    this.metadata = meta.inputs ?? [];
    const columns =
      (meta as { parameters?: { content_type?: string } }).parameters?.content_type === 'pd';
    return {
      pid: process.pid,
      inputs: meta.inputs ? fieldsOf(meta.inputs) : null,
      outputs: meta.outputs ? fieldsOf(meta.outputs) : null,
      params: null,
      inputsAreTensors: !columns,
      mlflowVersion: [server.name, server.version].filter((p) => typeof p === 'string').join(' '),
    };
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.getJson(`${this.base}/ready`, signal);
  }

  /** One upstream inference; its outputs, or an error result. @throws Error when unreachable. */
  private async infer(
    request: OipRequest,
    signal: AbortSignal,
  ): Promise<{ outputs: OipTensor[]; parameters?: Record<string, unknown> } | WorkerResult> {
    const response = await fetch(`${this.base}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      return {
        error: `${this.label} refused the request (${response.status}): ${errorText(text)}`,
        status: statusOf(response.status),
      };
    }
    return JSON.parse(text) as { outputs: OipTensor[]; parameters?: Record<string, unknown> };
  }

  async send(items: readonly string[], signal: AbortSignal): Promise<WorkerResult[]> {
    const translated: (Translated | WorkerResult)[] = items.map((text) => {
      try {
        return toUpstream(JSON.parse(text) as Record<string, unknown>, this.metadata);
      } catch (error) {
        if (error instanceof ServingError) return { error: error.message, status: error.status };
        throw error;
      }
    });
    const answer = (t: Translated, r: Awaited<ReturnType<OipTransport['infer']>>): WorkerResult => {
      if ('error' in r) return r;
      const { outputs, parameters } = r as {
        outputs: OipTensor[];
        parameters?: Record<string, unknown>;
      };
      return t.answer === 'oip' ? { outputs } : { predictions: toPredictions(outputs, parameters) };
    };
    const todo = translated
      .map((t, i) => [t, i] as const)
      .filter((e): e is readonly [Translated, number] => 'request' in e[0]);
    const results: WorkerResult[] = translated.map((t) => ('request' in t ? undefined! : t));
    const batch = stack(todo.map(([t]) => t.request));
    if (batch) {
      const whole = await this.infer(batch.request, signal);
      const pieces =
        'outputs' in whole ? unstack(whole.outputs as OipTensor[], batch.rows) : undefined;
      if (pieces) {
        todo.forEach(
          ([t, i], k) =>
            (results[i] = answer(t, { ...whole, outputs: pieces[k]! } as Awaited<
              ReturnType<OipTransport['infer']>
            >)),
        );
        return results;
      }
    }
    await Promise.all(
      todo.map(async ([t, i]) => {
        results[i] = answer(t, await this.infer(t.request, signal));
      }),
    );
    return results;
  }
}

/**
 * The proxy runtime: requests forwarded to an external OIP server through a {@link ReplicaPool}
 * of connections, so Sextant's queue and back-pressure, dynamic batching (requests stacked into
 * one upstream request), retries, metrics, traffic and request log apply; MLflow's scoring
 * protocol translated to OIP; the upstream health-checked, a connection that stops answering
 * replaced.
 */
export function proxyRuntime(options: ProxyOptions): Runtime {
  const pool = new ReplicaPool({
    startWorker: () =>
      new RemoteReplica(new OipTransport(options.upstream), {
        startTimeoutMs: options.startTimeoutMs,
        ...(options.healthIntervalMs ? { healthIntervalMs: options.healthIntervalMs } : {}),
      }),
    replicas: options.replicas,
    maxConcurrency: options.maxConcurrency,
    maxQueue: options.maxQueue,
    maxBatchSize: options.maxBatchSize,
    maxBatchDelayMs: options.maxBatchDelayMs,
    requestTimeoutMs: options.requestTimeoutMs,
    startTimeoutMs: options.startTimeoutMs,
    maxRetries: 2,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return remoteRuntime(pool);
}
