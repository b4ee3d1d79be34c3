/**
 * Where a run's code came from, as plain data from its tags: the script (`mlflow.source.name`),
 * the git commit, branch and remote MLflow records, whether the tree had uncommitted changes, and
 * the artifacts Sextant keeps of it (the diff at start, or a copy of the script outside git).
 */
import type { KeyValue } from '@sextant/language-server/protocol';

/** Artifact path of the uncommitted changes `sextant run` keeps when the tree is dirty. */
export const DIFF_ARTIFACT = 'source/git.diff';

/** What the run page's Source section shows. */
export interface RunSource {
  script?: string;
  command?: string;
  commit?: string;
  branch?: string;
  /** A web page of the commit, when the remote is a known forge. */
  commitUrl?: string;
  /** The tree had uncommitted changes when the run started. */
  dirty?: boolean;
  /** Artifact holding the diff at start. */
  diffArtifact?: string;
  /** Artifact holding a copy of the script (runs outside a git repository). */
  snapshotArtifact?: string;
}

/**
 * The web page of `commit` for a remote of GitHub, GitLab or Bitbucket (https or ssh form);
 * undefined for any other remote.
 */
export function commitUrl(remote: string | undefined, commit: string): string | undefined {
  if (!remote || !/^[0-9a-f]{7,40}$/i.test(commit)) return undefined;
  const match =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)(github\.com|gitlab\.com|bitbucket\.org)[:/]([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/i.exec(
      remote.trim(),
    );
  if (!match) return undefined;
  const [, host, path] = match;
  const commits = host!.toLowerCase() === 'bitbucket.org' ? 'commits' : 'commit';
  return `https://${host!.toLowerCase()}/${path}/${host!.toLowerCase() === 'gitlab.com' ? '-/' : ''}${commits}/${commit}`;
}

/** The source of a run from its tags. */
export function runSource(tags: readonly KeyValue[]): RunSource {
  const tag = (key: string): string | undefined => tags.find((t) => t.key === key)?.value;
  const commit = tag('mlflow.source.git.commit');
  const dirty = tag('sextant.source.git.dirty');
  const source: RunSource = {
    script: tag('mlflow.source.name'),
    command: tag('sextant.command') ?? tag('mlflow.source.command'),
    commit,
    branch: tag('mlflow.source.git.branch'),
    commitUrl: commit ? commitUrl(tag('mlflow.source.git.repoURL'), commit) : undefined,
    dirty: dirty === undefined ? undefined : dirty === 'true',
    diffArtifact: tag('sextant.source.diff') ?? (dirty === 'true' ? DIFF_ARTIFACT : undefined),
    snapshotArtifact: tag('sextant.source.snapshot'),
  };
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined)) as RunSource;
}
