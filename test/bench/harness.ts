/**
 * Shared pieces of the benchmarks: the two servers (MLflow's own `mlflow server` on SQLite as the
 * anchor, and `sextant server`), a keep-alive JSON client, a seeded PRNG, timing statistics, the
 * result table and the results JSON. Benchmarks are scripts, not tests: `npm test` never runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess } from '../support/server';

/** The repository root, from test/dist/bench. */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const VENV_BIN = path.join(REPO, '.venv', 'bin');
export const PYTHON = path.join(VENV_BIN, 'python');
/** Python helpers live beside the TypeScript sources (tsc copies nothing else to dist). */
export const BENCH_SRC = path.join(REPO, 'test', 'bench');
export const RESULTS_DIR = path.join(BENCH_SRC, 'results');

/**
 * A benchmark file loaded by `node --test` (which a future test glob might pick up) exits at
 * once instead of starting servers: benchmarks are run on purpose only.
 */
export function exitIfUnderTestRunner(): void {
  if (process.env.NODE_TEST_CONTEXT) process.exit(0);
}

export interface BenchArgs {
  quick: boolean;
  strict: boolean;
  /** `--name value` or `--name=value` options. */
  options: Map<string, string>;
}

export function parseArgs(argv = process.argv.slice(2)): BenchArgs {
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    if (eq > 0) options.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === '--quick' || arg === '--strict') options.set(arg.slice(2), 'true');
    else {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`option ${arg} needs a value`);
      options.set(arg.slice(2), value);
      i++;
    }
  }
  return { quick: options.has('quick'), strict: options.has('strict'), options };
}

/** A numeric option, or `fallback`. */
export function numberOption(args: BenchArgs, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sextant-bench-${prefix}-`));
}

/** A free loopback port (bound and released; the tiny race is acceptable for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  name: 'mlflow' | 'sextant';
  url: string;
  /** How the server was started, for the report. */
  describe: string;
  stop(): Promise<void>;
}

/** MLflow's own default worker count for `mlflow server` (uvicorn). */
export const MLFLOW_DEFAULT_WORKERS = 4;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts `mlflow server` on a SQLite backend in `dir` (`mlflow.db`, artifacts in `art/`) on a free
 * loopback port and waits for `/health`. It runs in its own process group so that stopping it
 * also stops its uvicorn workers. MLflow's background job runner (GenAI jobs, unrelated to
 * tracking) is switched off so it does not compete for the CPU.
 */
export async function startMlflow(dir: string, workers: number): Promise<BenchServer> {
  const port = await freePort();
  const args = [
    'server',
    '--backend-store-uri',
    `sqlite:///${path.join(dir, 'mlflow.db')}`,
    '--artifacts-destination',
    path.join(dir, 'art'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    String(workers),
  ];
  const logFile = path.join(dir, 'mlflow-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(path.join(VENV_BIN, 'mlflow'), args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', PYTHONUNBUFFERED: '1' },
  });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    if (!(await waitForExit(child, 10_000))) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await waitForExit(child, 5_000);
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `mlflow server exited (${child.exitCode}):\n${fs.readFileSync(logFile, 'utf8')}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mlflow server did not answer /health within 120 s; see ${logFile}`);
    }
    await sleep(250);
  }
  return {
    name: 'mlflow',
    url,
    describe: `mlflow server ${mlflowVersion()} (uvicorn, --workers ${workers}, SQLite backend)`,
    stop,
  };
}

let cachedMlflowVersion: string | undefined;
function mlflowVersion(): string {
  if (cachedMlflowVersion) return cachedMlflowVersion;
  const site = path.join(REPO, '.venv', 'lib');
  try {
    for (const py of fs.readdirSync(site)) {
      const dist = fs
        .readdirSync(path.join(site, py, 'site-packages'))
        .find((d) => /^mlflow-[\d.]+\.dist-info$/.test(d));
      if (dist) return (cachedMlflowVersion = dist.slice('mlflow-'.length, -'.dist-info'.length));
    }
  } catch {
    /* unknown layout */
  }
  return (cachedMlflowVersion = '?');
}

