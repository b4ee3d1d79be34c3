import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  wholeEnvironment,
  type ComputeBackend,
  type StepLaunch,
  type StepOutcome,
} from './contracts';
import { insideRoot } from './workspace';
import { RayLogTail, tailUrl } from './rayLogTail';
import { buildRayPackage } from './rayPackage';
import {
  dropStaged,
  fetchStagedOutputs,
  SEND_FAILED_EXIT,
  SEND_OUTPUTS_SCRIPT,
  stagingFolder,
} from './rayTransfer';

/** The states of a Ray job, as the Jobs API reports them. */
export type RayJobStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

const REQUEST_TIMEOUT_MS = 30_000;

/** How long the log tail may take to bring a finished job's last lines, in ms. */
const TAIL_GRACE_MS = 3_000;

const TERMINAL = new Set<RayJobStatus>(['SUCCEEDED', 'FAILED', 'STOPPED']);

/** The fields of `GET /api/jobs/{id}` that Sextant reads. */
interface RayJobInfo {
  status: RayJobStatus;
  message?: string | null;
  driver_exit_code?: number | null;
}

/** Options of {@link RayBackend}. */
export interface RayBackendOptions {
  /** How often the job's status and logs are read, in milliseconds (default 500). */
  pollIntervalMs?: number;
  /** How long to wait for a stopped job to reach a final state, in milliseconds (default 30 s). */
  stopTimeoutMs?: number;
  /** Consecutive failed requests to the cluster before the step fails (default 10). */
  maxPollFailures?: number;
  /**
   * How jobs see the workspace: `shared` (default), at the same path; `upload`, in a package of
   * what the step reads, sending its outputs back through the tracking server.
   */
  workspace?: 'shared' | 'upload';
  /** The tracking server's URL as the cluster reaches it (default: the step's own). */
  tracking?: string;
  /** Folders an `upload` package leaves out (absolute): Sextant's store, when in the workspace. */
  leaveOut?: readonly string[];
}

/** The exit code of a job whose working directory the cluster cannot see. */
const UNSEEN_EXIT = 97;

const unseen = (cwd: string): string =>
  `sextant: the Ray cluster cannot see the step's working directory ${cwd}; ` +
  "mount the workspace at the same path on its nodes, or set the compute target's " +
  "'workspace: upload' to send each step what it reads";

/** Quotes a string for a POSIX shell. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** Variables naming this machine's paths, not sent to a cluster that has its own files. */
const LOCAL_PATHS = new Set(['PATH', 'VIRTUAL_ENV', 'PWD', 'HOME', 'TMPDIR']);

/** Variables a job always carries: where and how to track (the cluster's own may differ). */
const ALWAYS_SENT = /^(MLFLOW_|SEXTANT_)/;

/**
 * The variables a step's job carries: the tracking ones, and what the runner added or changed
 * relative to this process (the step's variables, a provisioned environment's PATH), never
 * Ray's own. The rest of the job's environment is the cluster's.
 */
function jobEnvironment(
  launch: StepLaunch,
  options: { tracking?: string; remote: boolean },
): Record<string, string> {
  const { tracking, remote } = options;
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(wholeEnvironment(launch.env))) {
    if (key.startsWith('RAY_')) continue;
    // This machine's paths (a provisioned venv on PATH) mean nothing on a remote node.
    if (remote && LOCAL_PATHS.has(key)) continue;
    if (ALWAYS_SENT.test(key) || process.env[key] !== value) vars[key] = value;
  }
  if (tracking && vars.MLFLOW_TRACKING_URI) vars.MLFLOW_TRACKING_URI = tracking;
  return { ...vars, ...launch.step.environment.vars };
}

/** How a job is set up to run a step: its entrypoint and what its runtime environment adds. */
interface JobPlan {
  entrypoint: string;
  workingDir?: string;
  /** Requirements Ray installs for the job (a step's requirements file, on a remote cluster). */
  pip?: string[];
  /** The staging folder its outputs come back through, the URL to fetch them from, its token. */
  transfer?: { folder: string; from: string; token: string | undefined };
}

