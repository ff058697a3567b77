import type { Migration } from '../storage/migrations.js';

/**
 * Migration 7 (reserved for handoff and agents): live chats, their messages, agent accounts and
 * console sessions. Messages that must reach the customer carry `needs_delivery = 1` until the
 * channel took them; that column is the relay's durable outbox.
 */
export const handoffMigration: Migration = {
  version: 7,
  name: 'live handoff and agents',
  sql: `CREATE TABLE agents (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      email TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      tiers TEXT NOT NULL CHECK (json_valid(tiers)),
      capacity INTEGER NOT NULL CHECK (capacity >= 1),
      status TEXT NOT NULL CHECK (status IN ('online', 'away')),
      admin INTEGER NOT NULL CHECK (admin IN (0, 1)),
      language TEXT NOT NULL,
      disabled_at TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE agent_sessions (
      token_hash TEXT PRIMARY KEY,
      agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      csrf_token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    );
    CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);
    CREATE TABLE handoffs (
      id TEXT PRIMARY KEY,
      ticket_reference TEXT NOT NULL,
      tier TEXT NOT NULL CHECK (tier IN ('L1', 'L2', 'L3', 'L4')),
      state TEXT NOT NULL CHECK (state IN ('queued', 'active', 'resolved', 'cancelled', 'timed_out')),
      question TEXT NOT NULL,
      language TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      conversation_id TEXT NOT NULL,
      customer TEXT NOT NULL CHECK (json_valid(customer)),
      conversation_reference TEXT NOT NULL CHECK (json_valid(conversation_reference)),
      classification TEXT NOT NULL CHECK (json_valid(classification)),
      articles_tried TEXT NOT NULL CHECK (json_valid(articles_tried)),
      queued_at TEXT NOT NULL,
      accepted_at TEXT,
      resolved_at TEXT,
      agent_id TEXT,
      agent_name TEXT,
      satisfaction INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
      awaiting_satisfaction INTEGER NOT NULL DEFAULT 0,
      worth_article INTEGER NOT NULL DEFAULT 0,
      notified_position INTEGER
    );
    CREATE INDEX handoffs_queue ON handoffs (tier, queued_at) WHERE state = 'queued';
    CREATE INDEX handoffs_agent ON handoffs (agent_id) WHERE state = 'active';
    CREATE INDEX handoffs_conversation ON handoffs (channel_id, conversation_id, queued_at);
    CREATE TABLE handoff_messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      handoff_id TEXT NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
      sender TEXT NOT NULL CHECK (sender IN ('customer', 'bot', 'agent', 'note', 'system')),
      text TEXT NOT NULL,
      at TEXT NOT NULL,
      agent_id TEXT,
      agent_name TEXT,
      needs_delivery INTEGER NOT NULL DEFAULT 0,
      delivered_at TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      last_error TEXT
    );
    CREATE INDEX handoff_messages_handoff ON handoff_messages (handoff_id, seq);
    CREATE INDEX handoff_messages_outbox ON handoff_messages (next_attempt_at) WHERE needs_delivery = 1 AND delivered_at IS NULL;`,
};
