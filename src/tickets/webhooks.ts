import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { handoffSchema, type Handoff } from '../handoff/handoff.js';
import { ticketSchema, type Ticket } from './ticket.js';
import { ticketChangeSchema, ticketEventNameSchema, type TicketEvent, type TicketService } from './ticket-service.js';
import type { NewOutboxDelivery, OutboxDelivery, WebhookOutboxStore } from './webhook-outbox.js';

/**
 * The JSON body every webhook receives. `id` is the event id (the same for every URL and every
 * retry, so receivers can dedupe); `sentAt` is when the delivery was queued. Every attempt, also
 * after a restart, sends these exact bytes under the same signature, so a receiver that rejects
 * old replays by `sentAt` must allow for the retry window.
 */
/** Live chat events (src/handoff); their payload carries the handoff and its ticket (kind `handoff`). */
export const handoffEventNameSchema = z.enum(['handoff.requested', 'handoff.accepted', 'handoff.resolved']);
export type HandoffEventName = z.infer<typeof handoffEventNameSchema>;

export const webhookPayloadSchema = z.object({
  id: z.string(),
  event: z.union([ticketEventNameSchema, handoffEventNameSchema]),
  sentAt: z.iso.datetime(),
  ticket: ticketSchema,
  change: ticketChangeSchema.optional(),
  /** Present on `handoff.*` events. */
  handoff: handoffSchema.optional(),
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
  /**
   * Where deliveries wait, so they survive a restart: `WebhookOutbox` (SQLite) or `PgWebhookOutbox`
   * (PostgreSQL, shared by every instance; leases make each delivery go out once).
   */
  outbox: WebhookOutboxStore;
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
  /**
   * While nothing is pending here, the worker still looks this often for deliveries another
   * instance queued or left behind when it died mid-send (its lease ends). Default 60 000 ms.
   */
  pollMs?: number;
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
  private readonly outbox: WebhookOutboxStore;
  private readonly urls: readonly string[];
  private readonly secret: string;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly pollMs: number;

  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Outbox writes of dispatched events not finished yet (idle() waits for them). */
  private pendingWrites = 0;
  private pumping = false;
  private pumpAgain = false;
  private idleWaiters: (() => void)[] = [];
  private readonly shutdown = new AbortController();
  private unsubscribe: (() => void) | undefined;

  /** Starts the worker at once, so deliveries left by a previous run go out without waiting for a new event. */
  constructor(options: WebhookDispatcherOptions) {
    if (options.secret === '') throw new Error('WebhookDispatcher needs a secret to sign deliveries (WEBHOOK_SECRET)');
    this.outbox = options.outbox;
    this.urls = [...options.urls];
    this.secret = options.secret;
    this.logger = options.logger;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = Math.max(0, options.baseDelayMs ?? 2_000);
    this.maxDelayMs = Math.max(this.baseDelayMs, options.maxDelayMs ?? 5 * 60_000);
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 10_000);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxQueued = Math.max(1, options.maxQueued ?? 10_000);
    this.pollMs = Math.max(1, options.pollMs ?? MAX_SLEEP_MS);
    this.wake();
  }

  /** Sends a live chat event (`handoff.requested` / `.accepted` / `.resolved`) like a ticket event. */
  dispatchHandoff(name: HandoffEventName, handoff: Handoff, ticket: Ticket): void {
    this.dispatch({ id: randomUUID(), name, ticket, handoff });
  }

  /** Forwards every event of `service` until `stop()`. */
  subscribeTo(service: TicketService): void {
    this.unsubscribe?.();
    // Durable: a ticket call resolves only once its deliveries are in the outbox.
    this.unsubscribe = service.onEvent((event) => this.dispatch(event), { durable: true });
  }

  /**
   * Queues one delivery per configured URL in the outbox; the promise resolves once the rows are
   * written and never rejects (a failed write is logged). After `stop()` rows are still written,
   * for the next start to send. The SQLite outbox writes before this returns.
   */
  dispatch(event: TicketEvent | { id: string; name: HandoffEventName; ticket: Ticket; handoff: Handoff }): Promise<void> {
    const now = new Date();
    const payload: WebhookPayload = {
      id: event.id,
      event: event.name,
      sentAt: now.toISOString(),
      ticket: event.ticket,
      ...('change' in event && event.change !== undefined ? { change: event.change } : {}),
      ...('handoff' in event ? { handoff: event.handoff } : {}),
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
    this.pendingWrites += 1;
    let written: Promise<NewOutboxDelivery[]>;
    try {
      written = this.outbox.enqueue(deliveries, now, this.maxQueued);
    } catch (error) {
      written = Promise.reject(error);
    }
    return written
      .then(
        (rejected) => {
          for (const dropped of rejected) {
            const fields = { url: redactUrl(dropped.url), event: event.name, reference: event.ticket.reference };
            this.logger.error('webhook dropped: queue full', fields);
          }
          this.wake();
        },
        (error: unknown) => {
          this.logger.error('webhook not queued: outbox write failed', {
            event: event.name,
            reference: event.ticket.reference,
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        this.pendingWrites -= 1;
        void this.settle();
      });
  }

  /**
   * Resolves when nothing is in flight and no delivery is pending (due now or waiting for a retry),
   * or, after `stop()`, once requests in flight have settled (tests, graceful shutdown).
   */
  idle(): Promise<void> {
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    void this.settle();
    return idle;
  }

  /** Stops the worker and aborts requests in flight; every undelivered row stays for the next start (logged). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.shutdown.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  private get stopped(): boolean {
    return this.shutdown.signal.aborted;
  }

  private async isIdle(): Promise<boolean> {
    if (this.inFlight > 0 || this.pendingWrites > 0 || this.pumping) return false;
    if (this.stopped) return true;
    try {
      return (await this.outbox.nextAttemptAt()) === undefined;
    } catch {
      return false; // the outbox is unreadable: the worker logs it and tries again
    }
  }

  /** Resolves the idle() waiters when nothing is left to do; called after every change of state. */
  private async settle(): Promise<void> {
    if (this.idleWaiters.length === 0 || !(await this.isIdle())) return;
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
      void this.pump().finally(() => this.settle());
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Sends due deliveries up to the concurrency limit, then sleeps until the next one is due. One
   * pump at a time: a call while one runs makes it go round once more instead of claiming twice.
   */
  private async pump(): Promise<void> {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    let next: Date | undefined;
    try {
      do {
        this.pumpAgain = false;
        const free = this.concurrency - this.inFlight;
        if (free > 0) {
          const now = new Date();
          const leaseUntil = new Date(now.getTime() + this.timeoutMs + LEASE_MARGIN_MS);
          for (const delivery of await this.outbox.claimDue(now, free, leaseUntil)) this.send(delivery);
        }
        next = await this.outbox.nextAttemptAt();
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      this.logger.error('webhook outbox unreadable; will try again', { error: error instanceof Error ? error.message : String(error) });
      next = new Date(Date.now() + Math.max(1_000, this.baseDelayMs));
    } finally {
      this.pumping = false;
    }
    // At the concurrency limit, the next finished request pumps again. Nothing pending: dispatch
    // wakes us, and the poll finds what other instances queued.
    if (this.stopped || this.inFlight >= this.concurrency) return;
    const delayMs = next === undefined ? this.pollMs : Math.min(this.pollMs, MAX_SLEEP_MS, Math.max(0, next.getTime() - Date.now()));
    this.sleep(delayMs);
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
        void this.pump().finally(() => this.settle());
      });
  }

  /** One POST of a claimed delivery, then the outbox row is deleted, rescheduled, released or marked dead. */
  private async attempt(delivery: OutboxDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const fields = { url: redactUrl(delivery.url), event: delivery.eventName, delivery: delivery.deliveryId };
    const outcome = await this.post(delivery);
    if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
      await this.outbox.delivered(delivery.deliveryId);
      this.logger.debug('webhook delivered', { ...fields, attempt });
      return;
    }
    if ('status' in outcome && !isRetryable(outcome.status)) {
      await this.outbox.markDead(delivery.deliveryId, { attempts: attempt, error: `HTTP ${outcome.status}`, at: new Date() });
      this.logger.error('webhook refused by receiver; not retrying', { ...fields, status: outcome.status });
      return;
    }
    const failure = 'status' in outcome ? `HTTP ${outcome.status}` : outcome.error;
    if (this.stopped) {
      await this.outbox.release(delivery.deliveryId, new Date());
      this.logger.warn('webhook not delivered yet; kept for the next start', {
        ...fields,
        reference: delivery.ticketReference,
        reason: 'stopped while sending',
      });
      return;
    }
    if (attempt >= this.maxAttempts) {
      await this.outbox.markDead(delivery.deliveryId, { attempts: attempt, error: failure, at: new Date() });
      this.logger.error('webhook failed; giving up', { ...fields, reference: delivery.ticketReference, attempts: attempt, error: failure });
      return;
    }
    const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    await this.outbox.retryLater(delivery.deliveryId, { attempts: attempt, error: failure, nextAttemptAt: new Date(Date.now() + delayMs) });
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
