import type Database from 'better-sqlite3';

/**
 * Prepared statements by SQL text, so hot paths do not re-prepare on every call. Bounded: the
 * cache is emptied when it grows past `limit` (search SQL varies with the filter's shape).
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly limit = 500,
  ) {}

  get(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= this.limit) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
