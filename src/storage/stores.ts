import path from 'node:path';
import type { Storage } from 'botbuilder';
import { PgUnmatchedQuestionStore } from '../gaps/pg-unmatched-question-store.js';
import { SqliteUnmatchedQuestionStore } from '../gaps/sqlite-unmatched-question-store.js';
import type { UnmatchedQuestionStore } from '../gaps/unmatched-question-store.js';
import type { SlaHours } from '../tickets/sla.js';
import { SqliteTicketStore } from '../tickets/sqlite-ticket-store.js';
import type { TicketStore } from '../tickets/ticket-store.js';
import { WebhookOutbox, type WebhookOutboxStore } from '../tickets/webhook-outbox.js';
import { SqliteDirectLineStore, type ConversationSignals, type DirectLineStore } from '../directline/conversation-store.js';
import type { CustomerConversationIndex } from '../privacy/customer-conversations.js';
import type { PersonalDataStore } from '../privacy/personal-data.js';
import { SqliteCustomerConversationIndex } from '../privacy/sqlite-customer-conversations.js';
import { sqlitePersonalDataStores } from '../privacy/sqlite-personal-data.js';
import { SqliteTranscriptStore, type TranscriptStore } from '../transcripts/transcript-store.js';
import { PgVendorStepStore } from '../vendors/pg-vendor-step-store.js';
import { SqliteVendorStepStore } from '../vendors/sqlite-vendor-step-store.js';
import type { VendorStepStore } from '../vendors/vendor-step-store.js';
import type { ArticleDraftStore } from '../workspace/article-draft.js';
import { PgArticleDraftStore } from '../workspace/pg-article-draft-store.js';
import { SqliteArticleDraftStore } from '../workspace/sqlite-article-draft-store.js';
import type { ArticleSendStore } from '../workspace/article-sends.js';
import { PgArticleSendStore } from '../workspace/pg-article-send-store.js';
import { SqliteArticleSendStore } from '../workspace/sqlite-article-send-store.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { localJobLock, type JobLock } from './job-lock.js';
import { PgJobLock } from './postgres/pg-job-lock.js';
import { PgCustomerConversationIndex, pgPersonalDataStores } from './postgres/pg-personal-data.js';
import { SqliteFeedbackStore, type FeedbackStore } from './feedback-store.js';
import { migratePostgres } from './postgres/migrate.js';
import { PgBotStorage } from './postgres/pg-bot-storage.js';
import { PgConversationSignals, PgDirectLineStore } from './postgres/pg-directline-store.js';
import { PgFeedbackStore } from './postgres/pg-feedback-store.js';
import { PgTicketStore } from './postgres/pg-ticket-store.js';
import { PgTranscriptStore } from './postgres/pg-transcript-store.js';
import { PgWebhookOutbox } from './postgres/pg-webhook-outbox.js';
import { createPool, gatedPool, isPostgresUrl, type PgPool } from './postgres/pool.js';
import { SqliteBotStorage } from './sqlite-bot-storage.js';

/** Where the desk keeps its state: the one setting (DATABASE_URL) and the SQLite default's folder. */
export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; unset keeps the embedded SQLite file in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Most connections one instance holds (PostgreSQL only). */
  poolSize?: number;
  slaHours: SlaHours;
}

/**
 * Every store of the desk, from one backend. This is the only place that chooses SQLite or
 * PostgreSQL; the rest of the app sees interfaces.
 */
