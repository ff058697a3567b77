import type { PgPool } from '../storage/postgres/pool.js';
import type { VendorStep, VendorStepState } from './vendor-step.js';
import type { NewVendorStep, VendorMessage, VendorStepChange, VendorStepStore } from './vendor-step-store.js';

interface StepRow {
  id: number;
  ticket_reference: string;
  vendor_id: string;
  vendor_name: string;
  vendor_email: string;
  state: VendorStepState;
  requested_by: string;
  requested_at: string;
  asked_at: string | null;
  since: string | null;
  expected_by: string | null;
  declined_at: string | null;
  ended_at: string | null;
  sla_paused_ms: number | null;
}

interface MessageRow {
  id: number;
  step_id: number;
  conversation_reference: Record<string, unknown>;
  text: string;
  attempts: number;
}

// sla_paused_ms is BIGINT (pg would hand it back as a string); float8 is exact for any real wait.
const STEP_COLUMNS = `id, ticket_reference, vendor_id, vendor_name, vendor_email, state, requested_by, requested_at,
  asked_at, since, expected_by, declined_at, ended_at, sla_paused_ms::float8 AS sla_paused_ms`;

/** Column for each settable field; names are constants, values are bound. */
const CHANGE_COLUMNS: Record<keyof VendorStepChange, string> = {
  askedAt: 'asked_at',
  since: 'since',
  expectedBy: 'expected_by',
  declinedAt: 'declined_at',
  endedAt: 'ended_at',
  slaPausedMs: 'sla_paused_ms',
};

/**
 * Vendor steps on PostgreSQL (PostgreSQL migration 13), shared by every instance: a step started on
 * one instance is answered by the customer's message on another. "One open step per ticket" is the
 * partial unique index `vendor_steps_one_open`, and every move is a compare-and-set UPDATE, so
 * concurrent instances never both win.
 */
export class PgVendorStepStore implements VendorStepStore {
  constructor(private readonly pool: PgPool) {}

  async create(input: NewVendorStep, now: Date): Promise<VendorStep | undefined> {
    const { rows } = await this.pool.query<StepRow>(
      `INSERT INTO vendor_steps (ticket_reference, vendor_id, vendor_name, vendor_email, state, channel_id, conversation_id, requested_by, requested_at)
       VALUES ($1, $2, $3, $4, 'consent_pending', $5, $6, $7, $8)
       ON CONFLICT (ticket_reference) WHERE state IN ('consent_pending', 'waiting') DO NOTHING
       RETURNING ${STEP_COLUMNS}`,
      [input.ticketReference, input.vendor.id, input.vendor.name, input.vendor.email, input.channelId, input.conversationId, input.requestedBy, now.toISOString()],
    );
    return rows[0] === undefined ? undefined : toStep(rows[0]);
  }

  async latest(ticketReference: string): Promise<VendorStep | undefined> {
    const { rows } = await this.pool.query<StepRow>(
      `SELECT ${STEP_COLUMNS} FROM vendor_steps WHERE ticket_reference = $1 ORDER BY id DESC LIMIT 1`,
      [ticketReference],
    );
    return rows[0] === undefined ? undefined : toStep(rows[0]);
  }

  async pendingConsent(channelId: string, conversationId: string): Promise<VendorStep | undefined> {
    const { rows } = await this.pool.query<StepRow>(
      `SELECT ${STEP_COLUMNS} FROM vendor_steps WHERE channel_id = $1 AND conversation_id = $2 AND state = 'consent_pending' ORDER BY id LIMIT 1`,
      [channelId, conversationId],
    );
    return rows[0] === undefined ? undefined : toStep(rows[0]);
  }

  async move(id: number, from: VendorStepState, to: VendorStepState, change: VendorStepChange): Promise<VendorStep | undefined> {
    const values: unknown[] = [id, from, to];
    const sets = ['state = $3'];
    for (const [key, value] of Object.entries(change) as [keyof VendorStepChange, string | number | undefined][]) {
      if (value === undefined) continue;
      values.push(value);
      sets.push(`${CHANGE_COLUMNS[key]} = $${values.length}`);
    }
    const { rows } = await this.pool.query<StepRow>(
      `UPDATE vendor_steps SET ${sets.join(', ')} WHERE id = $1 AND state = $2 RETURNING ${STEP_COLUMNS}`,
      values,
    );
    return rows[0] === undefined ? undefined : toStep(rows[0]);
  }

  async markAsked(id: number, at: Date): Promise<void> {
    await this.pool.query('UPDATE vendor_steps SET asked_at = $1 WHERE id = $2', [at.toISOString(), id]);
  }

  async isWaiting(ticketReference: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM vendor_steps WHERE ticket_reference = $1 AND state = 'waiting' LIMIT 1`, [ticketReference]);
    return rows.length > 0;
  }

  async enqueueMessage(input: Omit<VendorMessage, 'id' | 'attempts'>, now: Date): Promise<VendorMessage> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO vendor_messages (step_id, conversation_reference, text, created_at, next_attempt_at) VALUES ($1, $2::jsonb, $3, $4, $4) RETURNING id`,
      [input.stepId, JSON.stringify(input.conversationReference), input.text, now.toISOString()],
    );
    return { ...input, id: rows[0]!.id, attempts: 0 };
  }

  async dueMessages(now: Date, limit: number): Promise<VendorMessage[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT id, step_id, conversation_reference, text, attempts FROM vendor_messages
       WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((row) => ({ id: row.id, stepId: row.step_id, conversationReference: row.conversation_reference, text: row.text, attempts: row.attempts }));
  }

  /** As on SQLite, a delivered line is deleted: its text is on the ticket, the row held the customer's conversation reference. */
  async markDelivered(id: number, _at: Date): Promise<void> {
    await this.pool.query('DELETE FROM vendor_messages WHERE id = $1', [id]);
  }

  async deferMessage(id: number, next: Date, error: string): Promise<void> {
    await this.pool.query('UPDATE vendor_messages SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3', [
      next.toISOString(),
      error.slice(0, 500),
      id,
    ]);
  }
}

/** Row → domain object; absent times are omitted, not null (as the SQLite store). */
function toStep(row: StepRow): VendorStep {
  const step: VendorStep = {
    id: row.id,
    ticketReference: row.ticket_reference,
    vendor: { id: row.vendor_id, name: row.vendor_name, email: row.vendor_email },
    state: row.state,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
  };
  if (row.asked_at !== null) step.askedAt = row.asked_at;
  if (row.since !== null) step.since = row.since;
  if (row.expected_by !== null) step.expectedBy = row.expected_by;
  if (row.declined_at !== null) step.declinedAt = row.declined_at;
  if (row.ended_at !== null) step.endedAt = row.ended_at;
  if (row.sla_paused_ms !== null) step.slaPausedMs = row.sla_paused_ms;
  return step;
}
