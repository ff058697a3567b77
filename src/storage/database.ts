import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations, type Migration } from './migrations.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the embedded SQLite database and brings its schema up to date.
 * WAL lets the HTTP API read while a turn writes; `synchronous=NORMAL` is durable in WAL mode
 * across process crashes (only an OS crash can lose the last commit).
 */
export function openDatabase(file: string, extraMigrations: readonly Migration[] = []): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, [...migrations, ...extraMigrations]);
  return db;
}

/** Applies every migration newer than the database's `user_version`, each in its own transaction. */
export function migrate(db: SqliteDatabase, all: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = [...all].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
