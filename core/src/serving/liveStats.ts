/** One second of one variant: its answers, errors, latencies, batches and gauges. */
interface Bucket {
  /** Whole seconds since the epoch this bucket holds. */
  second: number;
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  /** Latencies in ms, at most {@link MAX_SAMPLES} (a reservoir beyond). */
  latencies: number[];
  batches: number;
  batchItems: number;
  /** The last sampled queue depth and ready replicas this second (-1: not sampled). */
  queueDepth: number;
  replicas: number;
}

/** Latencies kept per variant per second; beyond, a uniform reservoir sample. */
const MAX_SAMPLES = 512;

/** What a live variant shows for its gauges. */
export interface GaugeSource {
  name: string;
  model: string;
  version: string;
  weight: number;
  shadow: boolean;
  runtime: { queueDepth: number; replicaCounts: { ready: number; starting: number } };
}

/** A variant's figures over a window: rate, latency percentiles, errors, batches, gauges. */
export interface VariantWindowStats {
  variant: string;
  model: string;
  version: string;
  weight: number;
  shadow: boolean;
  requests: number;
  /** Requests per second over the window. */
  requestRate: number;
  errors: number;
  /** Share of answers with a 5xx status, 0 to 1 (0 with no requests). */
  errorRate: number;
  /** Latency percentiles in ms over the window; null with no requests. */
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  /** Mean requests per batch sent to a replica; null with none sent. */
  meanBatchSize: number | null;
  /** Now: requests waiting for a replica, replicas ready and starting. */
  queueDepth: number;
  replicasReady: number;
  replicasStarting: number;
  /** Per second, oldest first, aligned with {@link DeploymentStats.seconds}. */
  series: VariantSeries;
}

/** A variant's per-second series (null where the second had no data). */
export interface VariantSeries {
  requests: number[];
  errors: number[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
  batchSize: (number | null)[];
  queueDepth: (number | null)[];
  replicas: (number | null)[];
}

/** A deployment's live figures over a recent window. */
export interface DeploymentStats {
  deployment: string;
  /** When these were taken, ms since the epoch. */
  time: number;
  windowSeconds: number;
  /** The seconds of the series (ms since the epoch at each second's start), oldest first. */
  seconds: number[];
  variants: VariantWindowStats[];
  /** The variants that take traffic (shadows left out), together. */
  total: WindowTotal;
}

/** Figures of several variants together over a window. */
export interface WindowTotal {
  requests: number;
  requestRate: number;
  errors: number;
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** The p-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const emptyBucket = (second: number): Bucket => ({
  second,
  requests: 0,
  errors: 0,
  latencies: [],
  batches: 0,
  batchItems: 0,
  queueDepth: -1,
  replicas: -1,
});

/**
 * A deployment's recent figures per variant in a ring of per-second buckets (the last
 * `capacitySeconds`): answers, 5xx errors, latency samples, batch sizes, and queue depth and
 * ready replicas sampled each second. What the dashboard and the Deployments view show live;
 * Prometheus `/metrics` keeps the long-run counters.
 */
export class LiveStats {
  private readonly rings = new Map<string, Bucket[]>();
  private seen = new Map<string, number>();

  constructor(
    readonly capacitySeconds = 600,
    private readonly random: () => number = Math.random,
  ) {}

  private bucket(variant: string, now: number): Bucket {
    const second = Math.floor(now / 1000);
    let ring = this.rings.get(variant);
    if (!ring) {
      ring = [];
      this.rings.set(variant, ring);
    }
    const slot = second % this.capacitySeconds;
    let bucket = ring[slot];
    if (!bucket || bucket.second !== second) {
      bucket = emptyBucket(second);
      ring[slot] = bucket;
      this.seen.set(variant, 0);
    }
    return bucket;
  }

  /** Counts one answer of a variant: its status and latency. */
  request(variant: string, status: number, ms: number, now = Date.now()): void {
    const b = this.bucket(variant, now);
    b.requests++;
    if (status >= 500) b.errors++;
    const seen = (this.seen.get(variant) ?? 0) + 1;
    this.seen.set(variant, seen);
    if (b.latencies.length < MAX_SAMPLES) b.latencies.push(ms);
    else {
      const slot = Math.floor(this.random() * seen);
      if (slot < MAX_SAMPLES) b.latencies[slot] = ms;
    }
  }

