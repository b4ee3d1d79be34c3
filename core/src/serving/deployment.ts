import type { Registry } from 'prom-client';
import { invalid } from '../model/errors';
import { externalRuntime, type RayTarget } from './externalRuntime';
import { Autoscaler, type AutoscalingConfig, type ScaleEvidence } from './autoscaler';
import { ServingError } from './errors';
import type { GraphServing } from './graph';
import { ServingEndpoint, type EndpointOptions } from './http';
import type { InferenceLog } from './inferenceLog';
import { LiveStats } from './liveStats';
import { ReplicaPool, type PoolEvent } from './pool';
import { processingEnv, type ProcessingSpec } from './processing';
import type { Upstream } from './proxy';
import { rollVariant, RuntimeSlot, type RolloutResult } from './rollout';
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
  /** `python` (default), `onnx` (see {@link ServeOptions.runtime}) or `proxy` (to `upstream`). */
  runtime?: 'python' | 'onnx' | 'proxy';
  /** The external OIP server that runtime `proxy` forwards to. */
  upstream?: Upstream;
  /** Serve the variant on Ray Serve (`compute: ray`). */
  ray?: RayTarget;
  /** Python functions run around the model in its workers (python runtime only). */
  processing?: ProcessingSpec;
  /** The folder the processing functions are resolved in (the working directory if absent). */
  workspace?: string;
  /** Serve an inference graph instead of one model (`modelDir` is then unused). */
  graph?: GraphServing;
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
  /** Where `POST /v2/sextant/feedback` stores outcomes (none: the route is not served). */
  feedback?: EndpointOptions['feedback'];
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
  /** Each variant's replicas follow its concurrency between min and max (Python workers only). */
  autoscaling?: { min: number; max: number; config: AutoscalingConfig };
  /** The autoscaler changed a variant's replicas. */
  onScale?: (variant: string, evidence: ScaleEvidence) => void;
  /** More admin routes: `POST /v2/sextant/deployments/{name}/{action}` with a JSON body. */
  adminActions?: Record<string, (body: Record<string, unknown>) => Promise<unknown>>;
}

/** A variant's replicas now. */
export interface VariantReplicas {
  /** The replicas asked for. */
  target: number;
  ready: number;
  starting: number;
  /** Whether the autoscaler sets them (false when set by hand, or not autoscaled). */
  autoscaled: boolean;
}

