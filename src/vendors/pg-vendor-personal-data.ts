import type { ErasureSubject, PersonalDataStore, TouchedRows } from '../privacy/personal-data.js';
import { inTransaction, type PgPool } from '../storage/postgres/pool.js';

const FINISHED = "state IN ('declined', 'replied') AND coalesce(ended_at, declined_at, requested_at) < $1";
const MESSAGES_WHERE = `created_at < $1 OR step_id IN (SELECT id FROM vendor_steps WHERE ${FINISHED})`;

/** Vendor steps in the erasure registry on PostgreSQL: the rules of src/vendors/sqlite-vendor-personal-data.ts. */
export class PgVendorPersonalData implements PersonalDataStore {
  readonly name = 'vendor_steps';
  constructor(private readonly pool: PgPool) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      const ids = new Set<number>();
      const byReference = await client.query<{ id: number }>('SELECT id FROM vendor_steps WHERE ticket_reference = ANY($1::text[])', [subject.ticketReferences]);
      for (const { id } of byReference.rows) ids.add(id);
      for (const c of subject.conversations) {
        const { rows } = await client.query<{ id: number }>('SELECT id FROM vendor_steps WHERE channel_id = $1 AND conversation_id = $2', [c.channelId, c.conversationId]);
        for (const { id } of rows) ids.add(id);
      }
      const list = [...ids];
      const messages = (await client.query('DELETE FROM vendor_messages WHERE step_id = ANY($1::int[])', [list])).rowCount ?? 0;
      const steps = (await client.query('UPDATE vendor_steps SET conversation_id = $2 WHERE id = ANY($1::int[]) AND conversation_id <> $2', [list, subject.pseudonym])).rowCount ?? 0;
      return { vendor_steps: steps, vendor_messages: messages };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    if (dryRun) {
      const count = async (sql: string) => (await this.pool.query<{ n: number }>(sql, [cutoff])).rows[0]?.n ?? 0;
      return {
        vendor_messages: await count(`SELECT COUNT(*)::int AS n FROM vendor_messages WHERE ${MESSAGES_WHERE}`),
        vendor_steps: await count(`SELECT COUNT(*)::int AS n FROM vendor_steps WHERE ${FINISHED}`),
      };
    }
    return inTransaction(this.pool, async (client) => ({
      vendor_messages: (await client.query(`DELETE FROM vendor_messages WHERE ${MESSAGES_WHERE}`, [cutoff])).rowCount ?? 0,
      vendor_steps: (await client.query(`DELETE FROM vendor_steps WHERE ${FINISHED}`, [cutoff])).rowCount ?? 0,
    }));
  }
}
