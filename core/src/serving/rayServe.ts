import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { killGroup, shippedPython } from '../compute';
import { ReplicaPool, type PoolEvent } from './pool';
import { RemoteReplica, remoteRuntime, type RemoteTransport } from './remoteReplica';
import type { Runtime } from './runtime';
import type { WorkerReady, WorkerResult } from './worker';

/** The Ray Serve deployer shipped with core: `core/python/sextant_ray_serve.py` or beside a bundle. */
export const RAY_SERVE_SCRIPT = shippedPython('sextant_ray_serve.py');

/** Where and how a model runs on Ray Serve. */
export interface RayServeOptions {
  /** A Python with `ray[serve]` of the cluster's Ray version (the deployer runs in it). */
  python: string;
  /** The cluster's GCS address (`host:6379`), or `auto` for the cluster of this machine. */
  address: string;
  /** The Serve application's name (its route is `/sextant/<name>`). */
  name: string;
  modelDir: string;
  /** Ray Serve replicas: fixed when min = max, else Ray Serve's autoscaling between them. */
  replicas: { min: number; max: number };
  /** Ray Serve's HTTP proxy. */
  httpHost: string;
  httpPort: number;
  /** Requests Sextant holds at once per Ray Serve replica. */
  maxConcurrency: number;
  maxQueue: number;
  maxBatchSize: number;
  maxBatchDelayMs: number;
  requestTimeoutMs: number;
  startTimeoutMs: number;
  onEvent?: (event: PoolEvent) => void;
  onStderr?: (text: string) => void;
  /** The deployer script (a test may give another). */
  script?: string;
}

/** What the deployer says once the application runs. */
export interface RayServeReady {
  url: string;
  describe: Record<string, unknown>;
  /** Replicas by state, as Ray Serve reported them (e.g. `{"RUNNING": 2}`). */
  replicas: Record<string, number>;
}

/** The deployer process: it creates the Serve application and deletes it when its stdin closes. */
class RayServeDeployer {
  readonly ready: Promise<RayServeReady>;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private ended = false;
  private readonly exited: Promise<void>;

  constructor(options: RayServeOptions) {
    const settings = {
      address: options.address,
      name: options.name,
      model_dir: options.modelDir,
      min_replicas: options.replicas.min,
      max_replicas: options.replicas.max,
      http_host: options.httpHost,
      http_port: options.httpPort,
    };
    this.child = spawn(
      options.python,
      [options.script ?? RAY_SERVE_SCRIPT, JSON.stringify(settings)],
      {
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let stderr = '';
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-8_000);
      options.onStderr?.(text);
    });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      let out = '';
      this.child.stdout.setEncoding('utf8');
      this.child.stdout.on('data', (text: string) => {
        out += text;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (!line || !out.includes('\n')) return;
        const said = JSON.parse(line) as RayServeReady & { fatal?: string };
        if (said.fatal) reject(new Error(said.fatal));
        else resolve(said);
      });
      this.child.once('error', (error) =>
        reject(
          new Error(
            `cannot start the Ray Serve deployer with '${options.python}': ${error.message}`,
          ),
        ),
      );
      void this.exited.then(() => {
        this.ended = true;
        const tail = stderr.trim().split('\n').slice(-8).join('\n');
        reject(
          new Error(
            `the Ray Serve deployer ended before the application ran${tail ? `:\n${tail}` : ''}`,
          ),
        );
      });
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Deletes the application (the deployer's stdin closes), then kills the deployer after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.ended) return;
    this.child.stdin.end();
    const timer = setTimeout(
      () => this.child.pid && void killGroup(this.child.pid, 'SIGKILL'),
      graceMs,
    );
    await this.exited;
    clearTimeout(timer);
  }
}

/** Speaks Sextant's worker items to the Serve application over HTTP. */
class RayServeTransport implements RemoteTransport {
  readonly label: string;

  constructor(
    private readonly deployer: RayServeDeployer,
    name: string,
  ) {
    this.label = `the Ray Serve application '${name}'`;
  }

  async connect(): Promise<WorkerReady> {
    const ready = await this.deployer.ready.catch((error: Error) => {
      throw Object.assign(new Error(error.message), { permanent: true });
    });
    const d = ready.describe as Record<string, unknown>;
    return {
      pid: Number(d.pid ?? 0),
      inputs: (d.inputs as WorkerReady['inputs']) ?? null,
      outputs: (d.outputs as WorkerReady['outputs']) ?? null,
      params: d.params ?? null,
      inputsAreTensors: d.inputs_are_tensors === true,
      mlflowVersion: String(d.mlflow_version ?? ''),
    };
  }

  async check(): Promise<void> {
    if (!this.deployer.alive) throw new Error('its deployer ended');
    const { url } = await this.deployer.ready;
    const response = await fetch(`${new URL(url).origin}/-/healthz`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`Ray Serve's proxy answered ${response.status}`);
  }

  async send(items: readonly string[], signal: AbortSignal): Promise<WorkerResult[]> {
    const { url } = await this.deployer.ready;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"items":[${items.join(',')}]}`,
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      const error = `${this.label} answered ${response.status}: ${text.trim().slice(0, 500)}`;
      return items.map(() => ({ error, status: 502 }));
    }
    return (JSON.parse(text) as { results: WorkerResult[] }).results;
  }
}

/** A model served on Ray Serve, with Sextant's pool in front of it. */
export interface RayServeRuntime extends Runtime {
  /** Settles once the application runs (its URL and Ray Serve's replica states). */
  readonly deployed: Promise<RayServeReady>;
}

/**
 * `compute: ray`: the pyfunc model deployed as a Ray Serve application on the cluster (replicas,
 * or autoscaling between min and max, by Ray Serve), each replica loading it as Sextant's Python
 * worker does; Sextant's endpoint forwards its requests there through a {@link ReplicaPool}, so
 * OIP and MLflow scoring, batching, back-pressure, metrics, traffic and the request log stay
 * Sextant's.
 */
export function rayServeRuntime(options: RayServeOptions): RayServeRuntime {
  const deployer = new RayServeDeployer(options);
  const pool = new ReplicaPool({
    startWorker: () =>
      new RemoteReplica(new RayServeTransport(deployer, options.name), {
        startTimeoutMs: options.startTimeoutMs,
      }),
    replicas: options.replicas.max,
    maxConcurrency: options.maxConcurrency,
    maxQueue: options.maxQueue,
    maxBatchSize: options.maxBatchSize,
    maxBatchDelayMs: options.maxBatchDelayMs,
    requestTimeoutMs: options.requestTimeoutMs,
    startTimeoutMs: options.startTimeoutMs,
    maxRetries: 2,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return Object.assign(
    remoteRuntime(pool, () => deployer.stop()),
    { deployed: deployer.ready },
  );
}
