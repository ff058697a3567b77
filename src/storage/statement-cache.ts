import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

const byDatabase = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/**
 * The database's prepared statement for this SQL, compiled on first use and reused afterwards.
 * Why: the statements every turn runs (transcript append, bot state read and write, the
 * customer-conversation index, the open-handoff lookup) were compiled again on each call,
 * about 8 compilations per turn — a visible share of a turn's own work in the profile.
 *
 * Only for statements used with run / get / all in their default mode: a cached statement is
 * shared, so never call `.raw()`, `.pluck()`, `.expand()` or `.iterate()` on one.
 */
export function prepared<P extends unknown[] | object = unknown[], R = unknown>(db: SqliteDatabase, sql: string): Statement<P, R> {
  let statements = byDatabase.get(db);
  if (statements === undefined) {
    statements = new Map();
    byDatabase.set(db, statements);
  }
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement as Statement<P, R>;
}
