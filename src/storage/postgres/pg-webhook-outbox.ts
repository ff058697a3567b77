import { COLUMNS, toDelivery, type NewOutboxDelivery, type OutboxDelivery, type OutboxRow, type WebhookOutboxStore } from '../../tickets/webhook-outbox.js';
import { inTransaction, type PgPool } from './pool.js';

/**
 * The webhook outbox on PostgreSQL, shared by every instance. A claim is one UPDATE over rows
 * picked with `FOR UPDATE SKIP LOCKED` that moves their next_attempt_at to the lease end: two
 * instances claiming at once get disjoint rows (neither waits for the other), a claimed row is not
 * due for anyone until its lease ends, and when the claiming instance dies mid-send the row simply
 * becomes due again then, for whichever instance looks next.
 */
export class PgWebhookOutbox implements WebhookOutboxStore {
  constructor(private readonly pool: PgPool) {}

  async enqueue(deliveries: readonly NewOutboxDelivery[], now: Date, maxPending: number): Promise<NewOutboxDelivery[]> {
    if (deliveries.length === 0) return [];
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ pending: number }>('SELECT COUNT(*)::int AS pending FROM webhook_outbox WHERE dead_at IS NULL');
      let pending = rows[0]?.pending ?? 0;
      const rejected: NewOutboxDelivery[] = [];
      for (const delivery of deliveries) {
        if (pending >= maxPending) {
          rejected.push(delivery);
          continue;
        }
        await client.query(
          `INSERT INTO webhook_outbox (delivery_id, event_id, event_name, ticket_reference, url, body, attempts, next_attempt_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)`,
          [delivery.deliveryId, delivery.eventId, delivery.eventName, delivery.ticketReference, delivery.url, delivery.body, now.toISOString()],
        );
        pending += 1;
      }
      return rejected;
    });
  }

  async claimDue(now: Date, limit: number, leaseUntil: Date): Promise<OutboxDelivery[]> {
    const { rows } = await this.pool.query<OutboxRow>(
      `UPDATE webhook_outbox SET next_attempt_at = $2
       WHERE delivery_id IN (
         SELECT delivery_id FROM webhook_outbox
         WHERE dead_at IS NULL AND next_attempt_at <= $1
         ORDER BY next_attempt_at, seq LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       RETURNING ${COLUMNS}`,
      [now.toISOString(), leaseUntil.toISOString(), limit],
    );
    return rows.map(toDelivery);
  }

  async delivered(deliveryId: string): Promise<void> {
    await this.pool.query('DELETE FROM webhook_outbox WHERE delivery_id = $1', [deliveryId]);
  }

  async retryLater(deliveryId: string, failure: { attempts: number; error: string; nextAttemptAt: Date }): Promise<void> {
    await this.pool.query('UPDATE webhook_outbox SET attempts = $2, last_error = $3, next_attempt_at = $4 WHERE delivery_id = $1', [
      deliveryId,
      failure.attempts,
      failure.error,
      failure.nextAttemptAt.toISOString(),
    ]);
  }

  async release(deliveryId: string, at: Date): Promise<void> {
    await this.pool.query('UPDATE webhook_outbox SET next_attempt_at = $2 WHERE delivery_id = $1', [deliveryId, at.toISOString()]);
  }

  async markDead(deliveryId: string, failure: { attempts: number; error: string; at: Date }): Promise<void> {
    await this.pool.query('UPDATE webhook_outbox SET attempts = $2, last_error = $3, dead_at = $4 WHERE delivery_id = $1', [
      deliveryId,
      failure.attempts,
      failure.error,
      failure.at.toISOString(),
    ]);
  }

  async nextAttemptAt(): Promise<Date | undefined> {
    const { rows } = await this.pool.query<{ next: string | null }>('SELECT MIN(next_attempt_at) AS next FROM webhook_outbox WHERE dead_at IS NULL');
    const next = rows[0]?.next;
    return next == null ? undefined : new Date(next);
  }

  async list(): Promise<OutboxDelivery[]> {
    const { rows } = await this.pool.query<OutboxRow>(`SELECT ${COLUMNS} FROM webhook_outbox ORDER BY created_at, seq`);
    return rows.map(toDelivery);
  }
}
