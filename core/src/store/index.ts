/**
 * The store: the SQLite database of a store directory (opened, migrated), prepared statements,
 * and units of work that let several capabilities commit together.
 */
export { DB_FILE, openDatabase } from './sqlite';
export {
  BLOCK_LEVELS,
  BLOCK_SIZE,
  BLOCK_FANOUT,
  blockSpan,
  migrate,
  MIGRATIONS,
} from './migrations';
export { limitClause } from './limit';
export { StatementCache } from './statementCache';
export { SqliteUnitOfWork, type UnitOfWork, type WriteTransaction } from './unitOfWork';
