import path from 'node:path';
import type { ResolvedPipeline } from '../../model/pipeline';

const GLOB = /[*?[\]{}]/;

/** Folders whose changes never trigger a run: tools' state, not the workspace's content. */
const NEVER_WATCHED = new Set([
  '.git',
  'node_modules',
  '.venv',
  '__pycache__',
  '.ipynb_checkpoints',
]);

/** One watched path of a `files` trigger: the folder or file to watch, and the glob, if any. */
interface WatchedPath {
  /** Absolute path chokidar watches. */
  base: string;
  /** Absolute glob a changed path must match; absent: anything under `base`. */
  glob?: string;
}

/** Whether `child` is `parent` or inside it. */
export function isWithin(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/**
 * Splits workspace-relative paths (globs allowed) into what chokidar watches; a path that leaves
 * the workspace is an error.
 */
export function watchedPaths(root: string, paths: string[]): WatchedPath[] {
  return paths.map((entry) => {
    const absolute = path.resolve(root, entry);
    if (!isWithin(root, absolute)) {
      throw new Error(`the watched path '${entry}' is outside the workspace ${root}`);
    }
    if (!GLOB.test(entry)) return { base: absolute };
    const segments = absolute.split(path.sep);
    const first = segments.findIndex((segment) => GLOB.test(segment));
    return { base: segments.slice(0, first).join(path.sep) || path.sep, glob: absolute };
  });
}

/**
 * What a run of the pipelines writes, and so must not trigger them again: every step's outputs
 * and metrics, as absolute paths.
 */
export function outputsOf(pipelines: ResolvedPipeline[]): string[] {
  const outputs = new Set<string>();
  for (const pipeline of pipelines) {
    for (const step of pipeline.steps) {
      for (const output of [...step.outputs, ...step.metrics]) {
        outputs.add(path.resolve(pipeline.root, output));
      }
    }
  }
  return [...outputs];
}

/** Options of {@link watchFiles}. */
export interface WatchFilesOptions {
  root: string;
  paths: string[];
  /** Absolute paths never to report (the store, the pipelines' outputs), with what is under them. */
  ignore: string[];
  debounceMs: number;
  /** Called once changes have been quiet for `debounceMs`, with the changed paths (relative). */
  onChange(changed: string[]): void;
  onError(error: Error): void;
}

/** A running watch; `close` stops it and drops changes not reported yet. */
export interface FileWatch {
  close(): Promise<void>;
}

/** Watches a `files` trigger's paths with chokidar; resolves once the watcher is ready. */
export async function watchFiles(options: WatchFilesOptions): Promise<FileWatch> {
  const { watch } = await import('chokidar');
  const watched = watchedPaths(options.root, options.paths);
  const ignored = (file: string): boolean =>
    options.ignore.some((skip) => isWithin(skip, file)) ||
    path
      .relative(options.root, file)
      .split(path.sep)
      .some((segment) => NEVER_WATCHED.has(segment));
  const matches = (file: string): boolean =>
    watched.some(
      (entry) => isWithin(entry.base, file) && (!entry.glob || path.matchesGlob(file, entry.glob)),
    );
  const watcher = watch(
    watched.map((entry) => entry.base),
    { ignoreInitial: true, ignored, persistent: true },
  );
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (_event, file) => {
    const absolute = path.resolve(file);
    if (ignored(absolute) || !matches(absolute)) return;
    changed.add(path.relative(options.root, absolute) || '.');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const batch = [...changed].sort();
      changed = new Set();
      options.onChange(batch);
    }, options.debounceMs);
  });
  watcher.on('error', (error) => options.onError(error as Error));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    close: async () => {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
