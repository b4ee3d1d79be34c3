import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '../compute';
import { invalid } from '../model/errors';
import type { RegistryService } from '../registry';
import { writeDeploymentDraft, writeReplicas, type DeploymentDraft } from './deploymentFile';
import type {
  DeploymentActor,
  DeploymentEvent,
  DeploymentRecord,
  DeploymentRecords,
} from './deploymentRecords';
import { readDeployments } from './deploymentSpec';
import type { InferenceLog, InferenceLogRow } from './inferenceLog';
import type { DeploymentStats } from './liveStats';
import { resolveServedModel } from './modelRef';
import { testRequestFor, type TestRequest } from './testRequest';

/** What the supervisor works with: the workspace's records, registry and files. */
export interface SupervisorOptions {
  deployments: DeploymentRecords;
  inferenceLog: InferenceLog;
  registry: RegistryService;
  artifactRoot: string;
  /** The store directory the child processes open (`--store`). */
  storeDir: string;
  /** The workspace folder: the children's working directory, where `sextant.yaml` lies. */
  root: string;
  /** The file declaring deployments; `<root>/sextant.yaml` by default. */
  file?: string;
  /** The `sextant` command line script; found beside this module by default. */
  cli?: string;
  /** The Node that runs it; this process's by default. */
  node?: string;
  /** The workers' Python (`deploy up --python`). */
  python?: string;
  /** How long a deployment may take to become ready, in ms (default 5 minutes). */
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A deployment as the supervisor shows it: its record and whether its process is alive. */
export interface SupervisedDeployment extends DeploymentRecord {
  running: boolean;
}

/** The answer of a test request: status, body, latency and the variant that answered. */
export interface PredictResult {
  status: number;
  body: string;
  latencyMs: number;
  variant?: string;
  requestId?: string;
}

/** The `sextant` script: in the package (`core/bin`), or beside a bundle (`sextant.js`). */
function defaultCli(): string {
  const inPackage = path.resolve(__dirname, '..', '..', 'bin', 'sextant.js');
  const besideBundle = path.join(__dirname, 'sextant.js');
  return !fs.existsSync(inPackage) && fs.existsSync(besideBundle) ? besideBundle : inPackage;
}

const alive = (pid: number | undefined): boolean => pid !== undefined && processAlive(pid);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The host to reach a deployment bound to any address. */
function reachable(url: string): string {
  const u = new URL(url);
  const host = u.hostname === '0.0.0.0' || u.hostname === '[::]' ? '127.0.0.1' : u.hostname;
  return `http://${host}:${u.port}`;
}

/**
 * Runs a workspace's deployments for an editor. Each deployment is served by its own child
 * process running the command line's `sextant deploy up NAME`, detached, its output appended to
 * `<store>/deployments/NAME.log`; the other actions (down, traffic, promote, rollback) run the
 * command line's own commands too. So an editor's deployment goes through exactly the code path
 * and records (DeploymentRecords events, who and why) that a terminal's does; it keeps serving
 * when a view reloads or the language server restarts (its pid is in the records, which is how it
 * is found and stopped again); and a crash of the server cannot take the editor down, nor the
 * reverse. Reading (list, stats, requests, logs, test requests) goes to the records, the
 * inference log and the running deployment's loopback admin routes.
 */
export class DeploymentSupervisor {
  readonly file: string;
  private readonly cli: string;
  private readonly node: string;

  constructor(private readonly options: SupervisorOptions) {
    this.file = options.file ?? path.join(options.root, 'sextant.yaml');
    this.cli = options.cli ?? defaultCli();
    this.node = options.node ?? process.execPath;
  }

  /** Where a deployment's output is appended. */
  logFile(name: string): string {
    return path.join(this.options.storeDir, 'deployments', `${name}.log`);
  }

  /** Every recorded deployment, with whether its process is alive. */
  list(): SupervisedDeployment[] {
    return this.options.deployments.list().map((r) => this.supervised(r));
  }

  /** One deployment. @throws SextantError RESOURCE_DOES_NOT_EXIST */
  get(name: string): SupervisedDeployment {
    return this.supervised(this.options.deployments.get(name));
  }

  private supervised(record: DeploymentRecord): SupervisedDeployment {
    return { ...record, running: record.state.status === 'running' && alive(record.state.pid) };
  }

  /** A deployment's recorded events, oldest first (the latest `limit`). */
  listEvents(name: string, limit = 200): DeploymentEvent[] {
    return this.options.deployments.events(name, limit);
  }

  /** The names `sextant.yaml` declares (none when it has no deployments or is missing). */
  declared(): string[] {
    if (!fs.existsSync(this.file)) return [];
    return readDeployments(this.file).map((s) => s.name);
  }

