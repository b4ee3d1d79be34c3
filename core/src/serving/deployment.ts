import { ServingEndpoint } from './http';
import type { InferenceLog } from './inferenceLog';
import { LiveStats } from './liveStats';
import { ReplicaPool, type PoolEvent } from './pool';
import type { Runtime } from './runtime';
import { SERVE_DEFAULTS } from './server';
import {
  TrafficRouter,
  type LiveVariant,
  type RollbackEvidence,
  type RollbackGuard,
} from './traffic';
import { WorkerProcess } from './worker';

/** One variant to serve: a model version, its Python, replicas and share of the traffic. */
export interface VariantOptions {
  name: string;
  /** The registered model's name. */
  model: string;
  version: string;
  modelDir: string;
  python: string;
  weight: number;
  shadow?: boolean;
  replicas?: number;
  /** `python` (default) or `onnx` (see {@link ServeOptions.runtime}). */
  runtime?: 'python' | 'onnx';
}

/** How a deployment is served: its variants, its endpoint and its limits. */
export interface DeploymentOptions {
  /** The deployment's name (the salt of sticky assignment, the name in admin routes). */
  name: string;
  variants: VariantOptions[];
  host?: string;
  port?: number;
  maxConcurrency?: number;
  maxQueue?: number;
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  requestTimeoutMs?: number;
  startTimeoutMs?: number;
  maxBodyBytes?: number;
  log?: InferenceLog;
  sampleRate?: number;
  /** The request header that makes the variant sticky. */
  stickyHeader?: string;
  guard?: RollbackGuard;
  onAutoRollback?: (evidence: RollbackEvidence) => void;
  /** Token the admin routes require (none: loopback callers only). */
  adminToken?: string;
  /** Weights changed through the admin route. */
  onTraffic?: (weights: Record<string, number>) => void;
  onEvent?: (variant: string, event: PoolEvent) => void;
  onStderr?: (text: string) => void;
  /** The worker script (a test may give another). */
  script?: string;
  /** Numbers in [0, 1) for the split of requests without a key. */
  random?: () => number;
}

/** A deployment being served. */
export interface RunningDeployment {
  url: string;
  traffic: TrafficRouter;
  /** Its live figures per variant (also answered at `/v2/sextant/deployments/{name}/stats`). */
  stats: LiveStats;
  /** Resolves when every variant has loaded its model; rejects when one cannot. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves a deployment: each variant's own replicas behind one endpoint (OIP, MLflow scoring,
 * metrics), requests split by weight (sticky by key when asked), shadows mirrored and logged,
 * the variant that answered named in `X-Sextant-Variant` and in the inference log, the canary
 * rolled back when it passes the guard's limits, and admin routes to change the weights.
 */
export async function serveDeployment(options: DeploymentOptions): Promise<RunningDeployment> {
  const o = { ...SERVE_DEFAULTS, ...options };
  const { ServingMetrics } = await import('./metrics.js');
  const runtimes: Runtime[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(runtimes.map((r) => r.stop()));
  const live: LiveVariant[] = [];
  const stats = new LiveStats();
  try {
    for (const v of o.variants) {
      let runtime: Runtime;
      if (v.runtime === 'onnx') {
        const { OnnxRuntime } = await import('./onnx.js');
        runtime = (await OnnxRuntime.start({ python: v.python, modelDir: v.modelDir })).runtime;
      } else {
        runtime = new ReplicaPool({
          startWorker: () =>
            new WorkerProcess({
              python: v.python,
              modelDir: v.modelDir,
              ...(o.script ? { script: o.script } : {}),
              ...(o.onStderr ? { onStderr: o.onStderr } : {}),
            }),
          replicas: v.replicas ?? 1,
          maxConcurrency: o.maxConcurrency,
          maxQueue: o.maxQueue,
          maxBatchSize: o.maxBatchSize,
          maxBatchDelayMs: o.maxBatchDelayMs,
          requestTimeoutMs: o.requestTimeoutMs,
          startTimeoutMs: o.startTimeoutMs,
          maxRetries: 2,
          onBatch: (size) => stats.batch(v.name, size),
          ...(o.onEvent ? { onEvent: (event: PoolEvent) => o.onEvent!(v.name, event) } : {}),
        });
      }
      runtimes.push(runtime);
      live.push({
        name: v.name,
        model: v.model,
        version: v.version,
        runtime,
        weight: v.weight,
        shadow: v.shadow ?? false,
      });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  let traffic: TrafficRouter;
  try {
    traffic = new TrafficRouter(live, {
      salt: o.name,
      ...(o.guard ? { guard: o.guard } : {}),
      ...(o.onAutoRollback ? { onAutoRollback: o.onAutoRollback } : {}),
      ...(o.random ? { random: o.random } : {}),
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const primary = live.find((v) => !v.shadow)!;
  const metrics = new ServingMetrics(primary.model, primary.version, primary.runtime);
  const endpoint = new ServingEndpoint({
    name: primary.model,
    version: primary.version,
    pool: primary.runtime,
    metrics,
    ...(o.log ? { log: o.log } : {}),
    sampleRate: o.sampleRate,
    maxBodyBytes: o.maxBodyBytes,
    serverVersion: '0.1.0',
    traffic,
    deployment: o.name,
    ...(o.stickyHeader ? { stickyHeader: o.stickyHeader } : {}),
    stats,
    admin: {
      ...(o.adminToken ? { token: o.adminToken } : {}),
      ...(o.onTraffic ? { onTraffic: o.onTraffic } : {}),
    },
  });
  let url: string;
  try {
    url = await endpoint.listen(o.port ?? 0, o.host);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const sampler = setInterval(() => {
    for (const v of live) stats.sample(v);
  }, 1000).unref();
  const ready = Promise.all(runtimes.map((r) => r.ready)).then(() => undefined);
  ready.catch(() => undefined);
  return {
    url,
    traffic,
    stats,
    ready,
    close: async () => {
      clearInterval(sampler);
      await endpoint.close();
      await stopAll();
      o.log?.flush();
    },
  };
}
