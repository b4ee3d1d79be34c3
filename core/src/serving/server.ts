import { ServingEndpoint } from './http';
import type { InferenceLog } from './inferenceLog';
import type { ParityReport } from './onnx';
import { ReplicaPool, type PoolEvent, type PoolOptions } from './pool';
import type { Runtime } from './runtime';
import { WorkerProcess, type WorkerReady } from './worker';

/** How one model is served. */
export interface ServeOptions {
  /** The model folder (holding MLmodel). */
  modelDir: string;
  /** The OIP model name. */
  name: string;
  version: string;
  /** The Python that runs the workers (see servingPython), and the ONNX conversion. */
  python: string;
  /**
   * `python` (default): replicas of the pyfunc worker; `onnx`: a scikit-learn model converted
   * to ONNX at start (refused when it does not match the original) and run in-process.
   */
  runtime?: 'python' | 'onnx';
  /** Largest absolute difference allowed between the ONNX and the original predictions. */
  parityTolerance?: number;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  replicas?: number;
  /** Frames one replica holds at once. */
  maxConcurrency?: number;
  maxQueue?: number;
  /** Dynamic batching: 1 (default) is off. */
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  requestTimeoutMs?: number;
  startTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Where requests are logged, and the share of them logged. */
  log?: InferenceLog;
  sampleRate?: number;
  /** The worker script (a test may give another). */
  script?: string;
  onEvent?: (event: PoolEvent) => void;
  onStderr?: (text: string) => void;
}

/** Defaults of {@link ServeOptions}. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  replicas: 1,
  maxConcurrency: 2,
  maxQueue: 1024,
  maxBatchSize: 1,
  maxBatchDelayMs: 0,
  requestTimeoutMs: 60_000,
  startTimeoutMs: 300_000,
  maxBodyBytes: 16 * 1024 * 1024,
  sampleRate: 1,
} as const;

/** A model being served: its URL, its signature once loaded, and how to stop it. */
export interface RunningServer {
  url: string;
  /** Resolves when a replica has loaded the model; rejects when none can. */
  ready: Promise<WorkerReady>;
  pool: Runtime;
  /** How the ONNX conversion compared with the original (runtime `onnx`). */
  parity?: ParityReport;
  /** Stops taking requests, stops every worker and writes the held log rows. */
  close(): Promise<void>;
}

/**
 * Serves one model: replicas of the Python worker behind the HTTP endpoint (OIP, MLflow's
 * scoring protocol, Prometheus metrics), requests logged to the inference log.
 */
export async function serveModel(options: ServeOptions): Promise<RunningServer> {
  const o = { ...SERVE_DEFAULTS, ...options };
  // prom-client costs ~100 ms to load: only a process that serves pays for it.
  const { ServingMetrics } = await import('./metrics.js');
  const poolOptions: PoolOptions = {
    startWorker: () =>
      new WorkerProcess({
        python: o.python,
        modelDir: o.modelDir,
        ...(o.script ? { script: o.script } : {}),
        ...(o.onStderr ? { onStderr: o.onStderr } : {}),
      }),
    replicas: o.replicas,
    maxConcurrency: o.maxConcurrency,
    maxQueue: o.maxQueue,
    maxBatchSize: o.maxBatchSize,
    maxBatchDelayMs: o.maxBatchDelayMs,
    requestTimeoutMs: o.requestTimeoutMs,
    startTimeoutMs: o.startTimeoutMs,
    maxRetries: 2,
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  };
  let observeBatch = (_size: number): void => undefined;
  let parity: ParityReport | undefined;
  let pool: Runtime;
  if (o.runtime === 'onnx') {
    const { OnnxRuntime } = await import('./onnx.js');
    const started = await OnnxRuntime.start({
      python: o.python,
      modelDir: o.modelDir,
      ...(o.parityTolerance !== undefined ? { tolerance: o.parityTolerance } : {}),
    });
    pool = started.runtime;
    parity = started.parity;
  } else {
    pool = new ReplicaPool({ ...poolOptions, onBatch: (size) => observeBatch(size) });
  }
  const metrics = new ServingMetrics({ model: o.name, version: o.version }, pool);
  observeBatch = (size) => metrics.batch(size);
  const endpoint = new ServingEndpoint({
    name: o.name,
    version: o.version,
    pool,
    metrics,
    ...(o.log ? { log: o.log } : {}),
    sampleRate: o.sampleRate,
    maxBodyBytes: o.maxBodyBytes,
    serverVersion: '0.1.0',
  });
  let url: string;
  try {
    url = await endpoint.listen(o.port ?? 0, o.host);
  } catch (error) {
    await pool.stop();
    throw error;
  }
  return {
    url,
    ready: pool.ready,
    pool,
    ...(parity ? { parity } : {}),
    close: async () => {
      await endpoint.close();
      await pool.stop();
      o.log?.flush();
    },
  };
}
