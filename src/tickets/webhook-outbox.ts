import type { SqliteDatabase } from '../storage/database.js';

/** A delivery as it is queued: one ticket event for one receiver URL, with the body to sign and send. */
export interface NewOutboxDelivery {
  /** X-Tierdesk-Delivery: unique per event and URL, the same on every attempt. */
  deliveryId: string;
  eventId: string;
  eventName: string;
  /** Kept for log lines and for operators looking at dead deliveries. */
  ticketReference: string;
  url: string;
  /** The exact JSON sent on every attempt (also after a restart), so the signature never changes. */
  body: string;
}

/** A row of the outbox: a queued delivery and how its attempts went. Times are ISO strings. */
export interface OutboxDelivery extends NewOutboxDelivery {
  /** Attempts that failed so far (an attempt cut short by shutdown does not count). */
  attempts: number;
  nextAttemptAt: string;
  lastError: string | undefined;
  createdAt: string;
  /** Set when the delivery was given up: attempts exhausted or refused by the receiver. */
  deadAt: string | undefined;
}

/** An outbox row as both SQL backends return it (same column names and types). */
export interface OutboxRow {
  delivery_id: string;
  event_id: string;
  event_name: string;
  ticket_reference: string;
  url: string;
  body: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  dead_at: string | null;
}

/** The outbox columns in the order both backends select them. */
export const COLUMNS = `delivery_id, event_id, event_name, ticket_reference, url, body, attempts, next_attempt_at,
  last_error, created_at, dead_at`;

/** Maps an outbox row (either backend) to the store's delivery shape. */
export function toDelivery(row: OutboxRow): OutboxDelivery {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    eventName: row.event_name,
    ticketReference: row.ticket_reference,
    url: row.url,
    body: row.body,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error ?? undefined,
    createdAt: row.created_at,
    deadAt: row.dead_at ?? undefined,
  };
}

/**
 * The durable webhook queue: the dispatcher only decides when to send and what an answer means.
 * "Pending" means neither delivered (the row is deleted then) nor dead. Claims are leases, so
 * several dispatchers (instances) on one database send each delivery once, and a delivery whose
 * dispatcher died mid-send is due again when its lease ends. Implementations: SQLite (below) and
 * PostgreSQL (src/storage/postgres/pg-webhook-outbox.ts, `FOR UPDATE SKIP LOCKED`).
 */
export interface WebhookOutboxStore {
  /** Queues deliveries due at once while fewer than `maxPending` are pending; returns those that did not fit. */
  enqueue(deliveries: readonly NewOutboxDelivery[], now: Date, maxPending: number): Promise<NewOutboxDelivery[]>;
  /** Leases up to `limit` due deliveries until `leaseUntil`, oldest due first. */
  claimDue(now: Date, limit: number, leaseUntil: Date): Promise<OutboxDelivery[]>;
  delivered(deliveryId: string): Promise<void>;
  retryLater(deliveryId: string, failure: { attempts: number; error: string; nextAttemptAt: Date }): Promise<void>;
  release(deliveryId: string, at: Date): Promise<void>;
  markDead(deliveryId: string, failure: { attempts: number; error: string; at: Date }): Promise<void>;
  /** When the earliest pending delivery is due; undefined when none is pending. */
  nextAttemptAt(): Promise<Date | undefined>;
  /** Every row, pending and dead, oldest first. */
  list(): Promise<OutboxDelivery[]>;
}

/**
 * The SQLite webhook queue (table `webhook_outbox`, migration 6): every SQL statement about
 * deliveries lives here. Its methods do their work synchronously before returning the promise, so
 * a dispatch has written its rows by the time the ticket call that raised the event returns.
 */
export class WebhookOutbox implements WebhookOutboxStore {
  private readonly countPending;
  private readonly insert;
  private readonly claim;
  private readonly remove;
  private readonly reschedule;
  private readonly bury;
  private readonly earliest;
  private readonly all;

