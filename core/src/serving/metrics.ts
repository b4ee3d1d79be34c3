import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read of the replicas when scraped. */
export interface PoolGauges {
  readonly queueDepth: number;
  readonly replicaCounts: { ready: number; starting: number };
}

/**
 * The model and version a deployment serves now: read at every count and scrape, so a rolling
 * update's new version labels what follows it.
 */
export interface ServedLabels {
  readonly model: string;
  readonly version: string;
}

/** The Prometheus metrics of one served model, labelled by model and version. */
export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'protocol' | 'status'>;
  private readonly errors: Counter<'model' | 'version' | 'protocol' | 'status'>;
  private readonly latency: Histogram<'model' | 'version' | 'protocol'>;
  private readonly batchSize: Histogram<'model' | 'version'>;
  private variantRequests: Counter<'deployment' | 'variant' | 'version' | 'status'> | undefined;
  private variantLatency: Histogram<'deployment' | 'variant' | 'version'> | undefined;

  constructor(
    private readonly served: ServedLabels,
    pool: PoolGauges,
  ) {
    const labels = (): { model: string; version: string } => ({
      model: served.model,
      version: served.version,
    });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'sextant_serving_requests_total',
      help: 'Inference requests answered, by protocol and HTTP status',
      labelNames: ['model', 'version', 'protocol', 'status'] as const,
      registers,
    });
    this.errors = new Counter({
      name: 'sextant_serving_errors_total',
      help: 'Inference requests answered with an error status (4xx or 5xx)',
      labelNames: ['model', 'version', 'protocol', 'status'] as const,
      registers,
    });
    this.latency = new Histogram({
      name: 'sextant_serving_request_duration_seconds',
      help: 'Inference request latency in seconds, from the request read to the answer sent',
      labelNames: ['model', 'version', 'protocol'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'sextant_serving_batch_size',
      help: 'Requests sent to a replica in one frame',
      labelNames: ['model', 'version'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    });
    new Gauge({
      name: 'sextant_serving_queue_depth',
      help: 'Requests waiting for a replica',
      labelNames: ['model', 'version'] as const,
      registers,
      collect() {
        this.reset();
        this.set(labels(), pool.queueDepth);
      },
    });
    new Gauge({
      name: 'sextant_serving_replicas',
      help: 'Replicas by state (ready, starting)',
      labelNames: ['model', 'version', 'state'] as const,
      registers,
      collect() {
        const counts = pool.replicaCounts;
        this.reset();
        this.set({ ...labels(), state: 'ready' }, counts.ready);
        this.set({ ...labels(), state: 'starting' }, counts.starting);
      },
    });
  }

  /** Counts one answered request. */
  request(protocol: string, status: number, seconds: number): void {
    const { model, version } = this.served;
    const labels = { model, version, protocol, status: String(status) };
    this.requests.inc(labels);
    if (status >= 400) this.errors.inc(labels);
    this.latency.observe({ model, version, protocol }, seconds);
  }

  /** Counts one request answered (or mirrored, for a shadow) by a deployment's variant. */
  variantRequest(
    deployment: string,
    variant: string,
    version: string,
    status: number,
    seconds: number,
  ): void {
    const registers = [this.registry];
    this.variantRequests ??= new Counter({
      name: 'sextant_serving_variant_requests_total',
      help: "Requests answered by each variant of a deployment (a shadow's mirrored copies included), by HTTP status",
      labelNames: ['deployment', 'variant', 'version', 'status'] as const,
      registers,
    });
    this.variantLatency ??= new Histogram({
      name: 'sextant_serving_variant_request_duration_seconds',
      help: 'Latency of each variant of a deployment in seconds',
      labelNames: ['deployment', 'variant', 'version'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.variantRequests.inc({ deployment, variant, version, status: String(status) });
    this.variantLatency.observe({ deployment, variant, version }, seconds);
  }

  /** Counts one frame sent to a replica. */
  batch(size: number): void {
    this.batchSize.observe({ model: this.served.model, version: this.served.version }, size);
  }
}
