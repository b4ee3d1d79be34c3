/**
 * `LIMIT n` or `LIMIT n OFFSET m` with the counts written into the SQL text instead of bound.
 *
 * The SQLite that better-sqlite3 bundles (3.53) reads a bound LIMIT's value while it plans a
 * query, so binding that parameter again expires the statement: every call re-prepared it, which
 * cost as much as the query itself on a registry search (about 90 µs of 180 µs). Written into the
 * text, a statement is prepared once per page size and offset and then reused from the statement
 * cache. Only non-negative safe integers are accepted, so nothing but digits reaches the SQL.
 */
export function limitClause(limit: number, offset = 0): string {
  for (const count of [limit, offset]) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`LIMIT and OFFSET take non-negative integers, not ${String(count)}`);
    }
  }
  return offset > 0 ? `LIMIT ${limit} OFFSET ${offset}` : `LIMIT ${limit}`;
}
