/** A "did you mean" the customer answered with "none of these". */
export interface UnmatchedQuestion {
  conversationId: string;
  channelId: string;
  question: string;
  /** The conversation's language when it was asked (undefined when unknown). */
  language?: string | undefined;
  /** Article ids that were offered and not chosen. */
  offered: string[];
}

/** Where "none of these" answers go; the content-gap report reads them back. */
export interface UnmatchedQuestionStore {
  record(entry: UnmatchedQuestion): Promise<void>;
  /** Entries created at or after `since` (ISO time), oldest first. */
  list(since: string): Promise<(UnmatchedQuestion & { createdAt: string })[]>;
}
