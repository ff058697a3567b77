import { z } from 'zod';

/**
 * Request bodies and parameters of the Direct Line endpoint. Clients are untrusted: only the
 * fields below reach the bot, and the server sets ids, conversation, sender and channel itself.
 */

/** User ids we mint or accept: short, printable, no separators that could confuse logs or URLs. */
export const userIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'may contain only letters, digits and _ . : @ -');

const userSchema = z.object({ id: userIdSchema.optional(), name: z.string().max(100).optional() });

/** POST /tokens/generate (all optional, as with Azure's Direct Line). */
export const generateTokenBodySchema = z
  .object({ user: userSchema.optional() })
  .optional()
  .transform((body) => body ?? {});

/** POST /conversations: botframework-directlinejs sends `{ user: { id }, locale }`. */
export const startConversationBodySchema = z
  .object({ user: userSchema.optional(), locale: z.string().max(35).optional() })
  .optional()
  .transform((body) => body ?? {});

/** Conversation ids we mint: "dl-" and a UUID, so a path segment is never anything else. */
export const conversationIdSchema = z.string().regex(/^dl-[0-9a-f-]{36}$/, 'is not a conversation id of this bot');

/** A watermark is the position of the last activity a client has seen ("" or absent: none yet). */
export const watermarkSchema = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === '' ? '0' : value))
  .pipe(z.string().regex(/^\d{1,15}$/, 'must be a watermark returned by this endpoint'))
  .transform(Number);

const attachmentSchema = z.object({
  contentType: z.string().min(1).max(200),
  contentUrl: z.string().max(2048).optional(),
  content: z.unknown().optional(),
  name: z.string().max(500).optional(),
  thumbnailUrl: z.string().max(2048).optional(),
});

/** POST /conversations/:id/activities: what a customer's client may send. */
export const incomingActivitySchema = z.object({
  type: z.enum(['message', 'event', 'typing']),
  /** Bounded by MAX_REQUEST_BYTES; texts over MAX_MESSAGE_CHARS reach the bot, which politely refuses them. */
  text: z.string().max(100_000).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  /** Card button payloads (messageBack / Action.Submit); the dialogs validate their own shape. */
  value: z.unknown().optional(),
  /** Event name for type "event". */
  name: z.string().max(200).optional(),
  locale: z.string().max(35).optional(),
  localTimezone: z.string().max(100).optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  attachments: z.array(attachmentSchema).max(10).optional(),
  entities: z.array(z.looseObject({ type: z.string().max(100) })).max(20).optional(),
  replyToId: z.string().max(200).optional(),
  from: z.object({ name: z.string().max(100).optional() }).optional(),
});
export type IncomingActivity = z.infer<typeof incomingActivitySchema>;

/** "field: reason" for the first problem, so a 400 names what to fix. */
export function describeFirstIssue(error: z.ZodError, prefix = ''): { field: string; message: string } {
  const issue = error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || '(body)';
  return { field, message: `${field}: ${issue?.message ?? 'invalid'}` };
}
