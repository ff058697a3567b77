import type { Migration } from '../storage/migrations.js';

/**
 * Migration 13 (vendor step of L4, issue 16): one row per vendor step of a ticket, and the lines
 * sent to the customer about it (consent question, vendor replies) kept until delivered, so a
 * failed or interrupted proactive send is retried instead of lost.
 */
export const vendorMigration: Migration = {
  version: 13,
  name: 'vendor steps of L4 tickets',
  sql: `CREATE TABLE vendor_steps (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ticket_reference TEXT NOT NULL,
      vendor_id TEXT NOT NULL,
      vendor_name TEXT NOT NULL,
      vendor_email TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('consent_pending', 'declined', 'waiting', 'replied')),
      channel_id TEXT NOT NULL,
      conversation_id TEXT NOT NULL,
      requested_by TEXT NOT NULL,
      requested_at TEXT NOT NULL,
      asked_at TEXT,
      since TEXT,
      expected_by TEXT,
      declined_at TEXT,
      ended_at TEXT,
      sla_paused_ms INTEGER
    );
    CREATE INDEX vendor_steps_ticket ON vendor_steps (ticket_reference, id);
    CREATE INDEX vendor_steps_consent ON vendor_steps (channel_id, conversation_id) WHERE state = 'consent_pending';
    CREATE TABLE vendor_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      step_id INTEGER NOT NULL REFERENCES vendor_steps (id),
      conversation_reference TEXT NOT NULL CHECK (json_valid(conversation_reference)),
      text TEXT NOT NULL,
      created_at TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      last_error TEXT,
      delivered_at TEXT
    );
    CREATE INDEX vendor_messages_due ON vendor_messages (next_attempt_at) WHERE delivered_at IS NULL;`,
};