  /**
   * Writes a deployment made from a model version into `sextant.yaml` (comments kept), or adds
   * the version to a declared deployment as a canary variant, then starts it (a running one
   * restarts with it).
   */
  async create(draft: DeploymentDraft, actor: DeploymentActor): Promise<SupervisedDeployment> {
    const before = this.list().find((r) => r.name === draft.name);
    writeDeploymentDraft(this.file, draft);
    if (before?.running) await this.command(['down', draft.name], actor);
    return this.up(draft.name, actor);
  }

  /**
   * Starts a declared deployment in a child process and resolves once it is ready (its `deploy`
   * event recorded with the child's pid).
   * @throws SextantError INVALID_PARAMETER_VALUE when it is running already, is not declared,
   *   or its process ends or times out before it is ready (with its last output).
   */
  async up(name: string, actor: DeploymentActor): Promise<SupervisedDeployment> {
    const specs = fs.existsSync(this.file) ? readDeployments(this.file) : [];
    if (!specs.some((s) => s.name === name)) {
      throw invalid(
        `${path.basename(this.file)} declares no deployment named '${name}'; it has ${specs.map((s) => s.name).join(', ') || 'none'}`,
      );
    }
    const known = this.options.deployments.list().find((r) => r.name === name);
    if (known && known.state.status === 'running' && alive(known.state.pid)) {
      throw invalid(`deployment '${name}' is running already at ${known.state.url}`);
    }
    const log = this.logFile(name);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const start = fs.existsSync(log) ? fs.statSync(log).size : 0;
    const out = fs.openSync(log, 'a');
    const started = Date.now();
    const child = spawn(
      this.node,
      [
        this.cli,
        'deploy',
        'up',
        name,
        ...this.common(actor),
        ...(this.options.python ? ['--python', this.options.python] : []),
      ],
      {
        cwd: this.options.root,
        detached: true,
        stdio: ['ignore', out, out],
        env: this.options.env ?? process.env,
      },
    );
    fs.closeSync(out);
    let exited: number | null | undefined;
    child.on('exit', (code) => (exited = code));
    child.unref();
    const deadline = started + (this.options.startTimeoutMs ?? 300_000);
    for (;;) {
      const event = this.options.deployments.lastOf(name, ['deploy']);
      if (event && event.time >= started - 1000 && event.state.pid === child.pid) {
        return this.get(name);
      }
      if (exited !== undefined || Date.now() > deadline) {
        if (exited === undefined) child.kill('SIGTERM');
        const tail = this.readLog(name, start).text.trim().split('\n').slice(-8).join('\n');
        throw invalid(
          `deployment '${name}' did not start${exited === undefined ? ' in time' : ` (exit ${exited})`}: ${tail || 'no output'}`,
        );
      }
      await sleep(100);
    }
  }

  /** Stops a deployment (its process records the stop). */
  async down(name: string, actor: DeploymentActor): Promise<SupervisedDeployment> {
    await this.command(['down', name], actor);
    return this.get(name);
  }

  /**
   * Sets a deployment's replicas per variant: written into `sextant.yaml`; a running deployment
   * is scaled in place through its admin route (`sextant deploy scale`: no restart, its traffic
   * and autoscaler untouched, the new replicas ready when this resolves, the `scale` event
   * recorded by its process); a stopped one has the change recorded here.
   */
  async scale(
    name: string,
    replicas: number,
    actor: DeploymentActor,
  ): Promise<SupervisedDeployment> {
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 256) {
      throw invalid(`replicas must be a whole number from 1 to 256, not ${replicas}`);
    }
    writeReplicas(this.file, name, replicas);
    const before = this.list().find((r) => r.name === name);
    if (before?.running) {
      // New replicas load their model before the command answers: as long as a start may take.
      await this.command(
        ['scale', name, '--replicas', String(replicas)],
        actor,
        this.options.startTimeoutMs ?? 300_000,
      );
      return this.get(name);
    }
    if (before) {
      const from = before.state.variants[0]?.replicas;
      const state = {
        ...before.state,
        variants: before.state.variants.map((v) => ({ ...v, replicas })),
      };
      this.options.deployments.record(name, 'scale', actor, state, { from, to: replicas });
    }
    return this.get(name);
  }

  /** Sets the weights of a running deployment's variants. */
  async setTraffic(
    name: string,
    weights: Record<string, number>,
    actor: DeploymentActor,
  ): Promise<SupervisedDeployment> {
    const words = Object.entries(weights).map(([v, w]) => {
      if (!/^[A-Za-z0-9_-]+$/.test(v) || !(Number.isFinite(w) && w >= 0)) {
        throw invalid(`'${v}' = ${w} is not a variant name with a weight >= 0`);
      }
      return `${v}=${w}`;
    });
    await this.command(['traffic', name, ...words], actor);
    return this.get(name);
  }

