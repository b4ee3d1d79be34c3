import type { PoolEvent } from './pool';
import type { Upstream } from './proxy';
import type { Runtime } from './runtime';

/** Where a variant runs on Ray Serve (`compute: ray`). */
export interface RayTarget {
  /** A Python with `ray[serve]` of the cluster's Ray version. */
  python: string;
  /** The cluster's GCS address (`host:6379`), or `auto`. */
  address: string;
  httpHost: string;
  httpPort: number;
  /** Ray Serve autoscales up to this many replicas (none: the variant's replicas, fixed). */
  maxReplicas?: number;
}

/** A variant served outside Sextant's own processes: by an upstream OIP server or on Ray Serve. */
export interface ExternalVariant {
  /** The deployment and variant names (the Ray Serve application is `<deployment>-<variant>`). */
  deployment: string;
  name: string;
  modelDir: string;
  replicas?: number;
  runtime?: string;
  upstream?: Upstream;
  ray?: RayTarget;
}

/** The pool limits an external runtime keeps in front of its server. */
export interface PoolLimits {
  maxConcurrency: number;
  maxQueue: number;
  maxBatchSize: number;
  maxBatchDelayMs: number;
  requestTimeoutMs: number;
  startTimeoutMs: number;
  onEvent?: (event: PoolEvent) => void;
  onStderr?: (text: string) => void;
}

/**
 * The runtime of a variant served by an upstream OIP server (runtime `proxy`) or on Ray Serve
 * (`compute: ray`); undefined for a variant Sextant's own workers serve.
 * @throws Error when runtime `proxy` has no upstream.
 */
export async function externalRuntime(
  v: ExternalVariant,
  limits: PoolLimits,
): Promise<Runtime | undefined> {
  const { onStderr, ...poolLimits } = limits;
  if (v.runtime === 'proxy') {
    if (!v.upstream) {
      throw new Error(`variant '${v.name}': runtime proxy needs the upstream server's url`);
    }
    const { proxyRuntime } = await import('./proxy.js');
    return proxyRuntime({ upstream: v.upstream, replicas: v.replicas ?? 1, ...poolLimits });
  }
  if (v.ray) {
    const { rayServeRuntime } = await import('./rayServe.js');
    const min = v.replicas ?? 1;
    return rayServeRuntime({
      ...v.ray,
      name: `${v.deployment}-${v.name}`,
      modelDir: v.modelDir,
      replicas: { min, max: Math.max(min, v.ray.maxReplicas ?? min) },
      ...poolLimits,
      ...(onStderr ? { onStderr } : {}),
    });
  }
  return undefined;
}
