import {
  Engine,
  PipelineHost,
  publishServer,
  startServer,
  type RunningServer,
} from '@sextant/core';
import path from 'node:path';

/** One store directory opened: its engine and the HTTP tracking endpoint over it. */
export interface Workspace {
  /** Absolute path of the store directory. */
  readonly storeDir: string;
  readonly engine: Engine;
  /** Base URL of the MLflow-compatible HTTP endpoint, on a free loopback port. */
  readonly trackingUri: string;
  /**
   * Calls `listener` with the workspace files that changed (debounced; the store left out),
   * while the workspace has a folder; returns the unsubscribe function.
   */
  onFilesChanged(listener: (files: string[]) => void): () => void;
}

/** A connection's hold on a {@link Workspace}; the last release closes it. */
export interface WorkspaceLease {
  readonly workspace: Workspace;
  /** Idempotent. */
  release(): Promise<void>;
}

interface Opened {
  workspace: Workspace;
  http: RunningServer;
  /** The store's `server.json`, removed when the workspace closes. */
  published: { remove(): void };
  /** The workspace's pipelines with their triggers armed; absent without a workspace folder. */
  pipelines?: PipelineHost;
}

interface Entry {
  opening: Promise<Opened>;
  users: number;
}

async function openWorkspace(storeDir: string, root: string | undefined): Promise<Opened> {
  let engine: Engine;
  try {
    engine = Engine.open({ storeDir });
  } catch (error) {
    throw new Error(
      `Cannot open the Sextant store at ${storeDir}: ${(error as Error).message}. ` +
        'Check the sextant.storeDir setting and that the directory is writable.',
    );
  }
  const fileListeners = new Set<(files: string[]) => void>();
  const pipelines = root
    ? new PipelineHost(engine.pipelines, {
        root,
        ignore: [storeDir],
        onError: (message) => process.stderr.write(`sextant pipelines: ${message}\n`),
        onFilesChanged: (files) => {
          for (const listener of fileListeners) listener(files);
        },
      })
    : undefined;
  const onFilesChanged = (listener: (files: string[]) => void): (() => void) => {
    fileListeners.add(listener);
    return () => fileListeners.delete(listener);
  };
  try {
    const http = await startServer(engine, {
      host: '127.0.0.1',
      port: 0,
      ...(pipelines
        ? { pipelines: { runner: engine.pipelines, pipelines: async () => pipelines.pipelines() } }
        : {}),
    });
    engine.pipelines.trackingUri ??= http.url;
    // Runs from a terminal or another editor on this store show here live too.
    engine.pipelines.followOtherProcesses();
    await pipelines?.start();
    const published = publishServer(storeDir, http.url);
    return {
      workspace: { storeDir, engine, trackingUri: http.url, onFilesChanged },
      http,
      published,
      pipelines,
    };
  } catch (error) {
    await pipelines?.stop();
    await engine.close();
    throw error;
  }
}

/**
 * The workspaces open in this process, one per store directory, shared by every connection that
 * asks for the same directory: several clients of one WebSocket server see one engine, one HTTP
 * endpoint and each other's changes.
 */
export class WorkspaceRegistry {
  private readonly entries = new Map<string, Entry>();

  /**
   * Opens the store directory, or joins it when it is open already. `root` (the workspace folder)
   * is where its pipelines are found and their triggers armed; the first opener's root counts.
   */
  async acquire(storeDir: string, root?: string): Promise<WorkspaceLease> {
    const key = path.resolve(storeDir);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { opening: openWorkspace(key, root), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users++;
    const opened = entry;
    let workspace: Workspace;
    try {
      workspace = (await opened.opening).workspace;
    } catch (error) {
      opened.users--;
      if (this.entries.get(key) === opened) this.entries.delete(key);
      throw error;
    }
    let released = false;
    return {
      workspace,
      release: async () => {
        if (released) return;
        released = true;
        opened.users--;
        if (opened.users > 0) return;
        this.entries.delete(key);
        const { http, published, pipelines } = await opened.opening;
        published.remove();
        await pipelines?.stop();
        await http.close();
        await workspace.engine.close();
      },
    };
  }
}