  /** Prepares every statement at once, so a database without migration 6 fails here, not mid-delivery. */
  constructor(private readonly db: SqliteDatabase) {
    this.countPending = db.prepare<[], { pending: number }>(
      'SELECT COUNT(*) AS pending FROM webhook_outbox WHERE dead_at IS NULL',
    );
    this.insert = db.prepare<[NewOutboxDelivery & { now: string }]>(
      `INSERT INTO webhook_outbox (delivery_id, event_id, event_name, ticket_reference, url, body, attempts, next_attempt_at, created_at)
       VALUES (@deliveryId, @eventId, @eventName, @ticketReference, @url, @body, 0, @now, @now)`,
    );
    this.claim = db.prepare<[{ now: string; leaseUntil: string; limit: number }], OutboxRow>(
      `UPDATE webhook_outbox SET next_attempt_at = @leaseUntil
       WHERE delivery_id IN (
         SELECT delivery_id FROM webhook_outbox
         WHERE dead_at IS NULL AND next_attempt_at <= @now
         ORDER BY next_attempt_at LIMIT @limit
       )
       RETURNING ${COLUMNS}`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM webhook_outbox WHERE delivery_id = ?');
    this.reschedule = db.prepare<[{ deliveryId: string; attempts: number | null; error: string | null; nextAttemptAt: string }]>(
      `UPDATE webhook_outbox
       SET attempts = COALESCE(@attempts, attempts), last_error = COALESCE(@error, last_error), next_attempt_at = @nextAttemptAt
       WHERE delivery_id = @deliveryId`,
    );
    this.bury = db.prepare<[{ deliveryId: string; attempts: number; error: string; at: string }]>(
      'UPDATE webhook_outbox SET attempts = @attempts, last_error = @error, dead_at = @at WHERE delivery_id = @deliveryId',
    );
    this.earliest = db.prepare<[], { next: string | null }>(
      'SELECT MIN(next_attempt_at) AS next FROM webhook_outbox WHERE dead_at IS NULL',
    );
    this.all = db.prepare<[], OutboxRow>(`SELECT ${COLUMNS} FROM webhook_outbox ORDER BY created_at, rowid`);
  }

  /**
   * Queues deliveries due at once, in one transaction, while fewer than `maxPending` are pending
   * (a dead receiver must not fill the disk). Returns the deliveries that did not fit.
   */
  async enqueue(deliveries: readonly NewOutboxDelivery[], now: Date, maxPending: number): Promise<NewOutboxDelivery[]> {
    return this.db
      .transaction(() => {
        let pending = this.countPending.get()?.pending ?? 0;
        const rejected: NewOutboxDelivery[] = [];
        for (const delivery of deliveries) {
          if (pending >= maxPending) {
            rejected.push(delivery);
            continue;
          }
          this.insert.run({ ...delivery, now: now.toISOString() });
          pending += 1;
        }
        return rejected;
      })
      .immediate();
  }

  /**
   * Takes up to `limit` pending deliveries due by `now`, oldest due first, and leases them until
   * `leaseUntil` (their next_attempt_at moves there) in one statement, so another dispatcher on the
   * same file does not send them too, and a crash mid-send only delays them until the lease ends.
   */
  async claimDue(now: Date, limit: number, leaseUntil: Date): Promise<OutboxDelivery[]> {
    return this.claim.all({ now: now.toISOString(), leaseUntil: leaseUntil.toISOString(), limit }).map(toDelivery);
  }

  /** The receiver accepted it: the row goes. */
  async delivered(deliveryId: string): Promise<void> {
    this.remove.run(deliveryId);
  }

  /** A failed attempt worth retrying: counts it and makes the delivery due at `nextAttemptAt`. */
  async retryLater(deliveryId: string, failure: { attempts: number; error: string; nextAttemptAt: Date }): Promise<void> {
    const { attempts, error, nextAttemptAt } = failure;
    this.reschedule.run({ deliveryId, attempts, error, nextAttemptAt: nextAttemptAt.toISOString() });
  }

  /** Ends a lease early without counting an attempt (shutdown cut the request short): due again at `at`. */
  async release(deliveryId: string, at: Date): Promise<void> {
    this.reschedule.run({ deliveryId, attempts: null, error: null, nextAttemptAt: at.toISOString() });
  }

  /** Given up: the row stays (with dead_at) for operators, and is never claimed again. */
  async markDead(deliveryId: string, failure: { attempts: number; error: string; at: Date }): Promise<void> {
    this.bury.run({ deliveryId, attempts: failure.attempts, error: failure.error, at: failure.at.toISOString() });
  }

  /** When the earliest pending delivery is due (a leased one at its lease end); undefined when none is pending. */
  async nextAttemptAt(): Promise<Date | undefined> {
    const next = this.earliest.get()?.next;
    return next == null ? undefined : new Date(next);
  }

  /** Every row, pending and dead, oldest first: for operators and tests. */
  async list(): Promise<OutboxDelivery[]> {
    return this.all.all().map(toDelivery);
  }
}
