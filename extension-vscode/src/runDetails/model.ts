/** What the Run Details tree shows, as plain data: sections of a run and their rows. */
import type { ArtifactFile, Run } from '@sextant/language-server/protocol';
import { formatBytes } from '@sextant/media/artifacts';
import { formatDuration } from '@sextant/core/model';
import { runIcon, shortNumber, type Icon } from '../experiments/model';

/** A row or a section of the Run Details tree. */
export interface DetailNode {
  label: string;
  description?: string;
  tooltip?: string;
  icon?: Icon;
  /** Text the "copy" action puts on the clipboard. */
  copyValue?: string;
  /** A section has children; a row has none. */
  children?: DetailNode[];
  /** An artifact file or folder of the run (a folder's children are listed when it expands). */
  artifact?: ArtifactRef;
}

/** One artifact of one run. */
export interface ArtifactRef {
  runId: string;
  /** Path relative to the run's artifact root. */
  path: string;
  isDir: boolean;
}

/** The rows of one level of a run's artifacts: folders expand, files open. */
export function artifactNodes(runId: string, files: readonly ArtifactFile[]): DetailNode[] {
  if (files.length === 0) return [{ label: 'empty', icon: { id: 'dash' } }];
  return files.map((a) => ({
    label: `${a.path.slice(a.path.lastIndexOf('/') + 1)}${a.isDir ? '/' : ''}`,
    description: a.fileSize === undefined ? undefined : formatBytes(a.fileSize),
    tooltip: a.path,
    icon: { id: a.isDir ? 'folder' : 'file' },
    copyValue: a.path,
    artifact: { runId, path: a.path, isDir: a.isDir },
  }));
}

/** The context value of a row, matched by the `when` clauses of its menu. */
export function detailContextValue(node: DetailNode): string {
  if (node.artifact) return node.artifact.isDir ? 'artifact.dir' : 'artifact.file';
  return node.copyValue !== undefined ? 'detail.copyable' : 'detail';
}

/** Tags MLflow and Sextant set for their own use, shown apart from the user's tags. */
export function isSystemTag(key: string): boolean {
  return key.startsWith('mlflow.') || key.startsWith('sextant.');
}

function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

function byKey<T extends { key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.key.localeCompare(b.key));
}

function section(label: string, children: DetailNode[], icon: string): DetailNode {
  return {
    label,
    description: String(children.length),
    icon: { id: icon },
    children: children.length > 0 ? children : [{ label: 'none', icon: { id: 'dash' } }],
  };
}

/** The sections of a run: overview, params, latest metrics, tags, artifacts. */
export function runDetailSections(run: Run, artifacts: ArtifactFile[], now: number): DetailNode[] {
  const { info } = run;
  const commit = tag(run, 'mlflow.source.git.commit');
  const source = tag(run, 'mlflow.source.name');
  const overview: DetailNode[] = [
    { label: 'Status', description: info.status, icon: runIcon(info) },
    { label: 'Run ID', description: info.runId, copyValue: info.runId, icon: { id: 'key' } },
    {
      label: 'Started',
      description: new Date(info.startTime).toLocaleString(),
      icon: { id: 'calendar' },
    },
    {
      label: 'Duration',
      description: formatDuration((info.endTime ?? now) - info.startTime),
      icon: { id: 'watch' },
    },
  ];
  if (info.userId)
    overview.push({ label: 'User', description: info.userId, icon: { id: 'person' } });
  if (source)
    overview.push({
      label: 'Source',
      description: source,
      copyValue: source,
      icon: { id: 'file-code' },
    });
  overview.push({
    label: 'Source commit',
    description: commit ? commit.slice(0, 12) : 'not recorded',
    tooltip: commit,
    copyValue: commit,
    icon: { id: 'git-commit' },
  });
  return [
    { label: info.runName || info.runId, icon: runIcon(info), children: overview },
    section(
      'Parameters',
      byKey(run.data.params).map((p) => ({
        label: p.key,
        description: p.value,
        tooltip: `${p.key} = ${p.value}`,
        copyValue: p.value,
      })),
      'symbol-parameter',
    ),
    section(
      'Metrics',
      byKey(run.data.metrics).map((m) => ({
        label: m.key,
        description: `${shortNumber(m.value)} (step ${m.step})`,
        tooltip: `${m.key} = ${m.value} at step ${m.step}`,
        copyValue: String(m.value),
      })),
      'graph-line',
    ),
    section(
      'Tags',
      byKey(run.data.tags.filter((t) => !isSystemTag(t.key))).map((t) => ({
        label: t.key,
        description: t.value,
        tooltip: `${t.key} = ${t.value}`,
        copyValue: t.value,
      })),
      'tag',
    ),
    {
      label: 'Artifacts',
      description: String(artifacts.length),
      icon: { id: 'files' },
      children:
        artifacts.length > 0
          ? artifactNodes(info.runId, artifacts)
          : [{ label: 'none', icon: { id: 'dash' } }],
    },
  ];
}
