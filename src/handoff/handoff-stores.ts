import { PgAgentStore } from '../agents/pg-agent-store.js';
import type { AgentStore } from '../agents/agent-store.js';
import { SqliteAgentStore } from '../agents/sqlite-agent-store.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Stores } from '../storage/stores.js';
import { EventHub, type AgentEventHub } from './event-hub.js';
import type { HandoffStore } from './handoff-store.js';
import { PgEventHub } from './pg-event-hub.js';
import { PgHandoffStore } from './pg-handoff-store.js';
import { SqliteHandoffStore } from './sqlite-handoff-store.js';

/**
 * The live-chat stores on the backend `stores` chose (DATABASE_URL): queues, agents, and console
 * events and presence shared by every instance on PostgreSQL; in memory for one SQLite instance.
 */
export function openHandoffStores(
  stores: Pick<Stores, 'backend' | 'sqlite' | 'pool' | 'databaseUrl'>,
  logger: Logger = silentLogger,
): { handoffs: HandoffStore; agents: AgentStore; events: AgentEventHub } {
  if (stores.backend === 'postgres' && stores.pool !== undefined && stores.databaseUrl !== undefined) {
    return {
      handoffs: new PgHandoffStore(stores.pool),
      agents: new PgAgentStore(stores.pool),
      events: new PgEventHub({ pool: stores.pool, url: stores.databaseUrl, logger }),
    };
  }
  return { handoffs: new SqliteHandoffStore(stores.sqlite), agents: new SqliteAgentStore(stores.sqlite), events: new EventHub() };
}
