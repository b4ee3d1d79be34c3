import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { processAlive } from './processAlive';

/** Provisions (or reuses) a virtual environment for a requirements file. */
export type ProvisionEnvironment = (request: {
  /** Absolute path of the requirements file. */
  requirements: string;
  /** Folder that holds the environments, keyed by the file's content hash. */
  cacheDir: string;
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
  signal: AbortSignal;
}) => Promise<{
  /** Absolute path of the environment's `bin/`. */ binDir: string;
  /** The environment's id: the SHA-256 of the requirements file, its folder under `cacheDir`. */
  id: string;
  reused: boolean;
}>;

/** Written into an environment once pip has installed everything: its presence means complete. */
const COMPLETE = '.sextant-complete';
/** How often a waiter looks at a lock held by another provisioning. */
const LOCK_POLL_MS = 200;
/** A lock folder whose owner never wrote its name is taken over after this long. */
const UNOWNED_LOCK_MS = 10_000;

/** The Python that creates environments: `SEXTANT_PYTHON`, or `python3` on PATH. */
const python = (): string => process.env.SEXTANT_PYTHON || 'python3';

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/** The abort error of a cancelled provisioning. */
const cancelled = (requirements: string): Error =>
  new Error(`provisioning the environment for ${requirements} was cancelled`);

/**
 * Takes `<lock>` (a folder, created atomically) and records this process in it; waits while a
 * live process holds it, and takes over a lock whose process has died. Returns the release.
 */
async function acquireLock(
  lock: string,
  requirements: string,
  signal: AbortSignal,
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    if (signal.aborted) throw cancelled(requirements);
    try {
      await fs.mkdir(lock);
      await fs.writeFile(path.join(lock, 'owner'), `${process.pid}\n${os.hostname()}\n`);
      return () => fs.rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await fs.readFile(path.join(lock, 'owner'), 'utf8').catch(() => '');
    const [pid, host] = owner.split('\n');
    const since = await fs.stat(lock).then(
      (stat) => stat.mtimeMs,
      () => Date.now(),
    );
    const dead = pid
      ? host === os.hostname() && !processAlive(Number(pid))
      : Date.now() - since > UNOWNED_LOCK_MS;
    if (dead) {
      // The holder died mid-build: move its lock aside (one waiter wins the rename) and retry.
      const aside = `${lock}.stale-${randomBytes(4).toString('hex')}`;
      if (
        await fs.rename(lock, aside).then(
          () => true,
          () => false,
        )
      ) {
        await fs.rm(aside, { recursive: true, force: true });
      }
      continue;
    }
    if (!announced) {
      onOutput('stderr', `Waiting for another provisioning of ${requirements} to finish...\n`);
      announced = true;
    }
    await delay(LOCK_POLL_MS);
  }
}

/** Runs a command, streaming its output; kills its whole process group when `signal` aborts. */
function run(
  command: string,
  args: string[],
  options: {
    /** What the command does, for messages: `pip install`. */
    label: string;
    cwd: string;
    signal: AbortSignal;
    requirements: string;
    onOutput: (stream: 'stdout' | 'stderr', text: string) => void;
  },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' },
    });
    const kill = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    options.signal.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (chunk: Buffer) => options.onOutput('stdout', chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput('stderr', chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      options.signal.removeEventListener('abort', kill);
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `cannot provision ${options.requirements}: '${command}' was not found (install Python 3, or set SEXTANT_PYTHON)`
            : `cannot provision ${options.requirements}: ${command}: ${error.message}`,
        ),
      );
    });
    child.once('close', (code, killedBy) => {
      options.signal.removeEventListener('abort', kill);
      if (options.signal.aborted) reject(cancelled(options.requirements));
      else if (code === 0) resolve();
      else {
        reject(
          new Error(
            `provisioning ${options.requirements} failed: ${options.label} ended with ` +
              `${code === null ? `signal ${killedBy}` : `exit code ${code}`} (see its output)`,
          ),
        );
      }
    });
  });
}

/**
 * Removes what killed provisionings of `hash` left: their folders and links, unless one is the
 * published environment.
 */