export interface Stores {
  backend: 'sqlite' | 'postgres';
  /** DATABASE_URL when PostgreSQL is selected (for LISTEN connections of their own). */
  databaseUrl: string | undefined;
  tickets: TicketStore;
  botState: Storage;
  transcripts: TranscriptStore;
  feedback: FeedbackStore;
  webhookOutbox: WebhookOutboxStore;
  /** "None of these" answers to did-you-mean, for the content-gap report. */
  unmatchedQuestions: UnmatchedQuestionStore;
  /** Article drafts made from resolved live chats (agent workspace). */
  articleDrafts: ArticleDraftStore;
  /** Vendor steps of L4 tickets and their queued lines to the customer. */
  vendorSteps: VendorStepStore;
  /** Answer cards agents sent (supervisor view: articles most often sent by hand). */
  articleSends: ArticleSendStore;
  /** The Direct Line conversation log behind web chat. */
  directLine: DirectLineStore;
  /** Tells this instance about other instances' Direct Line appends (PostgreSQL only). */
  conversationSignals: ConversationSignals | undefined;
  /** Who spoke in which conversation (for erasure). */
  customerConversations: CustomerConversationIndex;
  /** Every store holding personal data, for erasure and retention (src/privacy/personal-data.ts). */
  personalData: PersonalDataStore[];
  /** Runs periodic jobs (SLA check) on one instance at a time. */
  jobLock: JobLock;
  /**
   * The embedded SQLite database. With PostgreSQL it still holds the state whose stores have no
   * PostgreSQL implementation yet (see README "PostgreSQL"), so it is always there.
   */
  sqlite: SqliteDatabase;
  /** The PostgreSQL pool when that backend is selected. */
  pool: PgPool | undefined;
  /** Brings the schema up to date (PostgreSQL: under an advisory lock); call before serving. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the stores `options` select. Synchronous: PostgreSQL connects lazily and migrates in `ready()`. */
export function openStores(options: StoreOptions): Stores {
  const sqlite = openDatabase(path.join(options.dataDir, 'tierdesk.db'));
  if (!isPostgresUrl(options.databaseUrl)) {
    return {
      backend: 'sqlite',
      databaseUrl: undefined,
      tickets: new SqliteTicketStore(sqlite, options.slaHours),
      botState: new SqliteBotStorage(sqlite),
      transcripts: new SqliteTranscriptStore(sqlite),
      feedback: new SqliteFeedbackStore(sqlite),
      webhookOutbox: new WebhookOutbox(sqlite),
      unmatchedQuestions: new SqliteUnmatchedQuestionStore(sqlite),
      articleDrafts: new SqliteArticleDraftStore(sqlite),
      vendorSteps: new SqliteVendorStepStore(sqlite),
      articleSends: new SqliteArticleSendStore(sqlite),
      jobLock: localJobLock,
      directLine: new SqliteDirectLineStore(sqlite),
      conversationSignals: undefined,
      customerConversations: new SqliteCustomerConversationIndex(sqlite),
      personalData: sqlitePersonalDataStores(sqlite),
      sqlite,
      pool: undefined,
      ready: async () => undefined,
      close: async () => {
        if (sqlite.open) sqlite.close();
      },
    };
  }
  const raw = createPool(options.databaseUrl, options.poolSize);
  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> =>
    (migrated ??= migratePostgres(raw).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined; // the next statement tries again (database briefly down at start)
        throw error;
      },
    ));
  const pool = gatedPool(raw, ready);
  return {
    backend: 'postgres',
    databaseUrl: options.databaseUrl,
    tickets: new PgTicketStore(pool, options.slaHours),
    botState: new PgBotStorage(pool),
    transcripts: new PgTranscriptStore(pool),
    feedback: new PgFeedbackStore(pool),
    webhookOutbox: new PgWebhookOutbox(pool),
    unmatchedQuestions: new PgUnmatchedQuestionStore(pool),
    articleDrafts: new PgArticleDraftStore(pool),
    vendorSteps: new PgVendorStepStore(pool),
    articleSends: new PgArticleSendStore(pool),
    jobLock: new PgJobLock(pool),
    directLine: new PgDirectLineStore(pool),
    conversationSignals: new PgConversationSignals(options.databaseUrl),
    customerConversations: new PgCustomerConversationIndex(pool),
    personalData: pgPersonalDataStores(pool),
    sqlite,
    pool,
    ready,
    close: async () => {
      await pool.end();
      if (sqlite.open) sqlite.close();
    },
  };
}
