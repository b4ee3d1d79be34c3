import path from 'node:path';
import { LocalArtifactStore } from './artifacts/localStore';
import { openDatabase } from './store/sqlite';
import { TrackingService } from './tracking/service';
import { SqliteTrackingStore } from './tracking/sqliteStore';

export interface EngineOptions {
  /** The store directory (default for a workspace: `<workspace>/.sextant`). */
  storeDir: string;
  /** Create the store if it does not exist (default true). */
  create?: boolean;
  /** Largest single artifact accepted, in bytes. */
  maxArtifactBytes?: number;
}

/**
 * One Sextant engine over one store directory: the tracking service on SQLite and the
 * artifact store beside it. The HTTP server, the CLI and the language server all drive this.
 */
export class Engine {
  private constructor(
    readonly storeDir: string,
    readonly tracking: TrackingService,
    readonly artifacts: LocalArtifactStore,
  ) {}

  static open(options: EngineOptions): Engine {
    const storeDir = path.resolve(options.storeDir);
    const db = openDatabase(storeDir, { create: options.create ?? true });
    const tracking = new TrackingService(new SqliteTrackingStore(db));
    const artifacts = new LocalArtifactStore(path.join(storeDir, 'artifacts'), {
      ...(options.maxArtifactBytes ? { maxFileBytes: options.maxArtifactBytes } : {}),
    });
    return new Engine(storeDir, tracking, artifacts);
  }

  async close(): Promise<void> {
    await this.tracking.store.close();
  }
}