/**
 * Runs steps as jobs on a Ray cluster through Ray's Jobs REST API (the dashboard address, e.g.
 * `http://127.0.0.1:8265`): submits the step's command, streams its log, follows its status and
 * stops the job when the step is cancelled.
 *
 * With the default `workspace: 'shared'` the job runs in the step's working directory as this
 * machine sees it, so the cluster must share the workspace's file system (a cluster on this
 * machine, or a shared mount). With `workspace: 'upload'` the job runs in a package of what the
 * step reads ({@link buildRayPackage}), uploaded through Ray's package API once per content, and
 * sends its outputs back through the tracking server (see `rayTransfer.ts`).
 */
export class RayBackend implements ComputeBackend {
  readonly kind = 'ray' as const;
  private readonly base: string;
  private readonly pollIntervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly maxPollFailures: number;
  private readonly workspace: 'shared' | 'upload';
  private readonly tracking: string | undefined;
  private readonly leaveOut: readonly string[];

  constructor(
    readonly address: string,
    options: RayBackendOptions = {},
  ) {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new Error(
        `invalid Ray address '${address}': give the dashboard's URL, e.g. http://127.0.0.1:8265`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(
        `invalid Ray address '${address}': the Jobs API is spoken over http(s), e.g. http://127.0.0.1:8265`,
      );
    }
    this.base = url.href.replace(/\/+$/, '');
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    this.maxPollFailures = options.maxPollFailures ?? 10;
    this.workspace = options.workspace ?? 'shared';
    this.tracking = options.tracking?.replace(/\/+$/, '');
    this.leaveOut = options.leaveOut ?? [];
  }

