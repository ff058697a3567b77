import { PgAgentStore } from '../agents/pg-agent-store.js';
import type { AgentStore } from '../agents/agent-store.js';
import { SqliteAgentStore } from '../agents/sqlite-agent-store.js';
import type { Stores } from '../storage/stores.js';
import type { HandoffStore } from './handoff-store.js';
import { PgHandoffStore } from './pg-handoff-store.js';
import { SqliteHandoffStore } from './sqlite-handoff-store.js';

/** The live-chat stores on the backend `stores` chose (DATABASE_URL): queues and agents shared by every instance on PostgreSQL. */
export function openHandoffStores(stores: Pick<Stores, 'backend' | 'sqlite' | 'pool'>): { handoffs: HandoffStore; agents: AgentStore } {
  if (stores.backend === 'postgres' && stores.pool !== undefined) {
    return { handoffs: new PgHandoffStore(stores.pool), agents: new PgAgentStore(stores.pool) };
  }
  return { handoffs: new SqliteHandoffStore(stores.sqlite), agents: new SqliteAgentStore(stores.sqlite) };
}