/** A deployment being served. */
export interface RunningDeployment {
  url: string;
  traffic: TrafficRouter;
  /** Its live figures per variant (also answered at `/v2/sextant/deployments/{name}/stats`). */
  stats: LiveStats;
  /** Resolves when every variant has loaded its model; rejects when one cannot. */
  ready: Promise<void>;
  /** The registry `/metrics` answers from (others, e.g. monitoring, may add gauges). */
  metrics: Registry;
  close(): Promise<void>;
  /** Each variant's replicas. */
  replicas(): Record<string, VariantReplicas>;
  /**
   * Sets the replicas of one variant (all when none is named) by hand, pausing its autoscaler;
   * `'auto'` hands them back to the autoscaler.
   * @throws ServingError 400 for an unknown variant or an in-process runtime.
   */
  scale(replicas: number | 'auto', variant?: string): Promise<Record<string, VariantReplicas>>;
  /** Rolls a variant to another model version with no failed request (see {@link rollVariant}). */
  update(
    variant: string,
    next: Pick<VariantOptions, 'model' | 'version' | 'modelDir' | 'python'>,
  ): Promise<RolloutResult>;
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
  const { registerReplicaGauge } = await import('./replicaMetrics.js');
  const runtimes: Runtime[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(runtimes.map((r) => r.stop()));
  const live: LiveVariant[] = [];
  const stats = new LiveStats();
  const slots = new Map<string, RuntimeSlot>();
  const startRuntime = async (v: VariantOptions, replicas: number): Promise<Runtime> => {
    if (v.processing && v.runtime === 'onnx') {
      throw invalid(
        `variant '${v.name}': preprocess and postprocess run in Python workers; use runtime: python`,
      );
    }
    const external = v.graph
      ? undefined
      : await externalRuntime(
          { ...v, deployment: o.name },
          {
            maxConcurrency: o.maxConcurrency,
            maxQueue: o.maxQueue,
            maxBatchSize: o.maxBatchSize,
            maxBatchDelayMs: o.maxBatchDelayMs,
            requestTimeoutMs: o.requestTimeoutMs,
            startTimeoutMs: o.startTimeoutMs,
            ...(o.onEvent ? { onEvent: (event: PoolEvent) => o.onEvent!(v.name, event) } : {}),
            ...(o.onStderr ? { onStderr: o.onStderr } : {}),
          },
        );
    // An external server (proxy, Ray Serve) scales itself: its slot is not autoscaled here.
    if (external) return external;
    if (v.graph) {
      const { startGraph } = await import('./graph.js');
      return startGraph(o.name, v.graph, {
        replicas,
        maxConcurrency: o.maxConcurrency,
        maxQueue: o.maxQueue,
        maxBatchSize: o.maxBatchSize,
        maxBatchDelayMs: o.maxBatchDelayMs,
        requestTimeoutMs: o.requestTimeoutMs,
        startTimeoutMs: o.startTimeoutMs,
        maxRetries: 2,
        ...(o.script ? { script: o.script } : {}),
        ...(o.onStderr ? { onStderr: o.onStderr } : {}),
      });
    }
    if (v.runtime === 'onnx') {
      const { OnnxRuntime } = await import('./onnx.js');
      return (await OnnxRuntime.start({ python: v.python, modelDir: v.modelDir })).runtime;
    }
    return new ReplicaPool({
      startWorker: () =>
        new WorkerProcess({
          python: v.python,
          modelDir: v.modelDir,
          ...(o.script ? { script: o.script } : {}),
          ...(o.onStderr ? { onStderr: o.onStderr } : {}),
          ...(v.processing
            ? {
                env: {
                  ...process.env,
                  ...processingEnv(v.processing, v.workspace ?? process.cwd()),
                },
              }
            : {}),
        }),
      replicas,
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
  };
  try {
    for (const v of o.variants) {
      const slot = new RuntimeSlot(await startRuntime(v, v.replicas ?? 1));
      slots.set(v.name, slot);
      runtimes.push(slot);
      live.push({
        name: v.name,
        model: v.model,
        version: v.version,
        runtime: slot,
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
  // A rolling update changes the primary variant's model and version in place: the metrics'
  // labels and the endpoint's metadata read them live.
  const metrics = new ServingMetrics(primary, primary.runtime);
  for (const runtime of [...slots.values()].map((slot) => slot.current)) {
    (runtime as { registerMetrics?: (r: typeof metrics.registry) => void }).registerMetrics?.(
      metrics.registry,
    );
  }
  const autoscalers = new Map<string, Autoscaler>();
  /** The runtimes of updates in progress (stopped with the deployment). */
  const updating = new Set<Set<Runtime>>();
  if (o.autoscaling && o.autoscaling.max > o.autoscaling.min) {
    for (const [name, slot] of slots) {
      if (!slot.scalable) continue;
      const scaler = new Autoscaler({
        target: slot,
        min: o.autoscaling.min,
        max: o.autoscaling.max,
        config: o.autoscaling.config,
        ...(o.onScale ? { onScale: (evidence: ScaleEvidence) => o.onScale!(name, evidence) } : {}),
      });
      scaler.start();
      autoscalers.set(name, scaler);
    }
  }
  const replicas = (): Record<string, VariantReplicas> =>
    Object.fromEntries(
      [...slots].map(([name, slot]) => [
        name,
        {
          target: slot.targetReplicas,
          ...slot.replicaCounts,
          autoscaled: autoscalers.get(name)?.active ?? false,
        },
      ]),
    );
  registerReplicaGauge(metrics.registry, o.name, replicas);
  const endpoint = new ServingEndpoint({
    get name() {
      return primary.model;
    },
    get version() {
      return primary.version;
    },
    pool: primary.runtime,
    metrics,
    ...(o.log ? { log: o.log } : {}),
    sampleRate: o.sampleRate,
    maxBodyBytes: o.maxBodyBytes,
    serverVersion: '0.1.0',
    traffic,
    deployment: o.name,
    ...(o.stickyHeader ? { stickyHeader: o.stickyHeader } : {}),
    ...(o.feedback ? { feedback: o.feedback } : {}),
    stats,
    admin: {
      ...(o.adminToken ? { token: o.adminToken } : {}),
      ...(o.onTraffic ? { onTraffic: o.onTraffic } : {}),
      ...(o.adminActions ? { actions: o.adminActions } : {}),
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
    metrics: metrics.registry,
    replicas,
    scale: async (count, variant) => {
      const names = variant === undefined ? [...slots.keys()] : [variant];
      for (const name of names) {
        if (!slots.has(name)) {
          throw new ServingError(
            400,
            `no variant '${name}' in this deployment; it has ${[...slots.keys()].join(', ')}`,
          );
        }
      }
      for (const name of names) {
        const scaler = autoscalers.get(name);
        if (count === 'auto') {
          if (!scaler) throw new ServingError(400, `variant '${name}' is not autoscaled`);
          scaler.pause(false);
          continue;
        }
        scaler?.pause(true);
        await slots.get(name)!.scaleTo(count);
      }
      return replicas();
    },
    update: async (name, next) => {
      const variant = live.find((v) => v.name === name);
      const slot = slots.get(name);
      if (!variant || !slot) {
        throw new ServingError(
          400,
          `no variant '${name}' in this deployment; it has ${[...slots.keys()].join(', ')}`,
        );
      }
      const options = o.variants.find((v) => v.name === name)!;
      const rolling = new Set<Runtime>();
      updating.add(rolling);
      return rollVariant(
        variant,
        slot,
        {
          model: next.model,
          version: next.version,
          start: async (count) => {
            const runtime = await startRuntime({ ...options, ...next }, count);
            rolling.add(runtime);
            return runtime;
          },
        },
        o.startTimeoutMs,
      ).finally(() => updating.delete(rolling));
    },
    close: async () => {
      clearInterval(sampler);
      for (const scaler of autoscalers.values()) scaler.stop();
      await endpoint.close();
      await Promise.all([...updating].flatMap((set) => [...set].map((r) => r.stop())));
      await stopAll();
      o.log?.flush();
    },
  };
}