  /** Counts one batch of `size` requests sent to a replica of a variant. */
  batch(variant: string, size: number, now = Date.now()): void {
    const b = this.bucket(variant, now);
    b.batches++;
    b.batchItems += size;
  }

  /** Samples a variant's queue depth and ready replicas into this second. */
  sample(variant: GaugeSource, now = Date.now()): void {
    const b = this.bucket(variant.name, now);
    b.queueDepth = variant.runtime.queueDepth;
    b.replicas = variant.runtime.replicaCounts.ready;
  }

  /** The figures of the last `windowSeconds` (at most the capacity), per variant. */
  snapshot(
    deployment: string,
    variants: readonly GaugeSource[],
    windowSeconds = 60,
    now = Date.now(),
  ): DeploymentStats {
    const window = Math.max(1, Math.min(Math.floor(windowSeconds), this.capacitySeconds));
    const last = Math.floor(now / 1000);
    const first = last - window + 1;
    const seconds = Array.from({ length: window }, (_, i) => (first + i) * 1000);
    const served: number[] = [];
    const result = {
      deployment,
      time: now,
      windowSeconds: window,
      seconds,
      variants: variants.map((v) => {
        const ring = this.rings.get(v.name) ?? [];
        const buckets = seconds.map((_, i) => {
          const second = first + i;
          const b = ring[second % this.capacitySeconds];
          return b && b.second === second ? b : undefined;
        });
        const latencies = buckets.flatMap((b) => b?.latencies ?? []).sort((a, c) => a - c);
        if (!v.shadow) served.push(...latencies);
        const requests = buckets.reduce((s, b) => s + (b?.requests ?? 0), 0);
        const errors = buckets.reduce((s, b) => s + (b?.errors ?? 0), 0);
        const batches = buckets.reduce((s, b) => s + (b?.batches ?? 0), 0);
        const batchItems = buckets.reduce((s, b) => s + (b?.batchItems ?? 0), 0);
        const sortedOf = (b: Bucket | undefined): number[] =>
          b ? [...b.latencies].sort((x, y) => x - y) : [];
        const replicaCounts = v.runtime.replicaCounts;
        return {
          variant: v.name,
          model: v.model,
          version: v.version,
          weight: v.weight,
          shadow: v.shadow,
          requests,
          requestRate: requests / window,
          errors,
          errorRate: requests > 0 ? errors / requests : 0,
          p50Ms: quantile(latencies, 0.5),
          p90Ms: quantile(latencies, 0.9),
          p99Ms: quantile(latencies, 0.99),
          meanBatchSize: batches > 0 ? batchItems / batches : null,
          queueDepth: v.runtime.queueDepth,
          replicasReady: replicaCounts.ready,
          replicasStarting: replicaCounts.starting,
          series: {
            requests: buckets.map((b) => b?.requests ?? 0),
            errors: buckets.map((b) => b?.errors ?? 0),
            p50Ms: buckets.map((b) => quantile(sortedOf(b), 0.5)),
            p99Ms: buckets.map((b) => quantile(sortedOf(b), 0.99)),
            batchSize: buckets.map((b) => (b && b.batches > 0 ? b.batchItems / b.batches : null)),
            queueDepth: buckets.map((b) => (b && b.queueDepth >= 0 ? b.queueDepth : null)),
            replicas: buckets.map((b) => (b && b.replicas >= 0 ? b.replicas : null)),
          },
        };
      }),
    };
    const taking = result.variants.filter((v) => !v.shadow);
    const requests = taking.reduce((s, v) => s + v.requests, 0);
    const errors = taking.reduce((s, v) => s + v.errors, 0);
    served.sort((a, b) => a - b);
    return {
      ...result,
      total: {
        requests,
        requestRate: requests / window,
        errors,
        errorRate: requests > 0 ? errors / requests : 0,
        p50Ms: quantile(served, 0.5),
        p99Ms: quantile(served, 0.99),
      },
    };
  }
}
