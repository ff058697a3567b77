import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { SqliteDatabase } from '../storage/database.js';
import { ticketSchema } from './ticket.js';
import { ticketChangeSchema, ticketEventNameSchema, type TicketEvent, type TicketService } from './ticket-service.js';
import { WebhookOutbox, type OutboxDelivery } from './webhook-outbox.js';

/**
 * The JSON body every webhook receives. `id` is the event id (the same for every URL and every
 * retry, so receivers can dedupe); `sentAt` is when the delivery was queued. Every attempt, also
 * after a restart, sends these exact bytes under the same signature, so a receiver that rejects
 * old replays by `sentAt` must allow for the retry window.
 */
export const webhookPayloadSchema = z.object({
  id: z.string(),
  event: ticketEventNameSchema,
  sentAt: z.iso.datetime(),
  ticket: ticketSchema,
  change: ticketChangeSchema.optional(),
});
/** A parsed webhook body, for receivers written in TypeScript. */
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** Header names receivers read; exported so receivers and tests do not retype them. */
export const SIGNATURE_HEADER = 'X-Tierdesk-Signature';
export const EVENT_HEADER = 'X-Tierdesk-Event';
export const DELIVERY_HEADER = 'X-Tierdesk-Delivery';

/** `sha256=<hex HMAC-SHA256 of the raw body>`: the value of X-Tierdesk-Signature. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * For receivers: true when `header` is the signature of the raw `body` under `secret`. Compares
 * in constant time so the check leaks nothing about the expected value. Verify the raw bytes as
 * received, before any JSON parsing.
 */
export function verifySignature(body: string | Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (match?.[1] === undefined) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(given, expected);
}

/** Receivers, signing key and retry policy; the delays are options so tests run in milliseconds. */
export interface WebhookDispatcherOptions {
  /** Where deliveries wait (table `webhook_outbox`), so they survive a restart. */
  db: SqliteDatabase;
  urls: readonly string[];
  secret: string;
  logger: Logger;
  /** Tries per delivery, first included. Default 5. */
  maxAttempts?: number;
  /** Wait before the 2nd attempt; doubles each time (capped by maxDelayMs). Default 2000 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Requests in flight at once, across all URLs. Default 4. */
  concurrency?: number;
  /** Pending deliveries beyond this are not queued (logged): a dead receiver must not fill the disk. Default 10 000. */
  maxQueued?: number;
}

/** How one POST ended: the receiver's status, or why there was none. */
type PostOutcome = { status: number } | { error: string };

/** A response status worth retrying: the receiver may be back later. Other 4xx mean "fix your side". */
function isRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A claimed delivery stays leased this long past its request timeout; after a crash it is due again then. */
const LEASE_MARGIN_MS = 5_000;
/** The worker re-reads the outbox at least this often while deliveries are pending (clock changes, other writers). */
const MAX_SLEEP_MS = 60_000;

/**
 * Sends ticket events to an external helpdesk as signed HTTP POSTs through a durable outbox.
 * `dispatch` only writes one outbox row per URL (synchronously, never throwing), so a slow or dead
 * receiver never delays or fails a customer's turn; a worker sends due rows, deletes them once
 * delivered, retries failures with exponential backoff and marks a delivery dead after the last
 * attempt. Rows outlive the process: a new dispatcher on the same database sends every pending
 * row it finds, also to a URL that has since left the configuration.
 */
export class WebhookDispatcher {
  private readonly outbox: WebhookOutbox;
  private readonly urls: readonly string[];
  private readonly secret: string;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;

  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly shutdown = new AbortController();
  private unsubscribe: (() => void) | undefined;

