import { randomUUID } from 'node:crypto';

/** Minimal Bot Framework activity as a channel would post it. */
export interface OutgoingActivity {
  type: string;
  text?: string;
  value?: unknown;
  locale?: string;
  channelId?: string;
  membersAdded?: { id: string; name?: string }[];
}

export interface ReplyActivity {
  type: string;
  text?: string;
  attachments?: { contentType: string; content: { title?: string; subtitle?: string; text?: string; buttons?: { type: string; title: string; value?: unknown }[] } }[];
  [key: string]: unknown;
}

/**
 * Talks to /api/messages like a channel, with deliveryMode "expectReplies" so the bot's replies
 * come back in the HTTP response instead of being posted to a serviceUrl.
 */
export class ExpectRepliesClient {
  readonly conversationId: string;
  readonly userId: string;

  /** `same` continues an existing conversation (e.g. after a restart). */
  constructor(
    private readonly baseUrl: string,
    private readonly channelId = 'test',
    same?: { conversationId: string; userId: string },
  ) {
    this.conversationId = same?.conversationId ?? `conv-${randomUUID()}`;
    this.userId = same?.userId ?? `user-${randomUUID()}`;
  }

  async send(activity: OutgoingActivity, headers: Record<string, string> = {}): Promise<ReplyActivity[]> {
    const response = await this.post(activity, headers);
    if (response.status !== 200) throw new Error(`POST /api/messages answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { activities?: ReplyActivity[] };
    return body.activities ?? [];
  }

  say(text: string): Promise<ReplyActivity[]> {
    return this.send({ type: 'message', text });
  }

  click(value: unknown): Promise<ReplyActivity[]> {
    return this.send({ type: 'message', value });
  }

  post(activity: OutgoingActivity, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        id: randomUUID(),
        channelId: this.channelId,
        serviceUrl: 'http://127.0.0.1:9/unused',
        deliveryMode: 'expectReplies',
        timestamp: new Date().toISOString(),
        from: { id: this.userId, name: 'Customer' },
        recipient: { id: 'tierdesk-bot', name: 'tierdesk' },
        conversation: { id: this.conversationId },
        locale: 'en-US',
        ...activity,
      }),
    });
  }
}

/** The hero card of a reply, if any. */
export function heroCard(reply: ReplyActivity | undefined) {
  return reply?.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.hero')?.content;
}