  /** Moves the champion's alias to a challenger's version and sends it all traffic. */
  async promote(
    name: string,
    variant: string | undefined,
    actor: DeploymentActor,
  ): Promise<SupervisedDeployment> {
    await this.command(['promote', name, ...(variant ? ['--variant', variant] : [])], actor);
    return this.get(name);
  }

  /** Reverses the last promotion: the alias and the traffic back. */
  async rollback(name: string, actor: DeploymentActor): Promise<SupervisedDeployment> {
    await this.command(['rollback', name], actor);
    return this.get(name);
  }

  /** A deployment's process output from byte `offset` (at most `maxBytes`), and where it ends. */
  readLog(name: string, offset = 0, maxBytes = 256 * 1024): { text: string; offset: number } {
    const file = this.logFile(name);
    if (!fs.existsSync(file)) return { text: '', offset: 0 };
    const size = fs.statSync(file).size;
    const from = offset > size ? 0 : Math.max(offset, size - maxBytes);
    const length = size - from;
    if (length <= 0) return { text: '', offset: size };
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, from);
    } finally {
      fs.closeSync(fd);
    }
    return { text: buffer.toString('utf8'), offset: size };
  }

  /** The latest logged requests of a deployment, newest first. */
  requests(name: string, limit = 50): InferenceLogRow[] {
    return this.options.inferenceLog.recentOf(name, limit);
  }

  /** A running deployment's live figures over the last `windowSeconds`. */
  async stats(name: string, windowSeconds = 60): Promise<DeploymentStats> {
    const record = this.running(name);
    const response = await fetch(
      `${reachable(record.state.url!)}/v2/sextant/deployments/${encodeURIComponent(name)}/stats?window=${windowSeconds}&requests=0`,
      { headers: this.authorization() },
    );
    const body = (await response.json()) as DeploymentStats & { error?: string };
    if (!response.ok) throw invalid(`deployment '${name}' did not give its figures: ${body.error}`);
    return body;
  }

  /** The request that a deployment's champion answers, from its model's input example. */
  async testRequest(name: string): Promise<TestRequest> {
    const record = this.options.deployments.list().find((r) => r.name === name);
    const spec = fs.existsSync(this.file)
      ? readDeployments(this.file).find((s) => s.name === name)
      : undefined;
    const uri =
      record?.state.variants.find((v) => v.name === record.state.champion)?.uri ??
      record?.state.variants[0]?.uri ??
      spec?.variants[0]?.model;
    if (!uri) throw invalid(`no deployment named '${name}' is declared or recorded`);
    const model = await resolveServedModel(
      uri,
      { registry: this.options.registry, artifactRoot: this.options.artifactRoot },
      this.options.root,
    );
    return testRequestFor(model.dir);
  }

  /**
   * Sends one request to a running deployment (`/invocations` or an OIP `/v2/models/.../infer`
   * path) and answers its status, body, latency and variant; a 4xx or 5xx is an answer too.
   */
  async predict(name: string, body: string, requestPath = '/invocations'): Promise<PredictResult> {
    if (requestPath !== '/invocations' && !/^\/v2\/models\/[^?#]+\/infer$/.test(requestPath)) {
      throw invalid(
        `send test requests to /invocations or /v2/models/<name>/infer, not ${requestPath}`,
      );
    }
    const record = this.running(name);
    const started = performance.now();
    const response = await fetch(`${reachable(record.state.url!)}${requestPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    const latencyMs = performance.now() - started;
    const variant = response.headers.get('x-sextant-variant');
    const requestId = response.headers.get('x-request-id');
    return {
      status: response.status,
      body: text,
      latencyMs,
      ...(variant ? { variant } : {}),
      ...(requestId ? { requestId } : {}),
    };
  }

  private running(name: string): SupervisedDeployment {
    const record = this.get(name);
    if (!record.running || !record.state.url) {
      throw invalid(`deployment '${name}' is not running; deploy it first`);
    }
    return record;
  }

  private authorization(): Record<string, string> {
    const token = (this.options.env ?? process.env).SEXTANT_TOKEN;
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private common(actor: DeploymentActor): string[] {
    return [
      '--store',
      this.options.storeDir,
      '--file',
      this.file,
      ...(actor.reason ? ['--reason', actor.reason] : []),
    ];
  }

  /** Runs `sextant deploy <args>`; its error message becomes the error. */
  private command(args: string[], actor: DeploymentActor, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.node,
        [this.cli, 'deploy', ...args, ...this.common(actor)],
        {
          cwd: this.options.root,
          env: this.options.env ?? process.env,
          timeout: timeoutMs,
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const late = error.killed
            ? `\`sextant deploy ${args[0]}\` did not answer in ${Math.round(timeoutMs / 1000)} s`
            : undefined;
          const message = stderr.trim().replace(/^sextant:\s*/, '') || late || error.message;
          reject(invalid(message));
        },
      );
    });
  }
}