async function removeLeftovers(cacheDir: string, hash: string): Promise<void> {
  const target = await fs.readlink(path.join(cacheDir, hash)).catch(() => undefined);
  const pattern = new RegExp(`^${hash}\\.(\\d+)\\.[0-9a-f]+(\\.link)?$`);
  for (const entry of await fs.readdir(cacheDir)) {
    const match = pattern.exec(entry);
    if (!match || entry === target || processAlive(Number(match[1]))) continue;
    await fs.rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
}

/**
 * Provisions the virtual environment of a requirements file, or reuses the one already made for
 * the same content. The environment is `<cacheDir>/<sha256 of the file>`: a link, switched
 * atomically, to the folder it was built in (a venv cannot be moved once built, its scripts name
 * their interpreter by path). A provisioning killed midway leaves no environment behind, only a
 * folder that the next provisioning of the same file removes. Concurrent provisionings of the
 * same file, in this process or others, build it once: the others wait on a lock folder.
 *
 * `pip install -r` runs in the requirements file's folder, so relative paths in it resolve there.
 */
export const provisionEnvironment: ProvisionEnvironment = async (request) => {
  const { cacheDir, onOutput, signal } = request;
  const requirements = path.resolve(request.requirements);
  let content: Buffer;
  try {
    content = await fs.readFile(requirements);
  } catch (error) {
    throw new Error(
      `cannot read the requirements file ${requirements}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const hash = createHash('sha256').update(content).digest('hex');
  const published = path.join(cacheDir, hash);
  const ready = async (): Promise<string | undefined> =>
    (await exists(path.join(published, COMPLETE)))
      ? path.join(await fs.realpath(published), 'bin')
      : undefined;

  const existing = await ready();
  if (existing) return { binDir: existing, id: hash, reused: true };
  if (signal.aborted) throw cancelled(requirements);
  await fs.mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(
    path.join(cacheDir, `${hash}.lock`),
    requirements,
    signal,
    onOutput,
  );
  try {
    const built = await ready();
    if (built) return { binDir: built, id: hash, reused: true };
    await removeLeftovers(cacheDir, hash);
    const name = `${hash}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const folder = path.join(cacheDir, name);
    const options = { cwd: path.dirname(requirements), signal, requirements, onOutput };
    try {
      onOutput('stderr', `Creating a virtual environment for ${requirements}\n`);
      await run(python(), ['-m', 'venv', folder], { ...options, label: `${python()} -m venv` });
      await run(path.join(folder, 'bin', 'python'), ['-m', 'pip', 'install', '-r', requirements], {
        ...options,
        label: 'pip install',
      });
      await fs.writeFile(
        path.join(folder, COMPLETE),
        `${JSON.stringify({ requirements, sha256: hash, time: Date.now() })}\n`,
      );
      const link = path.join(cacheDir, `${name}.link`);
      await fs.symlink(name, link);
      await fs.rename(link, published);
    } catch (error) {
      await fs.rm(folder, { recursive: true, force: true });
      throw error;
    }
    return { binDir: path.join(await fs.realpath(folder), 'bin'), id: hash, reused: false };
  } finally {
    await release();
  }
};

/** What collecting the environments folder kept and removed (or, dry, would remove). */
export interface EnvironmentCollection {
  /** Published environments, one per requirements file content. */
  environments: { kept: number; removed: number };
  /** Bytes of their folders, with those of killed provisionings' left-overs among the removed. */
  bytes: { kept: number; removed: number };
}

const ENVIRONMENT_NAME = /^[0-9a-f]{64}$/;
/** A provisioning's folder or link: `<hash>.<pid>.<random>[.link]`. */
const BUILD_NAME = /^([0-9a-f]{64})\.(\d+)\.[0-9a-f]+(\.link)?$/;

/** The apparent size of a folder's files, links not followed. */
async function sizeOf(target: string): Promise<number> {
  const stat = await fs.lstat(target).catch(() => undefined);
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of await fs.readdir(target).catch(() => [])) {
    total += await sizeOf(path.join(target, entry));
  }
  return total;
}

/**
 * Removes the environments under `cacheDir` that `keep` does not answer true for (by id), and
 * what killed provisionings left there; answers what went (with `dryRun`, what would go,
 * removing nothing). An environment
 * being provisioned (its lock held) or completed since the collection began stays. Each is
 * unpublished first (its link removed, so no step starts in it), then its folder is removed.
 */
export async function collectEnvironments(
  cacheDir: string,
  keep: (id: string) => boolean,
  dryRun: boolean,
): Promise<EnvironmentCollection> {
  const began = Date.now();
  const result: EnvironmentCollection = {
    environments: { kept: 0, removed: 0 },
    bytes: { kept: 0, removed: 0 },
  };
  const entries = await fs.readdir(cacheDir).catch(() => [] as string[]);
  const published = new Set<string>();
  for (const name of entries) {
    if (!ENVIRONMENT_NAME.test(name)) continue;
    const link = path.join(cacheDir, name);
    const target = await fs.readlink(link).catch(() => undefined);
    if (target === undefined) continue;
    published.add(target);
    const folder = path.join(cacheDir, target);
    const marker = await fs.stat(path.join(folder, COMPLETE)).catch(() => undefined);
    const busy = await exists(path.join(cacheDir, `${name}.lock`));
    const size = await sizeOf(folder);
    if (keep(name) || busy || (marker && marker.mtimeMs >= began)) {
      result.environments.kept++;
      result.bytes.kept += size;
      continue;
    }
    result.environments.removed++;
    result.bytes.removed += size;
    if (dryRun) continue;
    await fs.rm(link, { force: true });
    await fs.rm(folder, { recursive: true, force: true });
  }
  for (const name of entries) {
    const match = BUILD_NAME.exec(name);
    if (!match || published.has(name) || processAlive(Number(match[2]))) continue;
    result.bytes.removed += await sizeOf(path.join(cacheDir, name));
    if (!dryRun) await fs.rm(path.join(cacheDir, name), { recursive: true, force: true });
  }
  return result;
}
