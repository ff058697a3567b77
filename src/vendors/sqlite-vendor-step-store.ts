import type { SqliteDatabase } from '../storage/database.js';
import { prepared } from '../storage/statement-cache.js';
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
  conversation_reference: string;
  text: string;
  attempts: number;
}

const STEP_COLUMNS = `id, ticket_reference, vendor_id, vendor_name, vendor_email, state, requested_by, requested_at,
  asked_at, since, expected_by, declined_at, ended_at, sla_paused_ms`;

/** Column for each settable field; names are constants, values are bound. */
const CHANGE_COLUMNS: Record<keyof VendorStepChange, string> = {
  askedAt: 'asked_at',
  since: 'since',
  expectedBy: 'expected_by',
  declinedAt: 'declined_at',
  endedAt: 'ended_at',
  slaPausedMs: 'sla_paused_ms',
};

/** Vendor steps in the embedded SQLite database (migration 13). */
export class SqliteVendorStepStore implements VendorStepStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(input: NewVendorStep, now: Date): Promise<VendorStep | undefined> {
    const id = this.db
      .transaction(() => {
        const open = this.db
          .prepare(`SELECT 1 FROM vendor_steps WHERE ticket_reference = ? AND state IN ('consent_pending', 'waiting')`)
          .get(input.ticketReference);
        if (open !== undefined) return undefined;
        const result = this.db
          .prepare(
            `INSERT INTO vendor_steps (ticket_reference, vendor_id, vendor_name, vendor_email, state, channel_id, conversation_id, requested_by, requested_at)
             VALUES (?, ?, ?, ?, 'consent_pending', ?, ?, ?, ?)`,
          )
          .run(input.ticketReference, input.vendor.id, input.vendor.name, input.vendor.email, input.channelId, input.conversationId, input.requestedBy, now.toISOString());
        return Number(result.lastInsertRowid);
      })
      .immediate();
    return id === undefined ? undefined : this.byId(id);
  }

  async latest(ticketReference: string): Promise<VendorStep | undefined> {
    const row = this.db
      .prepare<[string], StepRow>(`SELECT ${STEP_COLUMNS} FROM vendor_steps WHERE ticket_reference = ? ORDER BY id DESC LIMIT 1`)
      .get(ticketReference);
    return row === undefined ? undefined : toStep(row);
  }

  async pendingConsent(channelId: string, conversationId: string): Promise<VendorStep | undefined> {
    // Runs on every customer turn (vendor-consent-router.ts): compiled once per database.
    const row = prepared<[string, string], StepRow>(
      this.db,
      `SELECT ${STEP_COLUMNS} FROM vendor_steps WHERE channel_id = ? AND conversation_id = ? AND state = 'consent_pending' ORDER BY id LIMIT 1`,
    ).get(channelId, conversationId);
    return row === undefined ? undefined : toStep(row);
  }

  async move(id: number, from: VendorStepState, to: VendorStepState, change: VendorStepChange): Promise<VendorStep | undefined> {
    const sets = ['state = @to'];
    const params: Record<string, string | number> = { id, from, to };
    for (const [key, value] of Object.entries(change) as [keyof VendorStepChange, string | number | undefined][]) {
      if (value === undefined) continue;
      sets.push(`${CHANGE_COLUMNS[key]} = @${key}`);
      params[key] = value;
    }
    const { changes } = this.db.prepare(`UPDATE vendor_steps SET ${sets.join(', ')} WHERE id = @id AND state = @from`).run(params);
    return changes === 0 ? undefined : this.byId(id);
  }

  async markAsked(id: number, at: Date): Promise<void> {
    this.db.prepare('UPDATE vendor_steps SET asked_at = ? WHERE id = ?').run(at.toISOString(), id);
  }

  async isWaiting(ticketReference: string): Promise<boolean> {
    return this.db.prepare(`SELECT 1 FROM vendor_steps WHERE ticket_reference = ? AND state = 'waiting'`).get(ticketReference) !== undefined;
  }

  async enqueueMessage(input: Omit<VendorMessage, 'id' | 'attempts'>, now: Date): Promise<VendorMessage> {
    const result = this.db
      .prepare('INSERT INTO vendor_messages (step_id, conversation_reference, text, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)')
      .run(input.stepId, JSON.stringify(input.conversationReference), input.text, now.toISOString(), now.toISOString());
    return { ...input, id: Number(result.lastInsertRowid), attempts: 0 };
  }

  async dueMessages(now: Date, limit: number): Promise<VendorMessage[]> {
    return this.db
      .prepare<[string, number], MessageRow>(
        `SELECT id, step_id, conversation_reference, text, attempts FROM vendor_messages
         WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
      )
      .all(now.toISOString(), limit)
      .map((row) => ({
        id: row.id,
        stepId: row.step_id,
        conversationReference: JSON.parse(row.conversation_reference) as Record<string, unknown>,
        text: row.text,
        attempts: row.attempts,
      }));
  }

  /** A delivered line is deleted: its text is on the ticket, and the row (with the customer's conversation reference) is no longer needed. */
  async markDelivered(id: number, _at: Date): Promise<void> {
    this.db.prepare('DELETE FROM vendor_messages WHERE id = ?').run(id);
  }

  async deferMessage(id: number, next: Date, error: string): Promise<void> {
    this.db
      .prepare('UPDATE vendor_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?')
      .run(next.toISOString(), error.slice(0, 500), id);
  }

  private byId(id: number): VendorStep | undefined {
    const row = this.db.prepare<[number], StepRow>(`SELECT ${STEP_COLUMNS} FROM vendor_steps WHERE id = ?`).get(id);
    return row === undefined ? undefined : toStep(row);
  }
}

/** Row → domain object; absent times are omitted, not null. */
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
