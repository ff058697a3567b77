import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { openStores, type Stores } from '../../src/storage/stores.js';
import { testSlaHours } from '../fixtures/sample-tickets.js';
import { startPostgres, type TestPostgres } from './postgres.js';
import { tempDir } from './test-app.js';

/** A fresh, empty set of stores on one backend; `reopen` closes them and opens the same database again. */
export interface OpenedStores {
  stores: Stores;
  reopen(): Promise<OpenedStores>;
  /** A second, independent set of stores on the same database: what another instance would open. Closed by `close()`. */
  another(): Promise<Stores>;
  close(): Promise<void>;
}

/** A backend a contract suite runs against: `open()` gives fresh stores on an empty database. */
export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedStores>;
}

/**
 * The two backends every store contract runs against. PostgreSQL is one throwaway cluster per test
 * file (started in beforeAll, stopped in afterAll even when tests fail) with a new database per
 * `open()`, so tests never see each other's rows.
 */
export function useStoreBackends(): StoreBackend[] {
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const openAt = async (databaseUrl: string | undefined, dataDir: string): Promise<OpenedStores> => {
    const stores = openStores({ databaseUrl, dataDir, slaHours: testSlaHours });
    await stores.ready();
    let closed = false;
    const others: Stores[] = [];
    const close = async () => {
      if (closed) return;
      closed = true;
      for (const other of others) await other.close();
      await stores.close();
    };
    return {
      stores,
      close,
      another: async () => {
        const other = openStores({ databaseUrl, dataDir, slaHours: testSlaHours });
        others.push(other);
        await other.ready();
        return other;
      },
      reopen: async () => {
        await close();
        return openAt(databaseUrl, dataDir);
      },
    };
  };

  return [
    {
      name: 'sqlite',
      open: () => openAt(undefined, tempDir('tierdesk-stores-')),
    },
    {
      name: 'postgres',
      open: async () => {
        if (cluster === undefined) throw new Error('PostgreSQL test cluster not started');
        return openAt(await cluster.createDatabase(), tempDir('tierdesk-stores-'));
      },
    },
  ];
}

/** Removes a temp dir created for SQLite files (best effort). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
