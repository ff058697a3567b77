import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, loadDotEnv } from '../config.js';
import { copySqliteToPostgres, type CopyReport } from './copy-sqlite-to-postgres.js';
import { openDatabase } from './database.js';
import { migratePostgres } from './postgres/migrate.js';
import { createPool, isPostgresUrl } from './postgres/pool.js';

/**
 * `npm run db:migrate`: brings the configured database (DATABASE_URL, else DATA_DIR's SQLite file)
 * up to date; safe while instances run (PostgreSQL migrates under the same advisory lock as a start).
 * `npm run db:copy -- --from sqlite:<file> --to postgres://…`: moves an SQLite desk to PostgreSQL,
 * then counts both sides table by table; exits 1 when a count differs.
 */

const USAGE = 'usage: db-cli migrate | db-cli copy --from sqlite:<file> --to postgres://user:password@host:5432/database';

/** Counts per table, for the terminal. */
export function formatCopyReport(report: CopyReport): string {
  const width = Math.max(5, ...report.tables.map((t) => t.table.length));
  const lines = [`  ${'table'.padEnd(width)}  sqlite  postgres`];
  for (const t of report.tables) lines.push(`  ${t.table.padEnd(width)}  ${String(t.source).padStart(6)}  ${String(t.target).padStart(8)}${t.ok ? '' : '  MISMATCH'}`);
  if (report.skipped.length > 0) lines.push(`not copied (no PostgreSQL table): ${report.skipped.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  const inline = args.find((arg) => arg.startsWith(`${name}=`));
  return inline !== undefined ? inline.slice(name.length + 1) : index >= 0 ? args[index + 1] : undefined;
}

export async function runDbCli(args: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'migrate') {
    loadDotEnv();
    const config = loadConfig();
    if (isPostgresUrl(config.databaseUrl)) {
      const pool = createPool(config.databaseUrl, 1);
      try {
        const applied = await migratePostgres(pool);
        out(applied.length === 0 ? 'PostgreSQL schema is up to date.\n' : `PostgreSQL: applied migrations ${applied.join(', ')}.\n`);
      } finally {
        await pool.end();
      }
    } else {
      const file = path.join(config.dataDir, 'tierdesk.db');
      const db = openDatabase(file);
      out(`SQLite ${file}: schema version ${String(db.pragma('user_version', { simple: true }))}.\n`);
      db.close();
    }
    return 0;
  }
  if (command === 'copy') {
    const from = option(rest, '--from');
    const to = option(rest, '--to');
    if (from === undefined || !from.startsWith('sqlite:') || !isPostgresUrl(to)) {
      out(`${USAGE}\n`);
      return 2;
    }
    const sqlite = openDatabase(path.resolve(from.slice('sqlite:'.length)));
    const pool = createPool(to, 2);
    try {
      const report = await copySqliteToPostgres(sqlite, pool);
      out(formatCopyReport(report));
      const ok = report.tables.every((t) => t.ok);
      out(ok ? 'Copied; every count matches. Set DATABASE_URL to the PostgreSQL URL and restart.\n' : 'Counts differ: do not switch yet.\n');
      return ok ? 0 : 1;
    } finally {
      sqlite.close();
      await pool.end();
    }
  }
  out(`${USAGE}\n`);
  return 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDbCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
