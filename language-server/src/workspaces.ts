import { Engine, publishServer, startServer, type RunningServer } from '@sextant/core';
import path from 'node:path';

/** One store directory opened: its engine and the HTTP tracking endpoint over it. */
export interface Workspace {
  /** Absolute path of the store directory. */
  readonly storeDir: string;
  readonly engine: Engine;
  /** Base URL of the MLflow-compatible HTTP endpoint, on a free loopback port. */
  readonly trackingUri: string;
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
}

interface Entry {
  opening: Promise<Opened>;
  users: number;
}

async function openWorkspace(storeDir: string): Promise<Opened> {
  let engine: Engine;
  try {
    engine = Engine.open({ storeDir });
  } catch (error) {
    throw new Error(
      `Cannot open the Sextant store at ${storeDir}: ${(error as Error).message}. ` +
        'Check the sextant.storeDir setting and that the directory is writable.',
    );
  }
  try {
    const http = await startServer(engine, { host: '127.0.0.1', port: 0 });
    const published = publishServer(storeDir, http.url);
    return { workspace: { storeDir, engine, trackingUri: http.url }, http, published };
  } catch (error) {
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

  /** Opens the store directory, or joins it when it is open already. */
  async acquire(storeDir: string): Promise<WorkspaceLease> {
    const key = path.resolve(storeDir);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { opening: openWorkspace(key), users: 0 };
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
        const { http, published } = await opened.opening;
        published.remove();
        await http.close();
        await workspace.engine.close();
      },
    };
  }
}
