import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations';

/** Name of the database file inside a store directory. */
export const DB_FILE = 'sextant.db';

/**
 * Opens (creating if asked) the SQLite database of a store directory: WAL journal,
 * synchronous=NORMAL (durable across process crashes; a power loss may drop the last commits),
 * a busy timeout for concurrent writers, and the schema migrated to the latest version.
 */
export function openDatabase(storeDir: string, options: { create: boolean }): Database.Database {
  const file = path.join(storeDir, DB_FILE);
  if (!options.create && !fs.existsSync(file)) {
    throw new Error(
      `no Sextant store at ${storeDir} (missing ${DB_FILE}); start one with \`sextant server --store ${storeDir}\``,
    );
  }
  fs.mkdirSync(storeDir, { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  migrate(db);
  // Statistics for the query planner, refreshed on open; the row sample is bounded so that a
  // large store opens in milliseconds (without a limit, ANALYZE reads whole indexes).
  db.pragma('analysis_limit = 400');
  db.pragma('optimize=0x10002');
  return db;
}
