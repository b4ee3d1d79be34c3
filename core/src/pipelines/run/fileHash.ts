import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { limitClause, StatementCache } from '../../store';
import { walkFolder } from '../../compute';

/** One file of a folder's manifest: its path inside the folder (POSIX) and its content hash. */
export interface ManifestEntry {
  path: string;
  md5: string;
}

/** What hashing a path found. */
export type PathHash =
  | { kind: 'file'; digest: string; size: number }
  | { kind: 'dir'; digest: string; entries: ManifestEntry[] }
  | { kind: 'missing' };

/**
 * A memo entry is trusted only when the file's mtime is older than the moment it was recorded by
 * at least this much, so a file rewritten within the same clock tick (same size) is not missed.
 */
const RACY_WINDOW_MS = 2_000;

/** Hex MD5 of a file's content, streamed. */
export function md5File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The digest of a folder: MD5 of its sorted manifest, DVC-style `md5:<hex>.dir`. */
export function manifestDigest(entries: ManifestEntry[]): string {
  const hash = createHash('md5').update(JSON.stringify(entries.map((e) => [e.path, e.md5])));
  return `md5:${hash.digest('hex')}.dir`;
}

/**
 * Content hashes of files and folders (`md5:<hex>` for a file, `md5:<hex>.dir` for a folder),
 * with a memo in SQLite keyed by absolute path and checked against size, mtime (ns) and inode:
 * a large file is hashed again only when one of them changed.
 */
export class FileHasher {
  private readonly sql: StatementCache;

  /**
   * @param leaveOut folders a folder's hash leaves out besides tools' state (absolute:
   *   Sextant's store, when it lies in the workspace).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly leaveOut: readonly string[] = [],
  ) {
    this.sql = new StatementCache(db);
  }

  /**
   * Forgets the memo of files that are gone, `batch` rows at a time with a turn of the event loop
   * between batches; answers how many it forgot. Long-lived processes call it when they start.
   */
  async prune(batch = 500): Promise<number> {
    let forgotten = 0;
    let after = '';
    for (;;) {
      const rows = this.sql
        .get(`SELECT path FROM file_hashes WHERE path > ? ORDER BY path ${limitClause(batch)}`)
        .all(after) as { path: string }[];
      if (rows.length === 0) return forgotten;
      after = (rows[rows.length - 1] as { path: string }).path;
      const gone: string[] = [];
      for (const { path: file } of rows) {
        try {
          await fs.access(file);
        } catch {
          gone.push(file);
        }
      }
      const remove = this.sql.get('DELETE FROM file_hashes WHERE path = ?');
      this.db.transaction(() => {
        for (const file of gone) remove.run(file);
      })();
      forgotten += gone.length;
    }
  }

  /**
   * Hashes a file or a folder (recursively, as {@link walkFolder} walks it: symbolic links
   * followed, tools' state and the store left out).
   */
  async hash(absPath: string): Promise<PathHash> {
    let stat: import('node:fs').BigIntStats;
    try {
      stat = await fs.stat(absPath, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    if (stat.isDirectory()) {
      const entries = await this.folderEntries(absPath);
      return { kind: 'dir', digest: manifestDigest(entries), entries };
    }
    const md5 = await this.fileMd5(absPath, stat);
    return { kind: 'file', digest: `md5:${md5}`, size: Number(stat.size) };
  }

  /** Records a file's known MD5 (after restoring it from the cache) so it is not hashed again. */
  async remember(absPath: string, md5: string): Promise<void> {
    const stat = await fs.stat(absPath, { bigint: true });
    this.record(absPath, stat, md5, Date.now());
  }

  private async folderEntries(root: string): Promise<ManifestEntry[]> {
    const entries: ManifestEntry[] = [];
    await walkFolder(
      root,
      async ({ relative, absolute, stat }) => {
        entries.push({ path: relative, md5: await this.fileMd5(absolute, stat) });
      },
      this.leaveOut,
    );
    return entries;
  }

  private async fileMd5(file: string, stat: import('node:fs').BigIntStats): Promise<string> {
    const row = this.sql
      .get('SELECT size, mtime_ns, inode, digest, checked_time FROM file_hashes WHERE path = ?')
      .get(file) as
      | { size: number; mtime_ns: string; inode: string; digest: string; checked_time: number }
      | undefined;
    const mtimeMs = Number(stat.mtimeNs / 1_000_000n);
    if (
      row &&
      row.size === Number(stat.size) &&
      row.mtime_ns === stat.mtimeNs.toString() &&
      row.inode === stat.ino.toString() &&
      mtimeMs + RACY_WINDOW_MS < row.checked_time
    ) {
      return row.digest;
    }
    const checkedTime = Date.now();
    const md5 = await md5File(file);
    this.record(file, stat, md5, checkedTime);
    return md5;
  }

  private record(
    file: string,
    stat: import('node:fs').BigIntStats,
    md5: string,
    checkedTime: number,
  ): void {
    this.sql
      .get(
        `INSERT INTO file_hashes (path, size, mtime_ns, inode, digest, checked_time)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
           inode = excluded.inode, digest = excluded.digest, checked_time = excluded.checked_time`,
      )
      .run(file, Number(stat.size), stat.mtimeNs.toString(), stat.ino.toString(), md5, checkedTime);
  }
}
