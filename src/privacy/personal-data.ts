/**
 * The registry of everything that holds customers' personal data. Each store (tickets,
 * transcripts, bot state, Direct Line log, feedback, webhook outbox, handoffs…) contributes one
 * `PersonalDataStore`; erasure and retention walk the registry, so a store added later only has to
 * register itself (src/privacy/sqlite-personal-data.ts lists the SQLite ones) to be covered.
 *
 * Erasure runs in two passes: first every store says what it knows links to the customer
 * (conversations, contact details — `findCustomer`), then every store erases using the union of
 * those traces (`eraseCustomer`), so e.g. a transcript is found through a conversation that only the
 * Direct Line log ties to the user id.
 */

/** A conversation of a channel, the key transcripts, feedback and conversation state use. */
export interface ConversationKey {
  channelId: string;
  conversationId: string;
}

/** What one store knows about a customer, used by the other stores to find their rows. */
export interface CustomerTraces {
  conversations: ConversationKey[];
  /** Personal values (name, e-mail, phone) to scrub from free text in rows linked to the customer. */
  identifiers: string[];
  /** Ticket references of the customer's tickets (the webhook outbox is keyed by them). */
  ticketReferences: string[];
}

/** Everything known about the customer being erased: their id plus all stores' traces. */
export interface ErasureSubject extends CustomerTraces {
  userId: string;
  /** Replaces the user id where a row is kept anonymised (a random id, not derived from the user id). */
  pseudonym: string;
}

/** Rows touched per table, e.g. `{ transcript: 12, tickets: 1 }`. */
export type TouchedRows = Record<string, number>;

/** One store's part in erasure and retention. Every method is async: a PostgreSQL store will follow. */
export interface PersonalDataStore {
  /** Short name for logs and reports. */
  readonly name: string;
  /** What this store ties to `userId`; omit when the store only holds data keyed by others' traces. */
  findCustomer?(userId: string): Promise<Partial<CustomerTraces>>;
  /** Deletes or anonymises the customer's data; returns rows touched per table. */
  eraseCustomer(subject: ErasureSubject): Promise<TouchedRows>;
  /**
   * Deletes data older than `cutoff` (ISO time) that retention covers; with `dryRun` only counts.
   * Omit when the store keeps nothing time-bound.
   */
  purgeOlderThan?(cutoff: string, dryRun: boolean): Promise<TouchedRows>;
}

/** The outcome of erasing one customer. */
export interface ErasureReport {
  userId: string;
  /** Rows deleted or anonymised per table (tables with 0 are listed too, so the report shows what was searched). */
  touched: TouchedRows;
  conversations: number;
}

/** The outcome of one retention run. */
export interface RetentionReport {
  cutoff: string;
  dryRun: boolean;
  /** Rows deleted (or, in a dry run, that would be) per table. */
  deleted: TouchedRows;
}

function mergeInto(total: TouchedRows, part: TouchedRows): void {
  for (const [table, count] of Object.entries(part)) total[table] = (total[table] ?? 0) + count;
}

function uniqueConversations(list: readonly ConversationKey[]): ConversationKey[] {
  const seen = new Map<string, ConversationKey>();
  for (const key of list) seen.set(`${key.channelId}\u0000${key.conversationId}`, key);
  return [...seen.values()];
}

/** The stores holding personal data, walked by erasure and retention in registration order. */
export class PersonalDataRegistry {
  private readonly stores: PersonalDataStore[] = [];

  constructor(stores: readonly PersonalDataStore[] = []) {
    for (const store of stores) this.register(store);
  }

  /** Adds a store (e.g. handoff tables when that feature is wired). */
  register(store: PersonalDataStore): void {
    this.stores.push(store);
  }

  get names(): string[] {
    return this.stores.map((store) => store.name);
  }

  /** Collects every store's traces of `userId`. */
  async traces(userId: string): Promise<CustomerTraces> {
    const traces: CustomerTraces = { conversations: [], identifiers: [], ticketReferences: [] };
    for (const store of this.stores) {
      const found = (await store.findCustomer?.(userId)) ?? {};
      traces.conversations.push(...(found.conversations ?? []));
      traces.identifiers.push(...(found.identifiers ?? []));
      traces.ticketReferences.push(...(found.ticketReferences ?? []));
    }
    return {
      conversations: uniqueConversations(traces.conversations),
      // Scrub longer values first so "ann@example.com" is not left as "[erased]@example.com".
      identifiers: [...new Set(traces.identifiers.map((value) => value.trim()).filter((value) => value.length >= 3))].sort((a, b) => b.length - a.length),
      ticketReferences: [...new Set(traces.ticketReferences)],
    };
  }

  /** Erases or anonymises one customer's personal data in every registered store. */
  async eraseCustomer(userId: string, pseudonym: string): Promise<ErasureReport> {
    const subject: ErasureSubject = { userId, pseudonym, ...(await this.traces(userId)) };
    const touched: TouchedRows = {};
    for (const store of this.stores) mergeInto(touched, await store.eraseCustomer(subject));
    return { userId, touched, conversations: subject.conversations.length };
  }

  /** Deletes (or counts, with `dryRun`) everything older than `retentionDays` days before `now`. */
  async purge(retentionDays: number, now: Date, dryRun: boolean): Promise<RetentionReport> {
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    const deleted: TouchedRows = {};
    for (const store of this.stores) {
      if (store.purgeOlderThan) mergeInto(deleted, await store.purgeOlderThan(cutoff, dryRun));
    }
    return { cutoff, dryRun, deleted };
  }
}

/** Replaces every occurrence of each identifier in `text` (case-insensitive) with "[erased]". */
export function scrubIdentifiers(text: string, identifiers: readonly string[]): string {
  let result = text;
  for (const value of identifiers) {
    const pattern = new RegExp(identifierPattern(value), 'gi');
    result = result.replace(pattern, '[erased]');
  }
  return result;
}

/**
 * A regex source matching `value`; a phone number matches however it is spaced or punctuated
 * ("+48 601-234-567" also finds "+48601234567").
 */
function identifierPattern(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (/^[\d\s()+.-]+$/.test(value) && digits.length >= 7) return digits.split('').join('[\\s().-]*');
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