  async execute(launch: StepLaunch): Promise<StepOutcome> {
    const { step, root, signal } = launch;
    if (signal.aborted)
      return { exitCode: null, reason: 'cancelled before it was submitted to Ray' };
    const cwd = path.resolve(root, step.wd);
    const relative = path.relative(path.resolve(root), cwd);
    if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
      throw new Error(
        `step '${step.name}': working directory '${step.wd}' is outside the workspace`,
      );
    }
    const submissionId = `sextant-${randomUUID()}`;
    const job =
      this.workspace === 'upload'
        ? await this.uploadedJob(launch, submissionId, relative)
        : sharedJob(cwd, step.run);
    const body = {
      entrypoint: job.entrypoint,
      submission_id: submissionId,
      runtime_env: {
        env_vars: jobEnvironment(launch, {
          ...(this.tracking ? { tracking: this.tracking } : {}),
          remote: this.workspace === 'upload',
        }),
        ...(job.workingDir ? { working_dir: job.workingDir } : {}),
        ...(job.pip ? { pip: job.pip } : {}),
      },
      metadata: { sextant_step: step.name },
      entrypoint_num_cpus: step.resources.cpu,
      ...(step.resources.gpu > 0 ? { entrypoint_num_gpus: step.resources.gpu } : {}),
      ...(step.resources.memoryMb > 0
        ? { entrypoint_memory: step.resources.memoryMb * 1024 * 1024 }
        : {}),
    };
    const response = await this.request('POST', '/api/jobs/', body);
    if (!response.ok) {
      throw new Error(
        `Ray refused the job of step '${step.name}' (HTTP ${response.status}): ${summary(response)}`,
      );
    }
    launch.onExternalId?.(submissionId);
    const ended = await this.follow(submissionId, launch);
    if (!job.transfer) return ended;
    return this.fetchOutputs(job.transfer, root, ended, launch);
  }

  /**
   * The job of a step on a cluster that does not share the workspace: what the step reads goes
   * up as a package (once per content: Ray keeps packages by name), the job runs in it, and on
   * success sends the step's outputs back to the tracking server's staging folder.
   */
  private async uploadedJob(
    launch: StepLaunch,
    submissionId: string,
    wd: string,
  ): Promise<JobPlan> {
    const { step, root } = launch;
    const env = wholeEnvironment(launch.env);
    const from = env.MLFLOW_TRACKING_URI?.replace(/\/+$/, '');
    if (!from) {
      throw new Error(
        `step '${step.name}': sending outputs back from Ray needs a tracking server, and this run has none`,
      );
    }
    const pkg = await buildRayPackage(root, step, { leaveOut: this.leaveOut });
    const uri = `gcs://${pkg.name}`;
    const known = await this.request('GET', `/api/packages/gcs/${pkg.name}`);
    if (known.status === 404) {
      const put = await this.request('PUT', `/api/packages/gcs/${pkg.name}`, pkg.bytes);
      if (!put.ok) {
        throw new Error(
          `Ray refused the package of step '${step.name}' (HTTP ${put.status}): ${summary(put)}`,
        );
      }
    } else if (!known.ok) {
      throw new Error(
        `Ray could not say whether it has the package of step '${step.name}' (HTTP ${known.status}): ${summary(known)}`,
      );
    }
    const folder = stagingFolder(submissionId);
    const outputs = [...new Set([...step.outputs, ...step.metrics])];
    const target = this.tracking ?? from;
    const back =
      outputs.length === 0
        ? ''
        : `if [ "$code" -eq 0 ]; then cd "$root" && ` +
          `"$(command -v python3 || command -v python)" -c ${shellQuote(SEND_OUTPUTS_SCRIPT)} ` +
          `${[target, folder, ...outputs].map(shellQuote).join(' ')} || exit ${SEND_FAILED_EXIT}; fi; `;
    const dir = wd === '' ? '.' : wd.split(path.sep).join('/');
    return {
      entrypoint:
        `root=$PWD; cd ${shellQuote(dir)} || exit ${UNSEEN_EXIT}; ` +
        `sh -c ${shellQuote(step.run)}; code=$?; ${back}exit $code`,
      workingDir: uri,
      ...(step.environment.requirements
        ? { pip: await requirementsOf(root, step.environment.requirements) }
        : {}),
      ...(outputs.length > 0
        ? { transfer: { folder, from, token: env.MLFLOW_TRACKING_TOKEN } }
        : {}),
    };
  }

  /** After a job: its staged outputs into the workspace (on success), the staging folder gone. */
  private async fetchOutputs(
    transfer: NonNullable<JobPlan['transfer']>,
    root: string,
    ended: StepOutcome,
    launch: StepLaunch,
  ): Promise<StepOutcome> {
    if (ended.exitCode !== 0) {
      await dropStaged(transfer.from, transfer.folder, transfer.token);
      return ended;
    }
    try {
      const fetched = await fetchStagedOutputs(
        transfer.from,
        transfer.folder,
        root,
        transfer.token,
      );
      launch.onOutput(
        'stdout',
        `sextant: fetched ${fetched.length} output file(s) from the Ray job\n`,
      );
      return ended;
    } catch (error) {
      return {
        exitCode: null,
        reason: `the outputs of the Ray job could not be fetched: ${(error as Error).message}`,
      };
    }
  }

  /**
   * Follows the job until it ends: its log over Ray's tail WebSocket (read by polling when the
   * socket cannot be used), its status by polling; stops the job when the signal aborts.
   */
  private async follow(id: string, launch: StepLaunch): Promise<StepOutcome> {
    const { signal } = launch;
    let shown = 0;
    let failures = 0;
    let stopAsked: number | undefined;
    const tail = new RayLogTail(tailUrl(this.base, id), (text) => {
      shown += text.length;
      launch.onOutput('stdout', text);
    });
    const stop = (): void => {
      stopAsked = Date.now();
      this.request('POST', `/api/jobs/${id}/stop`).catch(() => undefined);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        let info: RayJobInfo;
        try {
          info = await this.jobInfo(id);
          if (!tail.working) shown = await this.streamLogs(id, shown, launch);
          failures = 0;
        } catch (error) {
          failures += 1;
          if (failures >= this.maxPollFailures) throw error;
          await delay(this.pollIntervalMs);
          continue;
        }
        if (TERMINAL.has(info.status)) {
          // Ray closes the tail once the last lines are sent; whatever it did not bring is read
          // from the whole log.
          await tail.finish(TAIL_GRACE_MS);
          shown = await this.streamLogs(id, shown, launch).catch(() => shown);
          return outcome(id, info, signal.aborted);
        }
        if (stopAsked !== undefined && Date.now() - stopAsked > this.stopTimeoutMs) {
          return {
            exitCode: null,
            reason: `cancelled; Ray job ${id} did not stop within ${this.stopTimeoutMs} ms (last status ${info.status})`,
          };
        }
        await delay(this.pollIntervalMs);
      }
    } finally {
      tail.close();
      signal.removeEventListener('abort', stop);
    }
  }

  private async jobInfo(id: string): Promise<RayJobInfo> {
    const response = await this.request('GET', `/api/jobs/${id}`);
    if (!response.ok) {
      throw new Error(
        `Ray job ${id}: status request failed (HTTP ${response.status}): ${summary(response)}`,
      );
    }
    return parse<RayJobInfo>(response, `the status of job ${id}`);
  }

  /** Hands on the part of the job's log not shown yet; returns how much has been shown. */
  private async streamLogs(id: string, shown: number, launch: StepLaunch): Promise<number> {
    const response = await this.request('GET', `/api/jobs/${id}/logs`);
    if (!response.ok) {
      throw new Error(
        `Ray job ${id}: log request failed (HTTP ${response.status}): ${summary(response)}`,
      );
    }
    const { logs } = parse<{ logs?: string }>(response, `the logs of job ${id}`);
    if (typeof logs !== 'string' || logs.length <= shown) return shown;
    launch.onOutput('stdout', logs.slice(shown));
    return logs.length;
  }

  /**
   * One request to the Jobs API. Node's `fetch` is not used: it sends `Sec-Fetch-Mode`, which
   * Ray's dashboard takes for browser traffic and refuses on every POST.
   */
  private request(
    method: 'GET' | 'POST' | 'PUT',
    route: string,
    body?: unknown,
  ): Promise<JobsResponse> {
    const url = new URL(`${this.base}${route}`);
    const raw = body instanceof Uint8Array;
    const payload =
      body === undefined
        ? undefined
        : raw
          ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
          : Buffer.from(JSON.stringify(body));
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const request = send(
        url,
        {
          method,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            accept: 'application/json',
            ...(payload
              ? {
                  'content-type': raw ? 'application/octet-stream' : 'application/json',
                  'content-length': payload.length,
                }
              : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            resolve({
              status,
              ok: status >= 200 && status < 300,
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      request.on('timeout', () =>
        request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `cannot reach the Ray cluster at ${this.base} (${error.code ?? error.message}): start it ` +
              "(ray start --head --include-dashboard true) or fix the compute target's address",
          ),
        ),
      );
      request.end(payload);
    });
  }
}

