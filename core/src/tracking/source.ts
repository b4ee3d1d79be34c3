import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KeyValue } from '../model';

const run = promisify(execFile);

/** The git state of a working directory when a run started. */
export interface GitSource {
  commit: string;
  branch: string;
  dirty: boolean;
  /** `git diff HEAD` of tracked files, then one `# untracked: <path>` line per new file; empty when clean. */
  diff: string;
  remote?: string;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Reads commit, branch and uncommitted changes; undefined outside a git work tree. */
export async function captureGit(cwd: string): Promise<GitSource | undefined> {
  try {
    const commit = (await git(cwd, ['rev-parse', 'HEAD'])).trim();
    const branch = (await git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
    const status = await git(cwd, ['status', '--porcelain']);
    const tracked = await git(cwd, ['diff', 'HEAD', '--no-color']);
    const untracked = (await git(cwd, ['ls-files', '--others', '--exclude-standard'])).trim();
    const diff = untracked
      ? `${tracked}${untracked
          .split('\n')
          .map((f) => `# untracked: ${f}`)
          .join('\n')}\n`
      : tracked;
    const remote = (
      await git(cwd, ['config', '--get', 'remote.origin.url']).catch(() => '')
    ).trim();
    return { commit, branch, dirty: status.trim() !== '', diff, ...(remote ? { remote } : {}) };
  } catch {
    return undefined;
  }
}

/** MLflow's source tags for a git state, plus Sextant's dirty flag. */
export function gitTags(source: GitSource): KeyValue[] {
  return [
    { key: 'mlflow.source.git.commit', value: source.commit },
    { key: 'mlflow.source.git.branch', value: source.branch },
    ...(source.remote ? [{ key: 'mlflow.source.git.repoURL', value: source.remote }] : []),
    { key: 'sextant.source.git.dirty', value: String(source.dirty) },
  ];
}
