import type Database from 'better-sqlite3';

/** An open write transaction of a {@link UnitOfWork}, handed to the writers that take part. */
export interface WriteTransaction {
  /** Runs `effect` once the transaction has committed; never when it rolls back. */
  afterCommit(effect: () => void): void;
}

/**
 * Writes of several capabilities (tracking runs, pipeline step records, lineage edges) that
 * commit together or not at all. On SQLite a unit is one IMMEDIATE transaction on the engine's
 * connection; a store on another database (PostgreSQL) brings its own implementation.
 *
 * The work is synchronous: the SQLite journal of the pipeline runner commits inside the engine's
 * synchronous `settle()`.
 */
export interface UnitOfWork {
  /** Runs `work` in one write transaction; its after-commit effects run once it committed. */
  write<T>(work: (tx: WriteTransaction) => T): T;
}

/** A {@link UnitOfWork} on one SQLite connection: `BEGIN IMMEDIATE` … `COMMIT`. */
export class SqliteUnitOfWork implements UnitOfWork {
  constructor(private readonly db: Database.Database) {}

  /** Whether writes through `db` take part in this unit's transactions (the same connection). */
  writesThrough(db: Database.Database): boolean {
    return db === this.db;
  }

  write<T>(work: (tx: WriteTransaction) => T): T {
    const effects: (() => void)[] = [];
    const tx: WriteTransaction = { afterCommit: (effect) => effects.push(effect) };
    const result = this.db.transaction(() => work(tx)).immediate();
    for (const effect of effects) effect();
    return result;
  }
}
