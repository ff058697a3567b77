import type { SqliteDatabase } from './database.js';
import { migratePostgres } from './postgres/migrate.js';
import type { PgPool } from './postgres/pool.js';
import type { PgClient } from './postgres/pool.js';

/** One table's row counts after a copy; `ok` when the target holds exactly what the source did. */
export interface CopiedTable {
  table: string;
  source: number;
  target: number;
  ok: boolean;
}

export interface CopyReport {
  tables: CopiedTable[];
  /** SQLite tables with no PostgreSQL counterpart (nothing copied; the report names them). */
  skipped: string[];
}

/** Parents before children (foreign keys); tables not listed follow in name order. */
const ORDER = [
  'bot_state',
  'feedback',
  'tickets',
  'ticket_comments',
  'transcript',
  'directline_conversations',
  'directline_activities',
  'webhook_outbox',
  'customer_conversations',
  'agents',
  'agent_sessions',
  'handoffs',
  'handoff_messages',
  'vendor_steps',
  'vendor_messages',
];
const BATCH = 500;

/** Raised when the target already holds desk data: copying must not merge two desks. */
export class TargetNotEmptyError extends Error {
  constructor(readonly tables: string[]) {
    super(`The PostgreSQL database already holds data (${tables.join(', ')}); copy into an empty database.`);
    this.name = 'TargetNotEmptyError';
  }
}

/**
 * Copies an SQLite desk into PostgreSQL: migrates the target, refuses a target that already holds
 * rows, copies every table both schemas share column by column (in rowid order, in one
 * transaction: a failed copy leaves the target empty), moves the identity counters and the ticket
 * number past the copied rows, and then counts both sides table by table.
 */
export async function copySqliteToPostgres(sqlite: SqliteDatabase, pool: PgPool): Promise<CopyReport> {
  await migratePostgres(pool);
  const sourceTables = sqlite
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((row) => row.name);
  const { rows: targetRows } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  const targetTables = new Set(targetRows.map((row) => row.table_name));
  const shared = sourceTables.filter((table) => targetTables.has(table));
  const ordered = [...ORDER.filter((table) => shared.includes(table)), ...shared.filter((table) => !ORDER.includes(table))];
  const skipped = sourceTables.filter((table) => !targetTables.has(table));

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const nonEmpty: string[] = [];
    for (const table of ordered) {
      const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS any`);
      if (rows[0]?.any === true) nonEmpty.push(table);
    }
    if (nonEmpty.length > 0) throw new TargetNotEmptyError(nonEmpty);
    for (const table of ordered) await copyTable(sqlite, client, table);
    await advanceCounters(client, ordered);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }

  const tables: CopiedTable[] = [];
  for (const table of ordered) {
    const source = sqlite.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get()!.n;
    const { rows } = await pool.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${quote(table)}`);
    const target = rows[0]?.n ?? 0;
    tables.push({ table, source, target, ok: source === target });
  }
  return { tables, skipped };
}

async function copyTable(sqlite: SqliteDatabase, client: PgClient, table: string): Promise<void> {
  const sourceColumns = sqlite
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table.replace(/'/g, "''")}')`)
    .all()
    .map((row) => row.name);
  const { rows: targetColumns } = await client.query<{ column_name: string; is_generated: string; identity_generation: string | null }>(
    `SELECT column_name, is_generated, identity_generation FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  const writable = new Set(targetColumns.filter((c) => c.is_generated !== 'ALWAYS' && c.identity_generation !== 'ALWAYS').map((c) => c.column_name));
  const columns = sourceColumns.filter((column) => writable.has(column));
  if (columns.length === 0) return;
  const list = columns.map(quote).join(', ');
  const select = sqlite.prepare(`SELECT ${list} FROM ${quote(table)} ORDER BY rowid`).raw(true);
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(', ')})`);
    await client.query(`INSERT INTO ${quote(table)} (${list}) VALUES ${tuples.join(', ')}`, values);
    batch = [];
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    batch.push(row.map((value) => (typeof value === 'bigint' ? value.toString() : value)));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
}

/** Identity columns continue after the copied ids; the next ticket number follows the highest copied one. */
async function advanceCounters(client: PgClient, tables: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY($1::text[])`,
    [tables],
  );
  for (const { table_name: table, column_name: column } of rows) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${quote(column)}) FROM ${quote(table)}), 0) + 1, false)`,
      [table, column],
    );
  }
  if (tables.includes('tickets')) {
    await client.query('UPDATE ticket_numbers SET last_number = GREATEST(last_number, COALESCE((SELECT MAX(number) FROM tickets), 0))');
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