  /** Starts the worker at once, so deliveries left by a previous run go out without waiting for a new event. */
  constructor(options: WebhookDispatcherOptions) {
    if (options.secret === '') throw new Error('WebhookDispatcher needs a secret to sign deliveries (WEBHOOK_SECRET)');
    this.outbox = new WebhookOutbox(options.db);
    this.urls = [...options.urls];
    this.secret = options.secret;
    this.logger = options.logger;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = Math.max(0, options.baseDelayMs ?? 2_000);
    this.maxDelayMs = Math.max(this.baseDelayMs, options.maxDelayMs ?? 5 * 60_000);
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 10_000);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxQueued = Math.max(1, options.maxQueued ?? 10_000);
    this.wake();
  }

  /** Forwards every event of `service` until `stop()`. */
  subscribeTo(service: TicketService): void {
    this.unsubscribe?.();
    this.unsubscribe = service.onEvent((event) => this.dispatch(event));
  }

  /**
   * Queues one delivery per configured URL in the outbox and returns at once; never throws (a
   * failed write is logged). After `stop()` rows are still written, for the next start to send.
   */
  dispatch(event: TicketEvent): void {
    const now = new Date();
    const payload: WebhookPayload = {
      id: event.id,
      event: event.name,
      sentAt: now.toISOString(),
      ticket: event.ticket,
      ...(event.change === undefined ? {} : { change: event.change }),
    };
    const body = JSON.stringify(payload);
    const deliveries = this.urls.map((url) => ({
      deliveryId: randomUUID(),
      eventId: event.id,
      eventName: event.name,
      ticketReference: event.ticket.reference,
      url,
      body,
    }));
    try {
      for (const rejected of this.outbox.enqueue(deliveries, now, this.maxQueued)) {
        const fields = { url: redactUrl(rejected.url), event: event.name, reference: event.ticket.reference };
        this.logger.error('webhook dropped: queue full', fields);
      }
    } catch (error) {
      this.logger.error('webhook not queued: outbox write failed', {
        event: event.name,
        reference: event.ticket.reference,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.wake();
  }

  /**
   * Resolves when nothing is in flight and no delivery is pending (due now or waiting for a retry),
   * or, after `stop()`, once requests in flight have settled (tests, graceful shutdown).
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the worker and aborts requests in flight; every undelivered row stays for the next start (logged). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.shutdown.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.settle();
    await this.idle();
  }

  private get stopped(): boolean {
    return this.shutdown.signal.aborted;
  }

  private isIdle(): boolean {
    if (this.inFlight > 0) return false;
    if (this.stopped) return true;
    try {
      return this.outbox.nextAttemptAt() === undefined;
    } catch {
      return false; // the outbox is unreadable: the worker logs it and tries again
    }
  }

  private settle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Runs the worker soon (not in the caller's turn), replacing any later wake-up. */
  private wake(): void {
    this.sleep(0);
  }

  private sleep(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
      this.settle();
    }, delayMs);
    this.timer.unref();
  }

  /** Sends due deliveries up to the concurrency limit, then sleeps until the next one is due. */
  private pump(): void {
    if (this.stopped) return;
    let next: Date | undefined;
    try {
      const free = this.concurrency - this.inFlight;
      if (free > 0) {
        const now = new Date();
        const leaseUntil = new Date(now.getTime() + this.timeoutMs + LEASE_MARGIN_MS);
        for (const delivery of this.outbox.claimDue(now, free, leaseUntil)) this.send(delivery);
      }
      next = this.outbox.nextAttemptAt();
    } catch (error) {
      this.logger.error('webhook outbox unreadable; will try again', { error: error instanceof Error ? error.message : String(error) });
      next = new Date(Date.now() + Math.max(1_000, this.baseDelayMs));
    }
    // At the concurrency limit, the next finished request pumps again; nothing pending: dispatch wakes us.
    if (next === undefined || this.inFlight >= this.concurrency) return;
    this.sleep(Math.min(MAX_SLEEP_MS, Math.max(0, next.getTime() - Date.now())));
  }

  private send(delivery: OutboxDelivery): void {
    this.inFlight += 1;
    void this.attempt(delivery)
      .catch((error: unknown) => {
        this.logger.error('webhook outbox update failed', {
          url: redactUrl(delivery.url),
          delivery: delivery.deliveryId,
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.inFlight -= 1;
        this.pump();
        this.settle();
      });
  }

  /** One POST of a claimed delivery, then the outbox row is deleted, rescheduled, released or marked dead. */
  private async attempt(delivery: OutboxDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const fields = { url: redactUrl(delivery.url), event: delivery.eventName, delivery: delivery.deliveryId };
    const outcome = await this.post(delivery);
    if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
      this.outbox.delivered(delivery.deliveryId);
      this.logger.debug('webhook delivered', { ...fields, attempt });
      return;
    }
    if ('status' in outcome && !isRetryable(outcome.status)) {
      this.outbox.markDead(delivery.deliveryId, { attempts: attempt, error: `HTTP ${outcome.status}`, at: new Date() });
      this.logger.error('webhook refused by receiver; not retrying', { ...fields, status: outcome.status });
      return;
    }
    const failure = 'status' in outcome ? `HTTP ${outcome.status}` : outcome.error;
    if (this.stopped) {
      this.outbox.release(delivery.deliveryId, new Date());
      this.logger.warn('webhook not delivered yet; kept for the next start', {
        ...fields,
        reference: delivery.ticketReference,
        reason: 'stopped while sending',
      });
      return;
    }
    if (attempt >= this.maxAttempts) {
      this.outbox.markDead(delivery.deliveryId, { attempts: attempt, error: failure, at: new Date() });
      this.logger.error('webhook failed; giving up', { ...fields, reference: delivery.ticketReference, attempts: attempt, error: failure });
      return;
    }
    const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    this.outbox.retryLater(delivery.deliveryId, { attempts: attempt, error: failure, nextAttemptAt: new Date(Date.now() + delayMs) });
    this.logger.warn('webhook attempt failed; will retry', { ...fields, attempt, retryInMs: delayMs, error: failure });
  }

  /** POSTs the stored body, signed now (the same bytes give the same signature on every attempt). */
  private async post(delivery: OutboxDelivery): Promise<PostOutcome> {
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tierdesk-webhooks',
          [SIGNATURE_HEADER]: signBody(delivery.body, this.secret),
          [EVENT_HEADER]: delivery.eventName,
          [DELIVERY_HEADER]: delivery.deliveryId,
        },
        body: delivery.body,
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      return { error: describeFetchError(error) };
    }
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** fetch wraps network errors as "fetch failed" with the useful part in `cause`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
