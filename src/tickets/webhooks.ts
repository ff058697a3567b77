import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { ticketSchema } from './ticket.js';
import { ticketChangeSchema, ticketEventNameSchema, type TicketEvent, type TicketService } from './ticket-service.js';

/**
 * The JSON body every webhook receives. `id` is the event id (the same for every URL and every
 * retry, so receivers can dedupe); `sentAt` is the time of this attempt and is covered by the
 * signature, so a receiver may reject old replays.
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
  /** Deliveries waiting beyond this are dropped (logged): a dead receiver must not eat memory. Default 10 000. */
  maxQueued?: number;
}

interface Delivery {
  /** X-Tierdesk-Delivery: unique per event and URL, the same across retries. */
  id: string;
  url: string;
  /** The URL as logged: without query string or credentials, which may carry secrets. */
  receiver: string;
  event: TicketEvent;
  attempt: number;
}

/** A response status worth retrying: the receiver may be back later. Other 4xx mean "fix your side". */
function isRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Sends ticket events to an external helpdesk as signed HTTP POSTs. Fire-and-forget: `dispatch`
 * only queues, so a slow or dead receiver never delays or fails a customer's turn. Failed
 * attempts are retried with exponential backoff and logged; deliveries live in memory only, so
 * a restart drops what is still queued (logged at shutdown).
 */
export class WebhookDispatcher {
  private readonly urls: readonly string[];
  private readonly secret: string;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;

  private readonly queue: Delivery[] = [];
  private readonly retryTimers = new Map<NodeJS.Timeout, Delivery>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly shutdown = new AbortController();
  private unsubscribe: (() => void) | undefined;

  constructor(options: WebhookDispatcherOptions) {
    if (options.secret === '') throw new Error('WebhookDispatcher needs a secret to sign deliveries (WEBHOOK_SECRET)');
    this.urls = [...options.urls];
    this.secret = options.secret;
    this.logger = options.logger;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = Math.max(0, options.baseDelayMs ?? 2_000);
    this.maxDelayMs = Math.max(this.baseDelayMs, options.maxDelayMs ?? 5 * 60_000);
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 10_000);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxQueued = Math.max(1, options.maxQueued ?? 10_000);
  }

  /** Forwards every event of `service` until `stop()`. */
  subscribeTo(service: TicketService): void {
    this.unsubscribe?.();
    this.unsubscribe = service.onEvent((event) => this.dispatch(event));
  }

  /** Queues one delivery per configured URL and returns at once. */
  dispatch(event: TicketEvent): void {
    if (this.shutdown.signal.aborted) {
      this.logger.warn('webhook not sent: dispatcher stopped', { event: event.name, reference: event.ticket.reference });
      return;
    }
    for (const url of this.urls) {
      if (this.queue.length >= this.maxQueued) {
        this.logger.error('webhook dropped: queue full', { url: redactUrl(url), event: event.name, reference: event.ticket.reference });
        continue;
      }
      this.queue.push({ id: randomUUID(), url, receiver: redactUrl(url), event, attempt: 0 });
    }
    this.pump();
  }

  /** Resolves when nothing is queued, in flight or waiting to be retried (tests, graceful shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops sending: aborts requests in flight, drops queued deliveries and retries (each logged). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.shutdown.abort();
    for (const [timer, delivery] of this.retryTimers) {
      clearTimeout(timer);
      this.dropped(delivery, 'stopped before retry');
    }
    this.retryTimers.clear();
    for (const delivery of this.queue.splice(0)) this.dropped(delivery, 'stopped before sending');
    this.settle();
    await this.idle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.retryTimers.size === 0;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      this.inFlight += 1;
      void this.attempt(delivery).finally(() => {
        this.inFlight -= 1;
        this.pump();
        this.settle();
      });
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempt += 1;
    const { event } = delivery;
    const payload: WebhookPayload = {
      id: event.id,
      event: event.name,
      sentAt: new Date().toISOString(),
      ticket: event.ticket,
      ...(event.change === undefined ? {} : { change: event.change }),
    };
    const body = JSON.stringify(payload);
    let failure: string;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tierdesk-webhooks',
          [SIGNATURE_HEADER]: signBody(body, this.secret),
          [EVENT_HEADER]: event.name,
          [DELIVERY_HEADER]: delivery.id,
        },
        body,
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) {
        this.logger.debug('webhook delivered', { url: delivery.receiver, event: event.name, delivery: delivery.id, attempt: delivery.attempt });
        return;
      }
      if (!isRetryable(response.status)) {
        this.logger.error('webhook refused by receiver; not retrying', {
          url: delivery.receiver,
          event: event.name,
          delivery: delivery.id,
          status: response.status,
        });
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = describeFetchError(error);
    }
    if (this.shutdown.signal.aborted) {
      this.dropped(delivery, 'stopped while sending');
      return;
    }
    if (delivery.attempt >= this.maxAttempts) {
      this.logger.error('webhook failed; giving up', {
        url: delivery.receiver,
        event: event.name,
        reference: event.ticket.reference,
        delivery: delivery.id,
        attempts: delivery.attempt,
        error: failure,
      });
      return;
    }
    const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (delivery.attempt - 1));
    this.logger.warn('webhook attempt failed; will retry', {
      url: delivery.receiver,
      event: event.name,
      delivery: delivery.id,
      attempt: delivery.attempt,
      retryInMs: delayMs,
      error: failure,
    });
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.queue.push(delivery);
      this.pump();
    }, delayMs);
    timer.unref();
    this.retryTimers.set(timer, delivery);
  }

  private dropped(delivery: Delivery, reason: string): void {
    this.logger.warn('webhook not delivered', {
      url: delivery.receiver,
      event: delivery.event.name,
      reference: delivery.event.ticket.reference,
      delivery: delivery.id,
      reason,
    });
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
