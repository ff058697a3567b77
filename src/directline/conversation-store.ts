import type { Activity } from 'botbuilder';
import type { SqliteDatabase } from '../storage/database.js';

/** A Direct Line conversation as the endpoint knows it: who may talk in it and in which language it started. */
export interface DirectLineConversation {
  id: string;
  userId: string;
  locale: string | undefined;
  createdAt: string;
}

/** One entry of a conversation log: the activity and its position (the watermark it sets). */
export interface LoggedActivity {
  seq: number;
  activity: Partial<Activity> & { id: string };
}

/**
 * The durable conversation log behind the Direct Line endpoint. Positions (`seq`) grow by one per
 * conversation, so "everything after watermark N" is exact and survives a restart. A position is
 * visible only once every lower one is (appends to one conversation are serialized), so a reader
 * that pages on from its watermark never skips an activity. Implementations: SQLite (below) and
 * PostgreSQL (src/storage/postgres/pg-directline-store.ts).
 */
export interface DirectLineStore {
  createConversation(conversation: DirectLineConversation): Promise<void>;
  conversation(id: string): Promise<DirectLineConversation | undefined>;
  /** Appends an activity, giving it the next position and the id `<conversationId>|<position>`. */
  append(conversationId: string, activity: Partial<Activity>): Promise<LoggedActivity>;
  /** Activities with a position above `watermark`, oldest first, at most `limit`. */
  activitiesAfter(conversationId: string, watermark: number, limit: number): Promise<LoggedActivity[]>;
  /** Replaces a logged activity in place (the bot updated a message); undefined when there is no such activity. */
  replace(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<LoggedActivity | undefined>;
  /** Removes a logged activity (the bot deleted a message); false when there is no such activity. */
  remove(conversationId: string, activityId: string): Promise<boolean>;
}

/**
 * Tells every instance that a conversation's log grew, so a websocket held by one instance
 * streams what another instance appended. Only a hint: listeners read the log from their own
 * watermark, so a lost or duplicated signal never loses or repeats an activity (PostgreSQL:
 * LISTEN/NOTIFY; one process: nothing to tell).
 */
export interface ConversationSignals {
  /**
   * Calls `listener(conversationId)` whenever an instance appended to a conversation, and
   * `listener(undefined)` when signals may have been lost (every stream should re-read).
   * Resolves with the function that stops listening.
   */
  listen(listener: (conversationId: string | undefined) => void): Promise<() => Promise<void>>;
}

/** The id Direct Line gives the activity at `seq` (same shape as Azure's: "conversation|0000042"). */
export function activityIdFor(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

interface ConversationRow {
  id: string;
  user_id: string;
  locale: string | null;
  created_at: string;
}

interface ActivityRow {
  seq: number;
  activity: string;
}

/** DirectLineStore in the app's SQLite database (tables from migration 5). */
export class SqliteDirectLineStore implements DirectLineStore {
  constructor(private readonly db: SqliteDatabase) {}

  async createConversation(conversation: DirectLineConversation): Promise<void> {
    this.db
      .prepare('INSERT INTO directline_conversations (id, user_id, locale, created_at) VALUES (?, ?, ?, ?)')
      .run(conversation.id, conversation.userId, conversation.locale ?? null, conversation.createdAt);
  }

  async conversation(id: string): Promise<DirectLineConversation | undefined> {
    const row = this.db
      .prepare<[string], ConversationRow>('SELECT id, user_id, locale, created_at FROM directline_conversations WHERE id = ?')
      .get(id);
    return row === undefined ? undefined : { id: row.id, userId: row.user_id, locale: row.locale ?? undefined, createdAt: row.created_at };
  }

  async append(conversationId: string, activity: Partial<Activity>): Promise<LoggedActivity> {
    return this.db.transaction(() => {
      // A counter on the conversation, not MAX(seq) + 1: a deleted last activity must not free its
      // position, or a client already past it would never see the next one.
      const counter = this.db
        .prepare<[string], { next: number }>('UPDATE directline_conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq AS next')
        .get(conversationId);
      if (counter === undefined) throw new Error(`Direct Line conversation "${conversationId}" does not exist`);
      const { next } = counter;
      const logged = { ...activity, id: activityIdFor(conversationId, next) };
      this.db
        .prepare('INSERT INTO directline_activities (conversation_id, seq, activity_id, activity, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(conversationId, next, logged.id, JSON.stringify(logged), new Date().toISOString());
      return { seq: next, activity: logged };
    })();
  }

  async activitiesAfter(conversationId: string, watermark: number, limit: number): Promise<LoggedActivity[]> {
    return this.db
      .prepare<[string, number, number], ActivityRow>(
        'SELECT seq, activity FROM directline_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .all(conversationId, watermark, limit)
      .map((row) => ({ seq: row.seq, activity: JSON.parse(row.activity) as LoggedActivity['activity'] }));
  }

  async replace(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<LoggedActivity | undefined> {
    const row = this.db
      .prepare<[string, string], { seq: number }>('SELECT seq FROM directline_activities WHERE conversation_id = ? AND activity_id = ?')
      .get(conversationId, activityId);
    if (row === undefined) return undefined;
    const logged = { ...activity, id: activityId };
    this.db
      .prepare('UPDATE directline_activities SET activity = ? WHERE conversation_id = ? AND seq = ?')
      .run(JSON.stringify(logged), conversationId, row.seq);
    return { seq: row.seq, activity: logged };
  }

  async remove(conversationId: string, activityId: string): Promise<boolean> {
    const result = this.db
      .prepare('DELETE FROM directline_activities WHERE conversation_id = ? AND activity_id = ?')
      .run(conversationId, activityId);
    return result.changes > 0;
  }
}
