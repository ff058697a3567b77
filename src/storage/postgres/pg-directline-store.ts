import type { Activity } from 'botbuilder';
import {
  activityIdFor,
  type ConversationSignals,
  type DirectLineConversation,
  type DirectLineStore,
  type LoggedActivity,
} from '../../directline/conversation-store.js';
import { listenToChannel } from './pg-listen.js';
import { inTransaction, type PgPool } from './pool.js';

/** The NOTIFY channel every instance LISTENs on; the payload is the conversation id. */
export const DIRECTLINE_CHANNEL = 'tierdesk_directline';

interface ConversationRow {
  id: string;
  user_id: string;
  locale: string | null;
  created_at: string;
}

/**
 * The Direct Line conversation log on PostgreSQL (same tables as SQLite's migration 5). An append
 * takes the next position from the conversation's counter row (its row lock orders concurrent
 * appends from any instance, so position N is committed before N+1 exists) and NOTIFYs in the same
 * transaction, so listeners hear of it exactly when it becomes visible.
 */
export class PgDirectLineStore implements DirectLineStore {
  constructor(private readonly pool: PgPool) {}

  async createConversation(conversation: DirectLineConversation): Promise<void> {
    await this.pool.query('INSERT INTO directline_conversations (id, user_id, locale, created_at) VALUES ($1, $2, $3, $4)', [
      conversation.id,
      conversation.userId,
      conversation.locale ?? null,
      conversation.createdAt,
    ]);
  }

  async conversation(id: string): Promise<DirectLineConversation | undefined> {
    const { rows } = await this.pool.query<ConversationRow>('SELECT id, user_id, locale, created_at FROM directline_conversations WHERE id = $1', [id]);
    const row = rows[0];
    return row === undefined ? undefined : { id: row.id, userId: row.user_id, locale: row.locale ?? undefined, createdAt: row.created_at };
  }

  async append(conversationId: string, activity: Partial<Activity>): Promise<LoggedActivity> {
    return inTransaction(this.pool, async (client) => {
      const counter = await client.query<{ next: number }>(
        'UPDATE directline_conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq AS next',
        [conversationId],
      );
      const next = counter.rows[0]?.next;
      if (next === undefined) throw new Error(`Direct Line conversation "${conversationId}" does not exist`);
      const logged = { ...activity, id: activityIdFor(conversationId, next) };
      await client.query('INSERT INTO directline_activities (conversation_id, seq, activity_id, activity, created_at) VALUES ($1, $2, $3, $4, $5)', [
        conversationId,
        next,
        logged.id,
        JSON.stringify(logged),
        new Date().toISOString(),
      ]);
      await client.query('SELECT pg_notify($1, $2)', [DIRECTLINE_CHANNEL, conversationId]);
      return { seq: next, activity: logged };
    });
  }

  async activitiesAfter(conversationId: string, watermark: number, limit: number): Promise<LoggedActivity[]> {
    const { rows } = await this.pool.query<{ seq: number; activity: string }>(
      'SELECT seq, activity FROM directline_activities WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [conversationId, watermark, limit],
    );
    return rows.map((row) => ({ seq: row.seq, activity: JSON.parse(row.activity) as LoggedActivity['activity'] }));
  }

  async replace(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<LoggedActivity | undefined> {
    const logged = { ...activity, id: activityId };
    const { rows } = await this.pool.query<{ seq: number }>(
      'UPDATE directline_activities SET activity = $3 WHERE conversation_id = $1 AND activity_id = $2 RETURNING seq',
      [conversationId, activityId, JSON.stringify(logged)],
    );
    const row = rows[0];
    return row === undefined ? undefined : { seq: row.seq, activity: logged };
  }

  async remove(conversationId: string, activityId: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM directline_activities WHERE conversation_id = $1 AND activity_id = $2', [conversationId, activityId]);
    return (result.rowCount ?? 0) > 0;
  }
}

/**
 * Cross-instance signals over LISTEN/NOTIFY on one dedicated connection (a pooled one could not
 * keep the LISTEN). When that connection drops it reconnects and then reports "anything may have
 * changed" (undefined), so streams re-read from their watermarks and nothing appended in the gap
 * is missed. Measured against polling in `npm run bench:postgres`.
 */
export class PgConversationSignals implements ConversationSignals {
  constructor(
    private readonly url: string,
    private readonly reconnectMs = 1_000,
  ) {}

  listen(listener: (conversationId: string | undefined) => void): Promise<() => Promise<void>> {
    return listenToChannel(this.url, DIRECTLINE_CHANNEL, (payload) => listener(payload || undefined), () => listener(undefined), this.reconnectMs);
  }
}