/** Starts `sextant server --port 0` on `store`. */
export async function startSextant(store: string): Promise<BenchServer> {
  const server = await startServerProcess(store);
  return {
    name: 'sextant',
    url: server.url,
    describe: `sextant server (node ${process.version}, one process, SQLite WAL)`,
    stop: () => server.stop(),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One REST call on `/api/2.0/mlflow/<endpoint>` through Node's global fetch (undici, keep-alive
 * connection pool). GET sends `query` as the query string; POST sends it as a JSON body.
 */
export async function api<T = Record<string, unknown>>(
  server: BenchServer,
  method: 'GET' | 'POST',
  endpoint: string,
  query: Record<string, unknown> | string,
): Promise<T> {
  let url = `${server.url}/api/2.0/mlflow/${endpoint}`;
  const init: RequestInit = { method };
  if (method === 'GET') {
    const qs =
      typeof query === 'string' ? query : new URLSearchParams(query as Record<string, string>);
    url += `?${qs.toString()}`;
  } else {
    init.body = typeof query === 'string' ? query : JSON.stringify(query);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok)
    throw new Error(
      `${server.name} ${method} ${endpoint}: HTTP ${res.status}: ${text.slice(0, 500)}`,
    );
  return JSON.parse(text) as T;
}

/** A persistent HTTP/1.1 client for one server: see {@link keepAliveClient}. */
export interface KeepAliveClient {
  /** `GET /api/2.0/mlflow/<endpoint>?<query>`, its JSON answer parsed. */
  get<T = Record<string, unknown>>(endpoint: string, query: string): Promise<T>;
  /** `GET <path>` (any path, e.g. `/health`), its answer as text. */
  getText(path: string): Promise<string>;
  /** TCP connections opened so far (1 when every call reused the first). */
  readonly connections: number;
  close(): void;
}

/**
 * A lean client for latency benchmarks: node:http over one keep-alive connection that every
 * call reuses (an `http.Agent` with `keepAlive` and one socket). The same client is used against
 * both servers, so each pays the same fixed client cost, ~0.1 ms a call here; global `fetch`
 * adds ~0.5 ms a call, which on its own caps the ratio a sub-millisecond server can show.
 */
export function keepAliveClient(server: BenchServer): KeepAliveClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 10_000 });
  let connections = 0;
  const base = new URL(server.url);
  const getText = (path: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const request = http.get(
        { host: base.hostname, port: base.port, path, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((response.statusCode ?? 0) >= 400) {
              reject(
                new Error(
                  `${server.name} GET ${path}: HTTP ${response.statusCode}: ${text.slice(0, 500)}`,
                ),
              );
            } else {
              resolve(text);
            }
          });
          response.on('error', reject);
        },
      );
      request.on('socket', (socket) => {
        if (!(socket as { counted?: boolean }).counted) {
          (socket as { counted?: boolean }).counted = true;
          connections++;
        }
      });
      request.on('error', reject);
    });
  return {
    getText,
    get<T>(endpoint: string, query: string): Promise<T> {
      return getText(`/api/2.0/mlflow/${endpoint}?${query}`).then((text) => JSON.parse(text) as T);
    },
    get connections() {
      return connections;
    },
    close: () => agent.destroy(),
  };
}

/** Counts the points of one series through paged `metrics/get-history` calls. */
export async function countHistory(
  server: BenchServer,
  runId: string,
  key: string,
): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await api<{ metrics?: unknown[]; next_page_token?: string }>(
      server,
      'GET',
      'metrics/get-history',
      {
        run_id: runId,
        metric_key: key,
        max_results: '25000',
        ...(token ? { page_token: token } : {}),
      },
    );
    count += page.metrics?.length ?? 0;
    token = page.next_page_token;
  } while (token);
  return count;
}

/** Runs a Python script of the venv (MLflow installed) and returns its stdout. */
export function runPython(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(BENCH_SRC, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}:\n${err}`)),
    );
  });
}

/** mulberry32: a small seeded PRNG in [0, 1), so both systems get the same generated data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-hex-digit run id from the PRNG (MLflow's run_uuid format). */
export function hexId(random: () => number): string {
  let id = '';
  for (let i = 0; i < 4; i++)
    id += Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return id;
}

export interface TimingStats {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function stats(samples: number[]): TimingStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

/** Times `fn` `n` times (after `warmup` untimed calls), in milliseconds. */
export async function timeCalls(
  n: number,
  warmup: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** A number for a table cell: thousands separators, `digits` decimals. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function ms(value: number): string {
  return value >= 100 ? `${num(value, 0)} ms` : `${num(value, value >= 10 ? 1 : 2)} ms`;
}

export function ratio(value: number): string {
  return `${num(value, value >= 100 ? 0 : 1)}x`;
}

/** Prints a plain-text table with a title; the first `leftAligned` columns align left. */
export function printTable(
  title: string,
  headers: string[],
  rows: string[][],
  leftAligned = 1,
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) =>
        i < leftAligned ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  process.stdout.write(
    `\n${title}\n${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
  );
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

export function printTargets(targets: Target[]): void {
  process.stdout.write('\nTargets\n');
  for (const t of targets)
    process.stdout.write(`  [${t.met ? 'MET ' : 'MISS'}] ${t.name}: ${t.detail}\n`);
}

/** Writes `test/bench/results/<name>.json` and returns its path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
  fs.writeFileSync(
    file,
    `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine, ...results }, null, 2)}\n`,
  );
  return file;
}

/**
 * Runs a benchmark's main: servers it registers are stopped on exit, an error exits 1, a missed
 * target exits 3 only under `--strict`.
 */
export function runBenchmark(
  main: (args: BenchArgs, cleanup: (fn: () => Promise<void>) => void) => Promise<Target[]>,
): void {
  exitIfUnderTestRunner();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanupAll = async (): Promise<void> => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  };
  const onSignal = (): void => {
    void cleanupAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let args: BenchArgs;
  try {
    args = parseArgs();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  main(args, (fn) => cleanups.push(fn))
    .then(async (targets) => {
      await cleanupAll();
      process.exitCode = args.strict && targets.some((t) => !t.met) ? 3 : 0;
    })
    .catch(async (error: unknown) => {
      await cleanupAll();
      process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    });
}
