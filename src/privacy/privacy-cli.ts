import { randomUUID } from 'node:crypto';
import { loadConfig, loadDotEnv } from '../config.js';
import { openStores } from '../storage/stores.js';
import { PersonalDataRegistry, type ErasureReport, type RetentionReport } from './personal-data.js';

/**
 * `npm run retention -- [--dry-run]` and `npm run erase -- <userId>`: the retention purge and the
 * erasure of one customer, run against DATA_DIR's database (safe while the server runs: SQLite WAL
 * and a busy timeout serialise the writes).
 */

/** A table of rows per table, for the terminal. */
export function formatCounts(counts: Record<string, number>): string {
  const width = Math.max(5, ...Object.keys(counts).map((table) => table.length));
  return Object.entries(counts)
    .map(([table, rows]) => `  ${table.padEnd(width)}  ${rows}`)
    .join('\n');
}

export function formatRetention(report: RetentionReport, days: number): string {
  const verb = report.dryRun ? 'Would delete' : 'Deleted';
  return `${verb} data older than ${days} days (before ${report.cutoff}):\n${formatCounts(report.deleted)}\n`;
}

export function formatErasure(report: ErasureReport): string {
  return `Erased customer ${report.userId} (${report.conversations} conversations found); rows touched:\n${formatCounts(report.touched)}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  loadDotEnv();
  const config = loadConfig();
  // The same backend as the desk (DATABASE_URL or DATA_DIR's SQLite file).
  const stores = openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, slaHours: config.sla.hours });
  await stores.ready();
  const registry = new PersonalDataRegistry(stores.personalData);
  try {
    if (command === 'retention') {
      const unknown = rest.filter((arg) => arg !== '--dry-run');
      if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}; usage: npm run retention -- [--dry-run]`);
      if (config.retentionDays <= 0) {
        process.stdout.write('RETENTION_DAYS is 0: data is kept until erased; nothing to do.\n');
        return 0;
      }
      const report = await registry.purge(config.retentionDays, new Date(), rest.includes('--dry-run'));
      process.stdout.write(formatRetention(report, config.retentionDays));
      return 0;
    }
    if (command === 'erase') {
      const userId = rest[0];
      if (userId === undefined || rest.length !== 1 || userId.trim() === '') throw new Error('usage: npm run erase -- <userId>');
      process.stdout.write(formatErasure(await registry.eraseCustomer(userId, `erased-${randomUUID()}`)));
      return 0;
    }
    throw new Error('usage: privacy-cli.js retention [--dry-run] | erase <userId>');
  } finally {
    await stores.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
