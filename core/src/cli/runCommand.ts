import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../engine';
import type { RunStatus } from '../model';
import { startServer } from '../server';
import { captureGit, gitTags } from '../tracking';

export interface RunCommandOptions {
  experiment?: string;
  name?: string;
  cwd: string;
  /** Where the child's output is echoed (the terminal). */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Finds an experiment by id or name, creating it by name when missing. */
async function experimentIdFor(engine: Engine, nameOrId: string | undefined): Promise<string> {
  if (!nameOrId) return '0';
  const byName = await engine.tracking.getExperimentByName(nameOrId);
  if (byName) return byName.experimentId;
  if (/^\d+$/.test(nameOrId)) return (await engine.tracking.getExperiment(nameOrId)).experimentId;
  return engine.tracking.createExperiment(nameOrId);
}

/** Largest script kept as a snapshot of a run outside git. */
const SNAPSHOT_MAX_BYTES = 1024 * 1024;
const SCRIPT = /\.(py|r|jl|sh)$/i;

/** The script a command runs (`python train.py` → train.py), when it is a small file. */
async function scriptOf(args: string[], cwd: string): Promise<string | undefined> {
  const candidate = args.find((a) => !a.startsWith('-') && SCRIPT.test(a));
  if (!candidate) return undefined;
  const file = path.resolve(cwd, candidate);
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isFile() && stat.size <= SNAPSHOT_MAX_BYTES ? file : undefined;
}

/**
 * `sextant run -- CMD...`: starts a run, serves the store on a loopback port for the child,
 * hands it `MLFLOW_TRACKING_URI` and `MLFLOW_RUN_ID`, records git state (the dirty diff as an
 * artifact; outside git, a copy of the script up to 1 MiB as `source/<name>`), keeps stdout/stderr as artifacts, and ends the run with the child's status.
 * Resolves to the exit code to return.
 */
export async function runCommand(
  engine: Engine,
  command: string[],
  options: RunCommandOptions,
): Promise<number> {
  const [program, ...args] = command;
  if (!program)
    throw new Error('give the command to run after --, e.g. `sextant run -- python train.py`');
  const git = await captureGit(options.cwd);
  const run = await engine.tracking.createRun({
    experimentId: await experimentIdFor(engine, options.experiment),
    userId: os.userInfo().username,
    runName: options.name ?? '',
    tags: [
      { key: 'mlflow.source.name', value: command.join(' ').slice(0, 500) },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.user', value: os.userInfo().username },
      { key: 'sextant.command', value: command.join(' ').slice(0, 5000) },
      ...(git ? gitTags(git) : []),
    ],
  });
  const runId = run.info.runId;
  const root = run.info.artifactUri.replace(/^mlflow-artifacts:\//, '');
  if (git?.dirty) {
    await engine.artifacts.write(`${root}/source/git.diff`, Buffer.from(git.diff));
    await engine.tracking.setTag(runId, { key: 'sextant.source.diff', value: 'source/git.diff' });
  }
  const script = git ? undefined : await scriptOf(command, options.cwd);
  if (script) {
    const artifact = `source/${path.basename(script)}`;
    await engine.artifacts.write(`${root}/${artifact}`, await fs.readFile(script));
    await engine.tracking.setTag(runId, { key: 'sextant.source.snapshot', value: artifact });
  }
  const server = await startServer(engine, { host: '127.0.0.1', port: 0 });
  options.stderr.write(
    `sextant: run ${runId} in experiment ${run.info.experimentId}, tracking at ${server.url}\n`,
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let status: RunStatus = 'FAILED';
  let exitCode = 1;
  try {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url, MLFLOW_RUN_ID: runId },
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      options.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      options.stderr.write(chunk);
    });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal }));
      },
    ).finally(() => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    });
    exitCode = result.code ?? 128 + (result.signal ? os.constants.signals[result.signal] : 0);
    status = result.signal ? 'KILLED' : result.code === 0 ? 'FINISHED' : 'FAILED';
  } catch (error) {
    err.push(Buffer.from(`sextant: could not start ${program}: ${(error as Error).message}\n`));
    options.stderr.write(`sextant: could not start ${program}: ${(error as Error).message}\n`);
    exitCode = 127;
  } finally {
    await server.close();
    await engine.artifacts.write(`${root}/logs/stdout.txt`, Buffer.concat(out));
    await engine.artifacts.write(`${root}/logs/stderr.txt`, Buffer.concat(err));
    const current = await engine.tracking.getRun(runId);
    if (current.info.status === 'RUNNING' || status !== 'FINISHED') {
      await engine.tracking.updateRun(runId, { status, endTime: Date.now() });
    }
  }
  options.stderr.write(`sextant: run ${runId} ${status.toLowerCase()} (exit ${exitCode})\n`);
  return exitCode;
}