/** The job of a step on a cluster that shares the workspace: it runs where the step's files are. */
function sharedJob(cwd: string, run: string): JobPlan {
  return {
    entrypoint:
      `cd ${shellQuote(cwd)} || { echo ${shellQuote(unseen(cwd))} >&2; exit ${UNSEEN_EXIT}; }; ` +
      `exec sh -c ${shellQuote(run)}`,
  };
}

/** The requirement lines of a requirements file, for Ray's `pip` runtime environment. */
async function requirementsOf(root: string, file: string): Promise<string[]> {
  const text = await fs.readFile(insideRoot(root, file, 'requirements file'), 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** A response of the Jobs API, read whole. */
interface JobsResponse {
  status: number;
  ok: boolean;
  text: string;
}

/** The gist of an error response: the last line of Ray's traceback, or its text. */
function summary(response: JobsResponse): string {
  const lines = response.text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 500) || `HTTP ${response.status}`;
}

function parse<T>(response: JobsResponse, what: string): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw new Error(`Ray answered ${what} with something other than JSON: ${summary(response)}`);
  }
}

/** Maps a final Ray job state to a step outcome. */
function outcome(id: string, info: RayJobInfo, cancelled: boolean): StepOutcome {
  switch (info.status) {
    case 'SUCCEEDED':
      return { exitCode: 0 };
    case 'STOPPED':
      return {
        exitCode: null,
        reason: cancelled ? `cancelled; Ray job ${id} stopped` : `Ray job ${id} was stopped`,
      };
    default:
      return {
        exitCode:
          typeof info.driver_exit_code === 'number' && info.driver_exit_code !== 0
            ? info.driver_exit_code
            : null,
        reason: `Ray job ${id} failed: ${firstLine(info.message) ?? 'no message from Ray'}`,
      };
  }
}

const firstLine = (text: string | null | undefined): string | undefined =>
  text ? text.split('\n')[0] : undefined;
