/**
 * The one message contract between a view of `media` and its host (a VS Code webview panel, a
 * JupyterLab widget). Messages are a union keyed on {@link MessageType}; a view posts
 * {@link MessageType.Ready} first, then the host pushes whole snapshots, and later series updates
 * for live runs.
 */
import type {
  ArtifactFile,
  Run,
  RunsCompareResult,
  SampledSeries,
} from '@sextant/language-server/dist/protocol';

/** Every message type, in both directions. */
export enum MessageType {
  /** View → host: the view is listening; answer with a snapshot. */
  Ready = 'ready',
  /** Host → view: everything the comparison view shows. */
  CompareSnapshot = 'compareSnapshot',
  /** Host → view: everything the run view shows. */
  RunSnapshot = 'runSnapshot',
  /** Host → view: new versions of some series (a live run logged points); replace by run and key. */
  SeriesUpdate = 'seriesUpdate',
  /** View → host: open one run in its own view. */
  OpenRun = 'openRun',
  /** View → host: save text (a CSV export) to a file the user picks. */
  SaveFile = 'saveFile',
  /** View → host: something went wrong in the view (a script error, a CSP violation). */
  ViewError = 'viewError',
}

/** Snapshot of the comparison of some runs. */
export interface CompareSnapshot {
  type: MessageType.CompareSnapshot;
  /** Runs, params diff and metric stats, in the order the runs were chosen. */
  compare: RunsCompareResult;
  /** Downsampled series of every metric of every run. */
  series: SampledSeries[];
}

/** Snapshot of one run. */
export interface RunSnapshot {
  type: MessageType.RunSnapshot;
  run: Run;
  /** Top level of the run's artifact directory. */
  artifacts: ArtifactFile[];
  /** Downsampled series of every metric of the run. */
  series: SampledSeries[];
}

/** Replacement series for some (run, key) pairs. */
export interface SeriesUpdate {
  type: MessageType.SeriesUpdate;
  series: SampledSeries[];
}

/** A request to open a run. */
export interface OpenRun {
  type: MessageType.OpenRun;
  runId: string;
}

/** A request to save text to a file. */
export interface SaveFile {
  type: MessageType.SaveFile;
  /** A suggested file name, e.g. `comparison.csv`. */
  fileName: string;
  content: string;
}

/** A view's report of an error. */
export interface ViewError {
  type: MessageType.ViewError;
  message: string;
}

/** The view's first message. */
export interface Ready {
  type: MessageType.Ready;
}

/** Messages a host sends to a view. */
export type HostMessage = CompareSnapshot | RunSnapshot | SeriesUpdate;

/** Messages a view sends to its host. */
export type ViewMessage = Ready | OpenRun | SaveFile | ViewError;

const HOST_TYPES: ReadonlySet<string> = new Set([
  MessageType.CompareSnapshot,
  MessageType.RunSnapshot,
  MessageType.SeriesUpdate,
]);

const VIEW_TYPES: ReadonlySet<string> = new Set([
  MessageType.Ready,
  MessageType.OpenRun,
  MessageType.SaveFile,
  MessageType.ViewError,
]);

function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** True when `value` has the type tag of a host → view message. */
export function isHostMessage(value: unknown): value is HostMessage {
  const type = typeOf(value);
  return type !== undefined && HOST_TYPES.has(type);
}

/** True when `value` has the type tag of a view → host message. */
export function isViewMessage(value: unknown): value is ViewMessage {
  const type = typeOf(value);
  return type !== undefined && VIEW_TYPES.has(type);
}

/** Identity of a series: one run, one key. */
export function seriesId(series: Pick<SampledSeries, 'runId' | 'key'>): string {
  return `${series.runId}\u0000${series.key}`;
}

/** `current` with every series of `updates` replacing the one of the same run and key, or added. */
export function mergeSeries(current: SampledSeries[], updates: SampledSeries[]): SampledSeries[] {
  const byId = new Map(updates.map((series) => [seriesId(series), series]));
  const merged = current.map((series) => {
    const id = seriesId(series);
    const update = byId.get(id);
    if (!update) return series;
    byId.delete(id);
    return update;
  });
  return [...merged, ...byId.values()];
}
