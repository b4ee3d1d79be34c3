import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { processAlive } from '../../compute';

/** How long a trigger lease lasts without renewal, in ms. */
export const LEASE_TTL_MS = 15_000;

interface LeaseRow {
  owner: string;
  pid: number;
  host: string;
  expires: number;
}

/** The process that holds a lease. */
export interface LeaseHolder {
  pid: number;
  host: string;
}

/**
 * Which process arms a workspace's pipeline triggers, so that a language server and a
 * `sextant pipeline watch` on the same store do not both start a pipeline for one file change or
 * one cron tick. The lease is a row of the store per workspace root; its holder renews it (every
 * third of {@link LEASE_TTL_MS}), the others stand by and take it over once it expires or its
 * holder, a process on this machine, is gone.
 */
export class TriggerLease {
  private readonly owner = `${os.hostname()}:${process.pid}:${randomUUID()}`;

  constructor(
    private readonly db: Database.Database,
    /** Absolute workspace root the lease is for. */
    readonly root: string,
    readonly ttlMs = LEASE_TTL_MS,
  ) {}

  /** Takes the lease, or renews it; answers whether this process holds it now. */
  acquire(now = Date.now()): boolean {
    return this.db
      .transaction((): boolean => {
        const row = this.row();
        if (row && row.owner !== this.owner && row.expires > now && holderAlive(row)) return false;
        this.db
          .prepare(
            `INSERT INTO trigger_leases (root, owner, pid, host, expires) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (root) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
               host = excluded.host, expires = excluded.expires`,
          )
          .run(this.root, this.owner, process.pid, os.hostname(), now + this.ttlMs);
        return true;
      })
      .immediate();
  }

  /** The process holding the lease now, when one does. */
  holder(now = Date.now()): LeaseHolder | undefined {
    const row = this.row();
    if (!row || row.expires <= now || !holderAlive(row)) return undefined;
    return { pid: row.pid, host: row.host };
  }

  /** Gives the lease up, when this process holds it. */
  release(): void {
    this.db
      .prepare('DELETE FROM trigger_leases WHERE root = ? AND owner = ?')
      .run(this.root, this.owner);
  }

  private row(): LeaseRow | undefined {
    return this.db
      .prepare('SELECT owner, pid, host, expires FROM trigger_leases WHERE root = ?')
      .get(this.root) as LeaseRow | undefined;
  }
}

/** Whether a lease's holder may still run: always for another machine (its lease expires). */
function holderAlive(row: LeaseRow): boolean {
  return row.host !== os.hostname() || processAlive(row.pid);
}
