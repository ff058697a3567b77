import { handoffMigration } from '../handoff/handoff-schema.js';
import { gapMigration } from '../gaps/gap-schema.js';
import { workspaceMigration } from '../workspace/article-draft-schema.js';
import { vendorMigration } from '../vendors/vendor-schema.js';
import { articleSendMigration } from '../workspace/article-sends.js';

/** One schema step. Versions only ever grow; a shipped migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Versions that were reserved while several parts were developed at once and never shipped. The
 * runner applies only versions above the database's `user_version`, so a number below the highest
 * one would be skipped on existing databases: retired numbers stay unused, and a new migration
 * always takes the next number above the highest in the list (a test checks both).
 */
export const RETIRED_MIGRATION_VERSIONS: readonly number[] = [10, 11];

/** The embedded database's schema history (the runner sorts it by version). */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'bot state (botbuilder Storage)',
    sql: `CREATE TABLE bot_state (
      key TEXT PRIMARY KEY,
      etag INTEGER NOT NULL,
      document TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );`,
  },
  {
    version: 2,
    name: 'answer feedback',
    sql: `CREATE TABLE feedback (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      conversation_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      article_id TEXT NOT NULL,
      question TEXT NOT NULL,
      helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
      created_at TEXT NOT NULL
    );
    CREATE INDEX feedback_article ON feedback (article_id);`,
  },
  {
    version: 3,
    name: 'tickets',
    // Filterable fields are columns; nested parts are JSON checked by json_valid so a bad write
    // fails instead of leaving unreadable rows. search_text is lower-cased subject, description and
    // reference (JavaScript case folding, so "Über" matches "über", which SQLite's LIKE cannot do).
    sql: `CREATE TABLE tickets (
      number INTEGER PRIMARY KEY,
      reference TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL CHECK (kind IN ('ticket', 'callback', 'handoff')),
      tier TEXT NOT NULL CHECK (tier IN ('L1', 'L2', 'L3', 'L4')),
      status TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
      subject TEXT NOT NULL,
      description TEXT NOT NULL,
      search_text TEXT NOT NULL,
      customer_user_id TEXT NOT NULL,
      customer TEXT NOT NULL CHECK (json_valid(customer)),
      channel_id TEXT NOT NULL,
      conversation_id TEXT NOT NULL,
      channel TEXT NOT NULL CHECK (json_valid(channel)),
      transcript TEXT NOT NULL CHECK (json_valid(transcript)),
      classification TEXT CHECK (classification IS NULL OR json_valid(classification)),
      articles_tried TEXT NOT NULL CHECK (json_valid(articles_tried)),
      callback TEXT CHECK (callback IS NULL OR json_valid(callback)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      due_at TEXT NOT NULL,
      sla_breached_at TEXT
    );
    CREATE INDEX tickets_created ON tickets (created_at, number);
    CREATE INDEX tickets_status_created ON tickets (status, created_at, number);
    CREATE INDEX tickets_customer_created ON tickets (customer_user_id, created_at, number);
    CREATE INDEX tickets_conversation ON tickets (channel_id, conversation_id);
    CREATE INDEX tickets_due_unbreached ON tickets (due_at)
      WHERE sla_breached_at IS NULL AND status NOT IN ('resolved', 'closed');
    CREATE TABLE ticket_comments (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ticket_number INTEGER NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
      author TEXT NOT NULL,
      text TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_number, id);`,
  },
  {
    version: 4,
    name: 'conversation transcripts',
    sql: `CREATE TABLE transcript (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel_id TEXT NOT NULL,
      conversation_id TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('customer', 'bot', 'agent')),
      text TEXT NOT NULL,
      at TEXT NOT NULL
    );
    CREATE INDEX transcript_conversation ON transcript (channel_id, conversation_id, id);`,
  },
  {
    version: 5,
    name: 'direct line conversations',
    sql: `CREATE TABLE directline_conversations (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      locale TEXT,
      last_seq INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL
    );
    CREATE TABLE directline_activities (
      conversation_id TEXT NOT NULL REFERENCES directline_conversations (id),
      seq INTEGER NOT NULL,
      activity_id TEXT NOT NULL UNIQUE,
      activity TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (conversation_id, seq)
    );`,
  },
  {
    version: 6,
    name: 'webhook outbox',
    // One row per ticket event and receiver URL, written when the event happens and deleted once
    // delivered, so queued deliveries and retries survive a restart. body is the exact JSON that is
    // signed and sent on every attempt. A delivery that ran out of attempts (or was refused) keeps
    // its row with dead_at set; the partial index serves the worker's "what is due next" queries.
    sql: `CREATE TABLE webhook_outbox (
      delivery_id TEXT PRIMARY KEY,
      event_id TEXT NOT NULL,
      event_name TEXT NOT NULL,
      ticket_reference TEXT NOT NULL,
      url TEXT NOT NULL,
      body TEXT NOT NULL CHECK (json_valid(body)),
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at TEXT NOT NULL,
      last_error TEXT,
      created_at TEXT NOT NULL,
      dead_at TEXT
    );
    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE dead_at IS NULL;`,
  },
  {
    version: 8,
    name: 'customer conversations (erasure index)',
    // Which user spoke in which conversation, for every channel. Transcripts, feedback and
    // conversation state are keyed by conversation only; this is how erasure finds a Teams or
    // Emulator customer's conversations (Direct Line keeps its own user column). last_seen_at lets
    // retention drop the link together with the data it points to.
    sql: `CREATE TABLE customer_conversations (
      channel_id TEXT NOT NULL,
      conversation_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      first_seen_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      PRIMARY KEY (channel_id, conversation_id, user_id)
    );
    CREATE INDEX customer_conversations_user ON customer_conversations (user_id);
    CREATE INDEX customer_conversations_seen ON customer_conversations (last_seen_at);`,
  },
  // 7: live handoff and agents (its SQL lives next to the handoff store).
  handoffMigration,
  // 9: did-you-mean with none chosen, for the content-gap report (SQL next to its store).
  gapMigration,
  // 12: article drafts from live chats marked "worth an article" (SQL next to its store).
  workspaceMigration,
  // 13: vendor steps of L4 tickets and their lines to the customer (SQL next to its store).
  vendorMigration,
  // 14: answer cards sent by agents, for the supervisor view (SQL next to its store).
  articleSendMigration,
];
